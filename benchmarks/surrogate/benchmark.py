"""The surrogate benchmark: full noisy learning curves for every architecture of a space."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from nas_sim.benchmark import Benchmark, BestKnown
from nas_sim.benchmarks.curve_set import CurveSet
from nas_sim.benchmarks.shipped import MNIST1D_SURROGATE, TINY_SURROGATE
from nas_sim.benchmarks.surrogate.counter_rng import as_seed_array
from nas_sim.benchmarks.surrogate.model import SurrogateModel
from nas_sim.learning_curve import LearningCurve
from nas_sim.search_space import Architecture, SearchSpace

Array = NDArray[np.float64]

#: which embedded MNIST-1D table the shipped surrogate was fitted on
MNIST1D_SURROGATE_VERSION = "v1"
#: Spaces with at most this many isomorphism classes get every class predicted once, up front.
_TABLE_LIMIT = 50_000
#: rows of a batch sampled at once (2,048 curves x 300 values x 8 bytes = 5 MB per temporary)
_CHUNK_ROWS = 2048


class SurrogateBenchmark(Benchmark):
    """A NAS-Bench-x11-style surrogate benchmark (Yan et al., NeurIPS 2021).

    ``curve(arch, run_seed)`` = the model's noiseless mean curve + a noise draw keyed by
    ``run_seed`` (the same draw alone, batched, on CPU or CUDA). Unlike the released x11
    benchmarks, which query without noise, runs here see noise by default; ``noise=False``
    gives the deterministic x11 behaviour.

    Mean curves are cached per isomorphism class; for spaces with few classes (NB201: 6,466)
    every class is predicted once on first use, which also gives :attr:`best_known`.
    """

    def __init__(self, model: SurrogateModel, name: str = "surrogate", noise: bool = True) -> None:
        self.model = model
        self.name = name
        self.noise = bool(noise)
        #: the artifact directory, when loaded from one
        self.path: Path | None = None
        self._row_of: dict[Architecture, int] = {}
        self._keys: list[str] = []
        self._z: list[Array] = []  # blocks of noiseless joint curves
        self._sigma: list[Array] = []
        self._time: list[Array] = []
        self._dirty = True

    @classmethod
    def from_path(
        cls, path: str | os.PathLike[str], name: str = "", noise: bool = True
    ) -> SurrogateBenchmark:
        import hashlib

        from nas_sim.benchmarks.surrogate.artifact import MANIFEST, load_surrogate

        bench = cls(load_surrogate(path), name=name or str(path), noise=noise)
        bench.path = Path(path)
        # the manifest holds the SHA-256 of every artifact file, so its own hash names them all
        bench.data_sha256 = hashlib.sha256((Path(path) / MANIFEST).read_bytes()).hexdigest()
        return bench

    # ------------------------------------------------------------- interface
    @cached_property
    def space(self) -> SearchSpace:
        # A model with extra features (NB111's 4-epoch accuracies, NLP11's first three epochs)
        # can only answer architectures whose extra features it stored, so optimizers search
        # those (x11 trained NLP recipes for 3 epochs at query time; we have no training here).
        model = self.model
        if model.feature_spec.n_extra and model.extra_table_:
            from nas_sim.benchmarks.covered_subspace import CoveredSubspace

            return CoveredSubspace(model.space, [model.space.parse(k) for k in model.extra_table_])
        return model.space

    @property
    def max_epochs(self) -> int:
        return self.model.max_epochs

    @property
    def metrics(self) -> tuple[str, ...]:
        return self.model.metrics

    @property
    def objective(self) -> str:
        return self.model.objective

    # ------------------------------------------------------------- mean table
    def _add(self, archs: list[Architecture], keys: list[Architecture]) -> None:
        x = self.model.features(archs)
        z = self.model.predict_joint(x)
        sig = self.model.noise_sigma(x)
        start = len(self._keys)
        for i, k in enumerate(keys):
            self._row_of[k] = start + i
        self._keys.extend(self.space.format(a) for a in archs)
        self._z.append(z)
        self._sigma.append(sig if sig is not None else np.zeros((len(x), 0)))
        self._time.append(self.model.predict_epoch_time(x))
        self._dirty = True

    def _arrays(self) -> tuple[Array, Array, Array]:
        if self._dirty:
            self._zc = np.vstack(self._z) if self._z else np.zeros((0, 0))
            self._sc = np.vstack(self._sigma) if self._sigma else np.zeros((0, 0))
            self._tc = np.vstack(self._time) if self._time else np.zeros((0, 0))
            self._z, self._sigma, self._time = [self._zc], [self._sc], [self._tc]
            self._dirty = False
        return self._zc, self._sc, self._tc

    @cached_property
    def _finite(self) -> bool:
        uniq = getattr(self.space, "unique_architectures", None)
        if uniq is None or self.model.feature_spec.n_extra:
            return False
        size = self.space.size
        if size is not None and size > 10 * _TABLE_LIMIT:
            return False
        archs = list(uniq())
        if len(archs) > _TABLE_LIMIT:
            return False
        self._add(archs, archs)
        return True

    def rows(self, archs: Sequence[Architecture]) -> NDArray[np.int64]:
        """Row of each architecture in the mean table (predicting unseen classes once)."""
        _ = self._finite
        out = np.empty(len(archs), dtype=np.int64)
        missing: dict[Architecture, Architecture] = {}
        for i, a in enumerate(archs):
            r = self._row_of.get(a)
            if r is None:
                self.space.validate(a)
                c = self.space.canonical(a)
                r = self._row_of.get(c)
                if r is None:
                    missing.setdefault(c, a)
                    out[i] = -1
                    continue
                self._row_of[a] = r
            out[i] = r
        if missing:
            self._add(list(missing), list(missing))
            for i in np.flatnonzero(out < 0).tolist():
                a = archs[i]
                out[i] = self._row_of.get(a, -1)
                if out[i] < 0:
                    out[i] = self._row_of[self.space.canonical(a)]
                    self._row_of[a] = int(out[i])
        return out

    # ---------------------------------------------------------------- curves
    def sample_rows(self, rows: NDArray[np.int64], run_seeds: Any) -> dict[str, Array]:
        """Noisy curves of table rows, ``{metric: (n, max_epochs)}`` plus ``epoch_time_s``.

        Large batches are computed ``_CHUNK_ROWS`` rows at a time into one output array (the
        metrics are views of it): every row's values depend on that row alone, and chunks that
        stay in the CPU cache made 100,000 curves three times faster than whole-batch
        temporaries of a few hundred MB each.
        """
        z, sig, t = self._arrays()
        rows = np.asarray(rows, dtype=np.int64)
        seeds = as_seed_array(run_seeds) if self.noise else None
        n = len(rows)
        joint = np.empty((n, z.shape[1]))
        for start in range(0, n, _CHUNK_ROWS):
            part = rows[start : start + _CHUNK_ROWS]
            zr = z[part]
            if seeds is not None:
                noise = self.model.noise_
                zr += noise.sample_np(
                    seeds[start : start + _CHUNK_ROWS], sig[part] if sig.shape[1] else None
                )
            self.model.to_metrics(zr, out=joint[start : start + _CHUNK_ROWS])
        e = self.max_epochs
        out = {m: joint[:, i * e : (i + 1) * e] for i, m in enumerate(self.metrics)}
        out["epoch_time_s"] = t[rows]
        return out

    def sample_rows_torch(self, rows: Any, run_seeds: Any, device: str = "cpu") -> dict[str, Any]:
        """:meth:`sample_rows` in torch on ``device`` (``rows``/``run_seeds``: int64 tensors or
        arrays). The mean table is moved to the device once and cached there."""
        import torch

        cache = self.__dict__.setdefault("_device_cache", {})
        if device not in cache:
            z, sig, t = self._arrays()
            cache[device] = tuple(torch.as_tensor(a, device=device) for a in (z, sig, t))
        z, sig, t = cache[device]
        rows = torch.as_tensor(rows, device=device)
        zr = z[rows]
        if self.noise:
            seeds = torch.as_tensor(run_seeds, dtype=torch.int64, device=device)
            zr = zr + self.model.noise_.sample_torch(seeds, sig[rows] if sig.shape[1] else None)
        out = self.model.to_metrics_torch(zr)
        out["epoch_time_s"] = t[rows]
        return out

    def _curve_list(self, s: dict[str, Array]) -> list[LearningCurve]:
        ms = self.metrics
        # list(array) yields the row views in C; indexing each metric per curve cost twice this
        per_metric = zip(*(list(s[m]) for m in ms))
        return [
            LearningCurve(values=dict(zip(ms, values)), epoch_time_s=times)
            for values, times in zip(per_metric, list(s["epoch_time_s"]))
        ]

    def curve(self, arch: Architecture, run_seed: int) -> LearningCurve:
        return self._curve_list(self.sample_rows(self.rows([arch]), [run_seed]))[0]

    def curves(
        self, archs: Sequence[Architecture], run_seeds: Sequence[int]
    ) -> list[LearningCurve]:
        if len(archs) != len(run_seeds):
            raise ValueError(f"{len(archs)} architectures but {len(run_seeds)} run seeds")
        if not archs:
            return []
        return self._curve_list(self.sample_rows(self.rows(archs), run_seeds))

    def mean_curves(self, archs: Sequence[Architecture]) -> dict[str, Array]:
        """Noiseless curves of ``archs``."""
        rows = self.rows(archs)
        z, _, t = self._arrays()
        out = self.model.to_metrics(z[rows])
        out["epoch_time_s"] = t[rows]
        return out

    def expected_final(self, arch: Architecture) -> tuple[float, float]:
        m = self.mean_curves([arch])
        test = m[self.test_metric][0, -1] if self.test_metric in m else np.nan
        return float(m[self.objective][0, -1]), float(test)

    @cached_property
    def best_known(self) -> BestKnown | None:  # type: ignore[override]
        """The best class by noiseless final test metric (as the tabular benchmark ranks)."""
        if not self._finite or self.test_metric not in self.metrics:
            return None
        z, _, _ = self._arrays()
        n = len(
            cast(Any, self.space).unique_architectures()
        )  # NB201-like spaces (checked by _finite)
        m = self.model.to_metrics(z[:n])
        sign = 1.0 if self.maximize else -1.0
        i = int(np.argmax(sign * m[self.test_metric][:, -1]))
        return BestKnown(
            arch=self._keys[i],
            val=float(m[self.objective][i, -1]),
            test=float(m[self.test_metric][i, -1]),
        )

    @property
    def training_final_range(self) -> dict[str, tuple[float, float]] | None:
        r = self.model.metric_range_
        if r is None:
            return None
        e = self.max_epochs
        return {
            m: (float(r[0, (i + 1) * e - 1]), float(r[1, (i + 1) * e - 1]))
            for i, m in enumerate(self.metrics)
        }

    def best_known_method(self) -> str:
        """How :attr:`best_known` was obtained, in words (for ``nas-sim benchmarks info``)."""
        if not self._finite or self.test_metric not in self.metrics:
            return "none: the space is too large to predict every class"
        n = len(cast(Any, self.space).unique_architectures())
        text = f"the best of all {n} classes by noiseless predicted final {self.test_metric}"
        rng = self.training_final_range
        if rng is None:
            return (
                text + " (a format-1 artifact: predictions are not clipped to the training range)"
            )
        lo, hi = rng[self.test_metric]
        text += (
            f"; every prediction is clipped to the training runs' range (final: {lo:.4g}–{hi:.4g})"
        )
        held = self.model.info.get("heldout", {}).get("metrics", {}).get(self.test_metric)
        if held:
            text += (
                f"; on {self.model.info['heldout']['n_architectures']} held-out classes the final "
                f"MAE is {held['mae_final']:.4f} and the worst over-prediction among the tenth "
                f"predicted best is {held['top_tenth_max_over_prediction_final']:.4f} "
                f"(over all held-out classes {held['max_over_prediction_final']:.4f}), so "
                "regrets below about "
                f"{held['top_tenth_max_over_prediction_final']:.2f} are within the surrogate's error"
            )
        return text

    def describe(self) -> dict[str, object]:
        info = super().describe()
        info.update(
            kind="surrogate",
            noise=self.noise,
            best_known_method=self.best_known_method(),
            model=self.model.describe(),
        )
        return info

    def freeze(self, n_classes: int | None = None, subset_seed: int = 1) -> CurveSet:
        """A tabular learning-curve set with one curve per class of the space: all classes, or a
        uniform subset of ``n_classes`` drawn with ``subset_seed``. A complete table with this
        surrogate's curve shapes shows how table coverage alone changes a comparison.

        Class ``i`` (in the space's order) gets run seed ``i``: the noise depends on the run seed
        alone, so one shared seed would give every class the same draw (a noiseless table).
        """
        classes = list(cast(Any, self.space).unique_architectures())  # NB201-like spaces
        keep = np.arange(len(classes))
        if n_classes is not None:
            if not 1 <= n_classes <= len(classes):
                raise ValueError(f"freeze needs 1 <= N <= {len(classes)}, got {n_classes}")
            rng = np.random.default_rng(subset_seed)
            keep = np.sort(rng.choice(len(classes), n_classes, replace=False))
        archs = [classes[i] for i in keep]
        curves = self.curves(archs, keep.tolist())
        metrics = list(curves[0].values)
        return CurveSet(
            space=self.space.name,
            archs=[self.space.format(a) for a in archs],
            seeds=np.zeros(len(archs), dtype=np.int64),
            metrics={m: np.array([c.values[m] for c in curves]) for m in metrics},
            epoch_time_s=np.array([c.epoch_time_s for c in curves]),
            units={m: self.model.units.get(m, "") for m in metrics},
            provenance={"name": f"frozen-{self.name}:{n_classes or 'all'}"},
        )


def load(path: str | os.PathLike[str], name: str = "", noise: bool = True) -> SurrogateBenchmark:
    """Entry point ``surrogate``: a surrogate benchmark from an artifact directory."""
    return SurrogateBenchmark.from_path(path, name=name, noise=noise)


def mnist1d_surrogate(noise: bool = True) -> SurrogateBenchmark:
    """Entry point ``mnist1d-surrogate``: the shipped surrogate of the MNIST-1D × NB201 set."""
    bench = SurrogateBenchmark.from_path(MNIST1D_SURROGATE, name="mnist1d-surrogate", noise=noise)
    bench.version = MNIST1D_SURROGATE_VERSION
    return bench


def tiny_surrogate(noise: bool = True) -> SurrogateBenchmark:
    """A tiny surrogate fitted on synthetic curves, for tests."""
    return SurrogateBenchmark.from_path(TINY_SURROGATE, name="tiny-surrogate", noise=noise)

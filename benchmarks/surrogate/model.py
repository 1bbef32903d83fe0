"""The surrogate model: architecture → a distribution over full learning curves of every metric.

Construction follows NAS-Bench-x11 (Yan et al., NeurIPS 2021): compress curves, regress the
components from architecture features, model the noise around the mean. All metrics are modelled
jointly: the curves of every metric of a run are standardised (per-epoch mean, one scale per
metric) and concatenated into one vector of ``n_metrics * max_epochs`` values, so one set of
components describes a run, and noise draws keep validation and test curves consistent. The
per-epoch training cost has its own small model (log mean epoch time × a shared epoch profile).

A surrogate never predicts outside what its training data supports: losses are modelled as
``log1p(loss)`` (a few unstable runs spike validation losses to thousands of nats, and on a linear
scale those spikes own whole SVD components whose accuracy loadings the regressors then misplace),
predicted components are clipped to the range the training curves' components covered, and every
curve, mean or noisy, is clipped to the per-epoch range of the training runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nas_sim import registry
from nas_sim.benchmarks.curve_set import CurveSet
from nas_sim.benchmarks.surrogate.compression import (
    COMPRESSIONS,
    SVDCompression,
    choose_svd_components,
)
from nas_sim.benchmarks.surrogate.mean_model import BaggedEnsemble
from nas_sim.benchmarks.surrogate.noise import NOISE_MODELS
from nas_sim.learning_curve import METRICS
from nas_sim.progress import log, tick
from nas_sim.search_space import Architecture, InvalidArchitectureError, SearchSpace

Array = NDArray[np.float64]

#: How each kind of metric is transformed before standardising (inverted by ``to_metrics``).
#: Losses are heavy-tailed (diverging runs), so they are always log-transformed.
LOSS_TRANSFORM = "log1p"
#: Accuracies are modelled as they are, or (opt-in) on the logit scale. The logit spreads the top
#: of a table, where good cells differ by tenths of a point, as far as the bottom, where failed
#: cells differ by tens: a squared-error model then weighs the differences that decide a search
#: instead of spending its splits on the failures, and seed noise, whose spread in accuracy
#: shrinks towards the top, becomes closer to homoscedastic.
ACCURACY_TRANSFORMS = ("logit",)
LOGIT_TRANSFORM = "logit"
#: Accuracies are clipped to [eps, 1 - eps] before the logit: a run at exactly 0 or 1 would
#: otherwise be infinitely far from the rest. 1e-3 is the resolution of a 1,000-example set.
LOGIT_EPS = 1e-3


def metric_transforms(
    metrics: Sequence[str], accuracy_transform: str | None = None
) -> dict[str, str]:
    """The transform of each metric a new fit uses: ``log1p`` for losses; for accuracies none,
    or ``accuracy_transform`` (one of :data:`ACCURACY_TRANSFORMS`)."""
    if accuracy_transform is not None and accuracy_transform not in ACCURACY_TRANSFORMS:
        raise SurrogateError(
            f"unknown accuracy transform {accuracy_transform!r}; choose from: "
            f"{', '.join(ACCURACY_TRANSFORMS)} (or none)"
        )
    out = {m: LOSS_TRANSFORM for m in metrics if m.endswith("_loss")}
    if accuracy_transform is not None:
        out.update({m: accuracy_transform for m in metrics if m.endswith("accuracy")})
    return out


def forward_transform(values: Array, kind: str | None) -> Array:
    if kind == LOSS_TRANSFORM:
        return np.log1p(np.maximum(values, 0.0))
    if kind == LOGIT_TRANSFORM:
        p = np.clip(values, LOGIT_EPS, 1.0 - LOGIT_EPS)
        return np.log(p) - np.log1p(-p)
    return values


def _expit_inplace(b: Array) -> None:
    """``b = 1 / (1 + exp(-b))`` without a temporary (a batch sampler's blocks are large)."""
    np.clip(b, -700.0, 700.0, out=b)  # exp overflows above ~709
    np.negative(b, out=b)
    np.exp(b, out=b)
    b += 1.0
    np.reciprocal(b, out=b)


class SurrogateError(ValueError):
    """Bad input to a surrogate: wrong features, unknown options, a corrupt artifact."""


@dataclass(frozen=True)
class FeatureSpec:
    """How an architecture becomes a feature vector.

    encoding : the space's encoding (``space.encode(arch, encoding)``).
    extra_metrics : metric → number of leading epochs appended as features (x11 used the first
        three epochs of the NLP validation loss); values come from a stored table, or ``extra=``.
    n_extra : number of extra features (from ``extra_metrics`` or a caller-given array).
    """

    space: str
    encoding: str
    n_encoding: int
    extra_metrics: Mapping[str, int] = field(default_factory=dict)
    n_extra: int = 0

    @property
    def n_features(self) -> int:
        return self.n_encoding + self.n_extra

    def to_json(self) -> dict[str, Any]:
        return {
            "space": self.space,
            "encoding": self.encoding,
            "n_encoding": self.n_encoding,
            "extra_metrics": dict(self.extra_metrics),
            "n_extra": self.n_extra,
        }


def _resolve_space(space: SearchSpace | str) -> SearchSpace:
    return registry.create("space", space) if isinstance(space, str) else space


def encode(space: SearchSpace, archs: Sequence[Architecture], encoding: str) -> Array:
    """``space.encode_batch`` of one encoding, or several joined by ``+`` (concatenated)."""
    return np.hstack([space.encode_batch(list(archs), k) for k in encoding.split("+")])


def default_encoding(space: SearchSpace) -> str:
    return "adjacency_one_hot" if "adjacency_one_hot" in space.encodings else space.encodings[0]


def data_hash(cs: CurveSet) -> str:
    """SHA-256 of a curve set's content (arch strings, seeds, every metric, epoch times)."""
    h = hashlib.sha256()
    h.update("\n".join(cs.archs).encode())
    h.update(np.ascontiguousarray(cs.seeds, dtype=np.int64).tobytes())
    for m in sorted(cs.metrics):
        h.update(m.encode())
        h.update(np.ascontiguousarray(cs.metrics[m], dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(cs.epoch_time_s, dtype=np.float64).tobytes())
    return h.hexdigest()


@dataclass
class Grouped:
    """A curve set grouped by canonical architecture."""

    keys: list[str]  # canonical strings, one per architecture
    archs: list[Architecture]
    run_arch: NDArray[np.int64]  # (n_runs,) architecture index of each run
    counts: NDArray[np.int64]  # (n_archs,)


def group_runs(cs: CurveSet, space: SearchSpace | str) -> Grouped:
    space = _resolve_space(space)
    keys: dict[str, int] = {}
    archs: list[Architecture] = []
    run_arch = np.empty(cs.n_runs, dtype=np.int64)
    for i, text in enumerate(cs.archs):
        try:
            a = space.canonical(space.parse(text))
        except InvalidArchitectureError as exc:
            raise SurrogateError(f"run {i} of the curve set: {exc}") from exc
        k = space.format(a)
        if k not in keys:
            keys[k] = len(archs)
            archs.append(a)
        run_arch[i] = keys[k]
    return Grouped(list(keys), archs, run_arch, np.bincount(run_arch, minlength=len(archs)))


def arch_means(values: Array, g: Grouped) -> Array:
    out = np.zeros((len(g.archs),) + values.shape[1:])
    np.add.at(out, g.run_arch, values)
    return out / g.counts.reshape((-1,) + (1,) * (values.ndim - 1))


class SurrogateModel:
    """A fitted surrogate (use :func:`fit_surrogate`, :func:`load_surrogate`).

    Shapes: ``x`` features ``(n, n_features)``; joint standardised curves ``(n, n_metrics *
    max_epochs)``; per-metric curves ``(n, max_epochs)``.
    """

    def __init__(self, **state: Any) -> None:
        self.space: SearchSpace = state["space"]
        self.feature_spec: FeatureSpec = state["feature_spec"]
        self.metrics: tuple[str, ...] = tuple(state["metrics"])
        self.units: dict[str, str] = dict(state["units"])
        self.objective: str = state["objective"]
        self.max_epochs: int = int(state["max_epochs"])
        self.offset_: Array = state["offset"]
        self.scale_: Array = state["scale"]
        self.compression_: Any = state["compression"]
        self.mean_model_: BaggedEnsemble = state["mean_model"]
        self.noise_: Any = state["noise"]
        self.runtime_model_: BaggedEnsemble = state["runtime_model"]
        self.time_profile_: Array = state["time_profile"]
        self.extra_table_: dict[str, Array] = dict(state.get("extra_table", {}))
        self.info: dict[str, Any] = dict(state.get("info", {}))
        # Artifacts of format 1 have none of the three below and predict as they were fitted.
        self.transforms: dict[str, str] = dict(state.get("transforms", {}))
        #: (2, k) lowest and highest component score of the training architectures' curves
        self.component_range_: Array | None = state.get("component_range")
        #: (2, n_metrics * max_epochs) per-epoch lowest and highest value of the training runs
        self.metric_range_: Array | None = state.get("metric_range")

    # ----------------------------------------------------------------- features
    def features(self, archs: Sequence[Architecture], extra: Array | None = None) -> Array:
        """Feature matrix of ``archs``; raises :class:`SurrogateError` naming a bad one."""
        spec = self.feature_spec
        for a in archs:
            try:
                self.space.validate(a)
            except InvalidArchitectureError as exc:
                raise InvalidArchitectureError(
                    f"architecture {a!r} is not in the surrogate's space {spec.space!r}: {exc}"
                ) from None
        enc = encode(self.space, archs, spec.encoding) if archs else np.zeros((0, spec.n_encoding))
        if spec.n_extra == 0:
            if extra is not None and np.size(extra):
                raise SurrogateError("this surrogate takes no extra features, but extra= was given")
            return enc
        if extra is None:
            rows = []
            for a in archs:
                key = self.space.format(self.space.canonical(a))
                if key not in self.extra_table_:
                    raise SurrogateError(
                        f"architecture {key!r} needs {spec.n_extra} extra features "
                        f"({dict(spec.extra_metrics) or 'given at fit time'}) that are not stored "
                        "in the surrogate; pass them with extra= (shape (n_archs, "
                        f"{spec.n_extra}))"
                    )
                rows.append(self.extra_table_[key])
            extra = np.array(rows).reshape(len(archs), spec.n_extra)
        extra = np.asarray(extra, dtype=np.float64)
        if extra.shape != (len(archs), spec.n_extra):
            raise SurrogateError(
                f"extra features must have shape ({len(archs)}, {spec.n_extra}), got {extra.shape}"
            )
        return np.hstack([enc, extra])

    def check_features(self, x: Array) -> Array:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.feature_spec.n_features:
            raise SurrogateError(
                f"features must have shape (n, {self.feature_spec.n_features}) "
                f"({self.feature_spec.encoding!r} encoding of {self.feature_spec.space!r}"
                f"{' + extra' if self.feature_spec.n_extra else ''}), got {x.shape}"
            )
        if not np.isfinite(x).all():
            raise SurrogateError("features contain non-finite values")
        return x

    # --------------------------------------------------------------- prediction
    def predict_joint(self, x: Array) -> Array:
        """Noiseless standardised joint curves, shape ``(n, n_metrics * max_epochs)``."""
        x = self.check_features(x)
        c = self.mean_model_.predict(x)
        if self.component_range_ is not None:
            # Each component is regressed alone; a score beyond what any training curve had
            # decodes to a curve no training run resembles (the cause of predicted 100 %).
            c = np.clip(c, self.component_range_[0], self.component_range_[1])
        return self.compression_.decode(c)

    def predict_epoch_time(self, x: Array) -> Array:
        x = self.check_features(x)
        return np.exp(self.runtime_model_.predict(x)) * self.time_profile_

    def noise_sigma(self, x: Array) -> Array | None:
        return self.noise_.sigma(self.check_features(x))

    def to_metrics(self, z: Array, out: Array | None = None) -> dict[str, Array]:
        """Joint standardised curves → per-metric curves in their units, clipped to the metric's
        range (accuracies in [0, 1], losses >= 0) and to the per-epoch range of the training runs.

        With ``out`` (shaped like ``z``) the joint curves are written there and the metrics are
        views of it (a batch sampler fills one array chunk by chunk)."""
        e = self.max_epochs
        scale, loss_blocks, logit_blocks, bounds = self._metric_plan()
        y = np.multiply(z, scale, out=out)
        y += self.offset_
        for block in loss_blocks:
            b = y[..., block]
            np.minimum(b, 700.0, out=b)  # exp overflows above ~709
            np.expm1(b, out=b)
        for block in logit_blocks:
            _expit_inplace(y[..., block])
        if bounds is not None:
            np.clip(y, bounds[0], bounds[1], out=y)
        else:
            for i, m in enumerate(self.metrics):
                b = y[..., i * e : (i + 1) * e]
                if m.endswith("accuracy"):
                    np.clip(b, 0.0, 1.0, out=b)
                else:
                    np.maximum(b, 0.0, out=b)
                if self.metric_range_ is not None:
                    rng = self.metric_range_[:, i * e : (i + 1) * e]
                    np.clip(b, rng[0], rng[1], out=b)
        return {m: y[..., i * e : (i + 1) * e] for i, m in enumerate(self.metrics)}

    def _metric_plan(self) -> tuple[Array, list[slice], list[slice], Array | None]:
        """What :meth:`to_metrics` applies, prepared once: the per-column scale, the columns of
        log-transformed losses and of logit-transformed accuracies, and one (2, columns) clip that
        does the two clips of each metric in one pass.

        Clipping to [a0, a1] and then to [b0, b1] selects the same value as clipping once to
        [max(a0, b0), min(a1, b1)] when the intervals overlap (clips only choose among the value
        and the bounds). Without training ranges (format-1 artifacts), or if an interval pair
        does not overlap, the two clips are applied one after the other as before.
        """
        plan = self.__dict__.get("_metric_plan_")
        if plan is None:
            e = self.max_epochs
            scale = np.repeat(self.scale_, e)
            loss_blocks, logit_blocks = (
                [
                    slice(i * e, (i + 1) * e)
                    for i, m in enumerate(self.metrics)
                    if self.transforms.get(m) == kind
                ]
                for kind in (LOSS_TRANSFORM, LOGIT_TRANSFORM)
            )
            bounds = None
            if self.metric_range_ is not None:
                unit = np.array(
                    [(0.0, 1.0 if m.endswith("accuracy") else np.inf) for m in self.metrics]
                )
                first = unit.repeat(e, axis=0).T
                lo = np.maximum(first[0], self.metric_range_[0])
                hi = np.minimum(first[1], self.metric_range_[1])
                bounds = np.stack([lo, hi]) if bool(np.all(lo <= hi)) else None
            plan = (scale, loss_blocks, logit_blocks, bounds)
            self.__dict__["_metric_plan_"] = plan
        return plan

    def to_metrics_torch(self, z: Any) -> dict[str, Any]:
        import torch

        scale = torch.as_tensor(np.repeat(self.scale_, self.max_epochs), device=z.device)
        y = z * scale + torch.as_tensor(self.offset_, device=z.device)
        rng = (
            None
            if self.metric_range_ is None
            else torch.as_tensor(self.metric_range_, device=z.device, dtype=y.dtype)
        )
        out = {}
        e = self.max_epochs
        for i, m in enumerate(self.metrics):
            block = y[..., i * e : (i + 1) * e]
            if self.transforms.get(m) == LOSS_TRANSFORM:
                block = torch.expm1(block.clamp(max=700.0))
            elif self.transforms.get(m) == LOGIT_TRANSFORM:
                block = torch.sigmoid(block)
            block = block.clamp(0.0, 1.0) if m.endswith("accuracy") else block.clamp(min=0.0)
            if rng is not None:
                block = torch.clamp(block, rng[0, i * e : (i + 1) * e], rng[1, i * e : (i + 1) * e])
            out[m] = block
        return out

    def predict_mean(self, x: Array) -> dict[str, Array]:
        """Noiseless curves of every metric, ``{metric: (n, max_epochs)}``, plus ``epoch_time_s``."""
        out = self.to_metrics(self.predict_joint(x))
        out["epoch_time_s"] = self.predict_epoch_time(x)
        return out

    def sample(self, x: Array, run_seeds: Sequence[int] | NDArray[Any]) -> dict[str, Array]:
        """Noisy curves: run ``i`` gets the noise keyed by ``run_seeds[i]``."""
        from nas_sim.benchmarks.surrogate.counter_rng import as_seed_array

        x = self.check_features(x)
        seeds = as_seed_array(run_seeds)
        if len(seeds) != len(x):
            raise SurrogateError(f"{len(x)} feature rows but {len(seeds)} run seeds")
        z = self.predict_joint(x) + self.noise_.sample_np(seeds, self.noise_.sigma(x))
        out = self.to_metrics(z)
        out["epoch_time_s"] = self.predict_epoch_time(x)
        return out

    # ---------------------------------------------------------------- artifacts
    def save(self, directory: Any) -> Any:
        from nas_sim.benchmarks.surrogate.artifact import save_model

        return save_model(self, directory)

    def describe(self) -> dict[str, Any]:
        return {
            "space": self.feature_spec.space,
            "max_epochs": self.max_epochs,
            "metrics": list(self.metrics),
            "objective": self.objective,
            "feature_spec": self.feature_spec.to_json(),
            "compression": {
                "kind": self.compression_.kind,
                "n_components": int(self.compression_.n_components),
            },
            "mean_model": {"kind": self.mean_model_.kind, "n_members": self.mean_model_.n_members},
            "transforms": dict(self.transforms),
            "clipped_to_training_range": self.metric_range_ is not None,
            "noise": {"kind": self.noise_.kind},
            **self.info,
        }


def _seed_residuals(z_runs: Array, g: Grouped) -> tuple[Array, NDArray[np.int64]]:
    """Deviations of runs from their architecture's mean, for architectures with >= 2 runs,
    scaled by sqrt(n/(n-1)) so their variance estimates one run's variance."""
    means = arch_means(z_runs, g)
    multi = g.counts[g.run_arch] >= 2
    n = g.counts[g.run_arch][multi].astype(np.float64)
    r = (z_runs[multi] - means[g.run_arch[multi]]) * np.sqrt(n / (n - 1))[:, None]
    return r, g.run_arch[multi]


def fit_surrogate(
    curve_set: CurveSet,
    space: SearchSpace | str | None = None,
    *,
    compression: str = "svd",
    model: str = "lgb",
    noise: str = "window",
    n_components: int | None = None,
    extra_features: Mapping[str, int] | Array | None = None,
    seed: int = 0,
    metrics: Sequence[str] | None = None,
    encoding: str | None = None,
    n_members: int = 1,
    model_params: Mapping[str, Any] | None = None,
    compression_params: Mapping[str, Any] | None = None,
    max_components: int = 20,
    holdout_fraction: float = 0.2,
    accuracy_transform: str | None = None,
) -> SurrogateModel:
    """Fit a surrogate to a learning-curve set.

    Parameters
    ----------
    curve_set : the training runs (several seeds per architecture improve the noise model).
    space : the search space (instance or registered name); default: the set's space.
    compression : ``"svd"`` or ``"vae"``.
    model : mean model, ``"lgb"`` or ``"mlp"``; ``n_members > 1`` bags an ensemble.
    noise : a key of :data:`~nas_sim.benchmarks.surrogate.noise.NOISE_MODELS` (``"std"``,
        ``"gkde"``, ``"window"``, …).
    n_components : components of the compression; default chosen by held-out reconstruction
        error (:func:`~nas_sim.benchmarks.surrogate.compression.choose_svd_components`).
    extra_features : ``{metric: n_epochs}`` (leading epochs of the architecture's mean curve as
        features, x11's NLP recipe) or an array ``(n_runs, n_extra)`` aligned with the set's runs.
    metrics : metrics to model (default: all of the set's).
    encoding : the space's encoding, or several joined by ``+`` (default ``adjacency_one_hot``).
    model_params, compression_params : keyword arguments of the mean model / compression
        (e.g. ``{"n_estimators": 300}``, ``{"epochs": 100}`` for the VAE).
    holdout_fraction : before the final fit on every run, the same fit on all but this fraction
        of architectures predicts the rest; its final-epoch errors (MAE and the worst
        over-prediction per metric) are stored in ``info["heldout"]`` so every artifact says how
        far its predictions can be trusted. ``0`` skips the check.
    accuracy_transform : ``"logit"`` models accuracies on the logit scale (see
        :data:`ACCURACY_TRANSFORMS`); default: as they are. The artifact records it.
    """
    if compression not in COMPRESSIONS:
        raise SurrogateError(
            f"unknown compression {compression!r}; choose from: {', '.join(COMPRESSIONS)}"
        )
    if noise not in NOISE_MODELS:
        raise SurrogateError(
            f"unknown noise model {noise!r}; choose from: {', '.join(NOISE_MODELS)}"
        )
    if model not in ("lgb", "mlp"):
        raise SurrogateError(f"unknown mean model {model!r}; choose from: lgb, mlp")
    curve_set.validate("training set")
    sp = _resolve_space(space if space is not None else curve_set.space)
    if sp.name and curve_set.space != sp.name:
        raise SurrogateError(f"curve set is from space {curve_set.space!r}, not {sp.name!r}")
    enc_kind = encoding or default_encoding(sp)
    for kind in enc_kind.split("+"):
        sp.check_encoding(kind)
    mets = tuple(m for m in METRICS if m in (metrics or curve_set.metrics))
    unknown = set(metrics or ()) - set(curve_set.metrics)
    if unknown:
        raise SurrogateError(
            f"metrics {sorted(unknown)} are not in the set ({', '.join(curve_set.metrics)})"
        )
    rng = np.random.default_rng(seed)
    g = group_runs(curve_set, sp)
    e = curve_set.max_epochs
    transforms = metric_transforms(mets, accuracy_transform)
    offset, scale, z_runs, z_arch = _standardise(curve_set, mets, g, transforms)
    x, spec, extra_arch = _features(curve_set, sp, g, enc_kind, extra_features)
    multi = np.flatnonzero(g.counts >= 2)
    k_errors: list[float] = []
    if n_components is None:
        log.info("choosing SVD components on held-out curves (up to %d)", max_components)
        n_components, k_errors = _choose_components(z_runs, z_arch, g, rng, max_components)
    n_components = int(n_components)
    log.info(
        "fitting %s+%s+%s (k=%d) on %d runs of %d architectures",
        compression,
        model,
        noise,
        n_components,
        curve_set.n_runs,
        len(g.archs),
    )
    comp = COMPRESSIONS[compression](n_components, **dict(compression_params or {})).fit(
        z_arch, rng
    )
    targets = comp.encode(z_arch)
    component_range = np.stack([targets.min(axis=0), targets.max(axis=0)])
    y_runs = np.hstack([curve_set.metrics[m] for m in mets])
    metric_range = np.stack([y_runs.min(axis=0), y_runs.max(axis=0)])
    mean_model = BaggedEnsemble(model, n_members, **dict(model_params or {})).fit(x, targets, rng)
    r, res_arch, residual_kind = _noise_residuals(z_runs, g, comp)
    noise_model = NOISE_MODELS[noise]().fit(r, x[res_arch], len(mets), rng)
    runtime, profile = _runtime_model(curve_set, g, x, rng)

    heldout = None
    if holdout_fraction > 0 and len(g.archs) >= 20:
        tick(0, None, "held-out check")
        log.info(
            "held-out check: the same fit on %.0f %% fewer architectures", 100 * holdout_fraction
        )
        heldout = _heldout_check(
            curve_set,
            sp,
            g,
            holdout_fraction,
            seed,
            dict(
                compression=compression,
                model=model,
                noise=noise,
                n_components=n_components,
                extra_features=extra_features,
                metrics=mets,
                encoding=enc_kind,
                n_members=n_members,
                model_params=model_params,
                compression_params=compression_params,
                accuracy_transform=accuracy_transform,
            ),
        )
    extra_table = {k: extra_arch[i] for i, k in enumerate(g.keys)} if spec.n_extra else {}
    info = {
        "training": {
            "runs": curve_set.n_runs,
            "architectures": len(g.archs),
            "multi_seed_architectures": int(len(multi)),
            "residuals": residual_kind,
            "n_residual_vectors": int(len(r)),
            "seed": int(seed),
            "k_selection_mse": k_errors,
        },
        "provenance": dict(curve_set.provenance),
    }
    if heldout is not None:
        info["heldout"] = heldout
    return SurrogateModel(
        space=sp,
        feature_spec=spec,
        metrics=mets,
        units={m: curve_set.units.get(m, "") for m in mets},
        objective=curve_set.objective,
        max_epochs=e,
        offset=offset,
        scale=scale,
        compression=comp,
        mean_model=mean_model,
        noise=noise_model,
        runtime_model=runtime,
        time_profile=profile,
        extra_table=extra_table,
        info={**info, "data_sha256": data_hash(curve_set)},
        transforms=transforms,
        component_range=component_range,
        metric_range=metric_range,
    )


def _heldout_check(
    curve_set: CurveSet,
    sp: SearchSpace,
    g: Grouped,
    fraction: float,
    seed: int,
    fit_kwargs: dict[str, Any],
) -> dict[str, Any]:
    """Fit on all but ``fraction`` of the architectures and score the rest (final epoch)."""
    from nas_sim.benchmarks.surrogate.evaluate import final_errors, subset

    if not 0 < fraction < 1:
        raise SurrogateError(f"holdout_fraction must be in [0, 1), got {fraction}")
    # its own stream, so the held-out split leaves the main fit's draws unchanged
    rng = np.random.default_rng([seed, 1])
    n_held = max(1, round(fraction * len(g.archs)))
    held = np.zeros(len(g.archs), bool)
    held[rng.choice(len(g.archs), n_held, replace=False)] = True
    test_runs = held[g.run_arch]
    extra = fit_kwargs.pop("extra_features")
    given = extra is not None and not isinstance(extra, Mapping)  # an array aligned with runs
    part = fit_surrogate(
        subset(curve_set, ~test_runs),
        sp,
        seed=seed,
        holdout_fraction=0.0,
        extra_features=np.asarray(extra)[~test_runs] if given else extra,
        **fit_kwargs,
    )
    test_extra = np.asarray(extra, dtype=np.float64)[test_runs] if given else None
    errors = final_errors(part, subset(curve_set, test_runs), extra=test_extra)
    return {"fraction": float(fraction), "n_architectures": int(n_held), "metrics": errors}


def _standardise(
    curve_set: CurveSet, mets: tuple[str, ...], g: Any, transforms: Mapping[str, str]
) -> tuple[Array, Array, Array, Array]:
    """The joint standardised space: every metric's (transformed) curves minus the mean
    architecture curve, over that metric's spread. Returns (offset, scale per metric, z_runs,
    z_arch)."""
    e = curve_set.max_epochs
    y_runs = np.hstack([forward_transform(curve_set.metrics[m], transforms.get(m)) for m in mets])
    y_arch = arch_means(y_runs, g)
    offset = y_arch.mean(axis=0)
    scale = np.array(
        [
            max(float(np.std(y_arch[:, i * e : (i + 1) * e] - offset[i * e : (i + 1) * e])), 1e-8)
            for i in range(len(mets))
        ]
    )
    rep = np.repeat(scale, e)
    return offset, scale, (y_runs - offset) / rep, (y_arch - offset) / rep


def _features(
    curve_set: CurveSet,
    sp: SearchSpace,
    g: Any,
    enc_kind: str,
    extra_features: Mapping[str, int] | Array | None,
) -> tuple[Array, FeatureSpec, Array]:
    """Per-architecture features: the space's encoding, then any extra features. Returns
    (x, its FeatureSpec, the extra columns)."""
    e = curve_set.max_epochs
    x_enc = encode(sp, g.archs, enc_kind)
    extra_metrics: dict[str, int] = {}
    extra_arch = np.zeros((len(g.archs), 0))
    if isinstance(extra_features, Mapping):
        cols = []
        for m, k in extra_features.items():
            if m not in curve_set.metrics or not 1 <= int(k) <= e:
                raise SurrogateError(
                    f"extra feature {m!r}: {k} epochs is not a metric/epoch count of the set"
                )
            cols.append(arch_means(curve_set.metrics[m][:, : int(k)], g))
            extra_metrics[m] = int(k)
        extra_arch = np.hstack(cols) if cols else extra_arch
    elif extra_features is not None:
        arr = np.asarray(extra_features, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[0] != curve_set.n_runs:
            raise SurrogateError(
                f"extra_features array must have shape ({curve_set.n_runs}, n_extra), got {arr.shape}"
            )
        extra_arch = arch_means(arr, g)
    x = np.hstack([x_enc, extra_arch])
    spec = FeatureSpec(sp.name, enc_kind, x_enc.shape[1], extra_metrics, extra_arch.shape[1])
    return x, spec, extra_arch


def _choose_components(
    z_runs: Array, z_arch: Array, g: Any, rng: np.random.Generator, max_components: int
) -> tuple[int, list[float]]:
    """Components by held-out reconstruction error: held-out architectures with several seeds
    where there are >= 5, else a random fifth. Returns (k, the error of each candidate k)."""
    multi = np.flatnonzero(g.counts >= 2)
    if len(multi) >= 5:
        held = np.zeros(len(g.archs), bool)
        held[rng.choice(multi, max(5, len(multi) // 2), replace=False)] = True
        test_runs = held[g.run_arch]
        k, errs = choose_svd_components(
            z_arch[~held], z_runs[test_runs], z_arch[g.run_arch[test_runs]], max_components
        )
    else:
        perm = rng.permutation(len(g.archs))
        cut = max(1, len(perm) // 5)
        zt = z_arch[perm[:cut]]
        k, errs = choose_svd_components(z_arch[perm[cut:]], zt, zt, max_components)
    return k, errs.tolist()


def _noise_residuals(z_runs: Array, g: Any, comp: Any) -> tuple[Array, NDArray[Any], str]:
    """What the noise model learns: seed-to-seed residuals where >= 5 architectures have several
    seeds, else x11's truncation residuals. Returns (residuals, their architectures, kind)."""
    r, res_arch = _seed_residuals(z_runs, g)
    if len(np.unique(res_arch)) >= 5:
        return r, res_arch, "seed"
    return z_runs - comp.decode(comp.encode(z_runs)), g.run_arch, "truncation"


def _runtime_model(
    curve_set: CurveSet, g: Any, x: Array, rng: np.random.Generator
) -> tuple[BaggedEnsemble, Array]:
    """Log mean epoch time per architecture (a LightGBM model) × a shared per-epoch profile."""
    t_runs = curve_set.epoch_time_s
    t_mean = t_runs.mean(axis=1)
    profile = (t_runs / t_mean[:, None]).mean(axis=0)
    log_t = arch_means(np.log(t_mean)[:, None], g)
    runtime = BaggedEnsemble("lgb", 1, n_estimators=150, num_leaves=7).fit(x, log_t, rng)
    return runtime, profile


__all__ = ["SVDCompression", "SurrogateModel", "fit_surrogate", "SurrogateError", "FeatureSpec"]

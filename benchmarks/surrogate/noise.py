"""Noise models: the spread of training runs around an architecture's mean curve.

All three work on residual vectors in the surrogate's standardised joint space (every metric's
curve, one block of ``max_epochs`` values per metric, see :mod:`nas_sim.benchmarks.surrogate.model`)
and draw their randomness from :mod:`nas_sim.benchmarks.surrogate.counter_rng`, keyed by the run seed,
so a run's noise is the same alone, batched, on CPU and on CUDA.

Residuals are, where the training set has several seeds of an architecture, the deviations of
each run from its architecture's mean curve, scaled by ``sqrt(n/(n-1))`` so they estimate the
spread of one run around the true mean. Without multi-seed data they fall back to NAS-Bench-x11's
SVD truncation residuals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from nas_sim.benchmarks.surrogate.counter_rng import (
    normals_np,
    normals_torch,
    uniforms_and_normals_np,
    uniforms_torch,
)
from nas_sim.benchmarks.surrogate.mean_model import BaggedEnsemble

Array = NDArray[np.float64]
State = tuple[dict[str, Any], dict[str, Array], dict[str, str]]

_STREAM_INDEX, _STREAM_Z = 0, 1


def _metric_cholesky(r: Array, sigma: Array, n_metrics: int) -> Array:
    """Cholesky factor of the metrics' residual correlation (pooled over epochs), so that e.g.
    a run's validation accuracy and loss move together."""
    z = (r / np.where(sigma > 0, sigma, 1.0)).reshape(len(r), n_metrics, -1)
    flat = z.transpose(1, 0, 2).reshape(n_metrics, -1)
    c = np.corrcoef(flat) if n_metrics > 1 else np.ones((1, 1))
    c = np.nan_to_num(np.atleast_2d(c), nan=0.0)
    np.fill_diagonal(c, 1.0)
    w, v = np.linalg.eigh(c)
    c = (v * np.clip(w, 1e-6, None)) @ v.T
    d = np.sqrt(np.diag(c))
    return np.linalg.cholesky(c / np.outer(d, d))


class _Independent:
    """Shared sampling of per-epoch Gaussian noise, correlated across metrics."""

    n_metrics: int
    chol_: Array

    def _z_np(self, seeds: Array, dim: int) -> Array:
        z = normals_np(seeds, _STREAM_Z, dim).reshape(len(seeds), self.n_metrics, -1)
        return np.einsum("ij,nje->nie", self.chol_, z).reshape(len(seeds), dim)

    def _z_torch(self, seeds: Any, dim: int) -> Any:
        import torch

        z = normals_torch(seeds, _STREAM_Z, dim).reshape(len(seeds), self.n_metrics, -1)
        chol = torch.as_tensor(self.chol_, device=z.device)
        return torch.einsum("ij,nje->nie", chol, z).reshape(len(seeds), dim)


class StdNoise(_Independent):
    """Independent Gaussian noise per epoch with a per-epoch standard deviation shared by all
    architectures (the simplest model of Yan et al., NAS-Bench-x11, NeurIPS 2021, Table 5.3)."""

    kind = "std"

    def fit(self, r: Array, x_res: Array, n_metrics: int, rng: np.random.Generator) -> StdNoise:
        self.n_metrics = n_metrics
        self.sigma_ = np.sqrt(np.mean(r**2, axis=0))
        self.chol_ = _metric_cholesky(r, self.sigma_, n_metrics)
        return self

    def sigma(self, x: Array) -> Array:
        return np.broadcast_to(self.sigma_, (len(x), len(self.sigma_)))

    def sample_np(self, seeds: Array, sigma: Array) -> Array:
        return sigma * self._z_np(seeds, sigma.shape[1])

    def sample_torch(self, seeds: Any, sigma: Any) -> Any:
        return sigma * self._z_torch(seeds, sigma.shape[1])

    def export(self) -> State:
        return (
            {"kind": self.kind, "n_metrics": self.n_metrics},
            {"sigma": self.sigma_, "chol": self.chol_},
            {},
        )

    @classmethod
    def restore(
        cls, meta: dict[str, Any], arrays: dict[str, Array], texts: dict[str, str]
    ) -> StdNoise:
        obj = cls()
        obj.n_metrics, obj.sigma_, obj.chol_ = meta["n_metrics"], arrays["sigma"], arrays["chol"]
        return obj


class SlidingWindowNoise(_Independent):
    """Per-architecture noise scale: NAS-Bench-x11's sliding-window model (``update`` branch).

    For each residual curve the local noise scale at epoch ``e`` is the root mean square of the
    residuals in a centred window of ``window`` epochs (truncated at the ends). Differences from
    x11: we use the RMS rather than the standard deviation inside the window (with seed
    residuals a run that sits above its mean for many epochs *is* noise, and a window std would
    not see it); the log-scales are PCA-compressed and regressed from the architecture features,
    not from the curve components (x11 trained on raw and queried with standardised components).
    """

    kind = "window"

    def __init__(self, window: int = 9, n_components: int = 3) -> None:
        self.window, self.n_components = int(window), int(n_components)

    def fit(
        self, r: Array, x_res: Array, n_metrics: int, rng: np.random.Generator
    ) -> SlidingWindowNoise:
        self.n_metrics = n_metrics
        n, d = r.shape
        e = d // n_metrics
        sq = (r**2).reshape(n, n_metrics, e)
        c = np.concatenate([np.zeros((n, n_metrics, 1)), np.cumsum(sq, axis=2)], axis=2)
        lo = np.clip(np.arange(e) - self.window // 2, 0, e)
        hi = np.clip(np.arange(e) + self.window // 2 + 1, 0, e)
        rms = np.sqrt((c[:, :, hi] - c[:, :, lo]) / (hi - lo)).reshape(n, d)
        # pool the runs of one architecture (rows of x_res that are equal)
        _, inv = np.unique(x_res, axis=0, return_inverse=True)
        inv = inv.ravel()
        n_a = inv.max() + 1
        ms = np.zeros((n_a, d))
        np.add.at(ms, inv, rms**2)
        ms /= np.bincount(inv, minlength=n_a)[:, None]
        xa = np.zeros((n_a, x_res.shape[1]))
        xa[inv] = x_res
        # Architectures whose seeds agree exactly (a cell stuck at chance) would teach the model
        # scales near zero; a floor at a tenth of the pooled scale keeps draws from collapsing.
        floor = (0.1 * np.sqrt(np.mean(r**2, axis=0))) ** 2
        log_s = 0.5 * np.log(np.maximum(ms, np.maximum(floor, 1e-12)))
        self.log_mean_ = log_s.mean(axis=0)
        _, _, vt = np.linalg.svd(log_s - self.log_mean_, full_matrices=False)
        self.basis_ = vt[: min(self.n_components, len(vt))]
        comps = (log_s - self.log_mean_) @ self.basis_.T
        self.regressor_ = BaggedEnsemble(
            "lgb", 1, n_estimators=100, num_leaves=7, min_data_in_leaf=3
        ).fit(xa, comps, rng)
        sig = self.sigma(xa)
        self.chol_ = _metric_cholesky(r, sig[inv], n_metrics)
        return self

    def sigma(self, x: Array) -> Array:
        log_s = self.regressor_.predict(x) @ self.basis_ + self.log_mean_
        return np.exp(np.clip(log_s, -30, 5))

    sample_np = StdNoise.sample_np
    sample_torch = StdNoise.sample_torch

    def export(self) -> State:
        rm, ra, rt = self.regressor_.export()
        meta = {
            "kind": self.kind,
            "n_metrics": self.n_metrics,
            "window": self.window,
            "n_components": self.n_components,
            "regressor": rm,
        }
        arrays = {
            "log_mean": self.log_mean_,
            "basis": self.basis_,
            "chol": self.chol_,
            **{f"reg_{k}": v for k, v in ra.items()},
        }
        return meta, arrays, {f"reg_{k}": v for k, v in rt.items()}

    @classmethod
    def restore(
        cls, meta: dict[str, Any], arrays: dict[str, Array], texts: dict[str, str]
    ) -> SlidingWindowNoise:
        obj = cls(meta["window"], meta["n_components"])
        obj.n_metrics = meta["n_metrics"]
        obj.log_mean_, obj.basis_, obj.chol_ = arrays["log_mean"], arrays["basis"], arrays["chol"]
        obj.regressor_ = BaggedEnsemble.restore(
            meta["regressor"],
            {k[4:]: v for k, v in arrays.items() if k.startswith("reg_")},
            {k[4:]: v for k, v in texts.items() if k.startswith("reg_")},
        )
        return obj


class GaussianKDENoise:
    """A Gaussian kernel density over whole residual vectors (NAS-Bench-x11 v0.5's ``gkde``).

    A draw is a stored residual vector plus a kernel perturbation, so the epoch-to-epoch and
    metric-to-metric correlations of real runs are kept. Differences from x11 (which drew from
    ``scipy.stats.gaussian_kde``, clipped to [-3, 3] and added half of it): in hundreds of
    dimensions Scott's bandwidth is ~1, which doubles the variance, so we use Liu & West's (2001)
    shrinkage, ``r = m + a (r_i - m) + h L z`` with ``a = sqrt(1 - h²)``, which keeps the mixture's
    mean and covariance equal to the residuals'; the kernel covariance is kept to its leading
    ``max_rank`` principal directions so a draw needs few normals.
    """

    kind = "gkde"

    def __init__(self, max_rank: int = 32, max_residuals: int = 2000) -> None:
        self.max_rank, self.max_residuals = int(max_rank), int(max_residuals)

    def fit(
        self, r: Array, x_res: Array, n_metrics: int, rng: np.random.Generator
    ) -> GaussianKDENoise:
        if len(r) > self.max_residuals:  # a sample of residuals keeps the artifact small
            r = r[np.sort(rng.choice(len(r), self.max_residuals, replace=False))]
        self.mean_ = r.mean(axis=0)
        c = r - self.mean_
        _, s, vt = np.linalg.svd(c, full_matrices=False)
        var = s**2 / max(len(r) - 1, 1)
        q = int(
            min(
                self.max_rank,
                int(np.searchsorted(np.cumsum(var) / max(var.sum(), 1e-300), 0.999)) + 1,
            )
        )
        d_eff = max(q, 1)
        h = float(len(r) ** (-1.0 / (d_eff + 4)))  # Scott's factor in the effective dimension
        self.h_ = min(h, 0.9)
        self.chol_ = vt[:q].T * np.sqrt(var[:q])  # (D, q): L Lᵀ = leading covariance
        self.residuals_ = r
        return self

    def sigma(self, x: Array) -> None:
        return None

    def sample_np(self, seeds: Array, sigma: Any = None) -> Array:
        u, z = uniforms_and_normals_np(seeds, _STREAM_INDEX, 1, _STREAM_Z, self.chol_.shape[1])
        idx = np.minimum(
            (u[:, 0] * len(self.residuals_)).astype(np.int64), len(self.residuals_) - 1
        )
        a = np.sqrt(1.0 - self.h_**2)
        # (the same operations as mean + a (r - mean) + h (z Lᵀ), in place)
        out = self.residuals_[idx]
        out -= self.mean_
        out *= a
        out += self.mean_
        out += self.h_ * _rowwise_matmul(z, self.chol_.T)
        return out

    def sample_torch(self, seeds: Any, sigma: Any = None) -> Any:
        import torch

        dev = seeds.device
        res = torch.as_tensor(self.residuals_, device=dev)
        mean = torch.as_tensor(self.mean_, device=dev)
        u = uniforms_torch(seeds, _STREAM_INDEX, 1)[:, 0]
        idx = torch.clamp((u * len(self.residuals_)).to(torch.int64), max=len(self.residuals_) - 1)
        z = normals_torch(seeds, _STREAM_Z, self.chol_.shape[1])
        a = float(np.sqrt(1.0 - self.h_**2))
        return (
            mean + a * (res[idx] - mean) + self.h_ * (z @ torch.as_tensor(self.chol_, device=dev).T)
        )

    def export(self) -> State:
        return (
            {"kind": self.kind, "h": self.h_, "max_rank": self.max_rank},
            {"mean": self.mean_, "chol": self.chol_, "residuals": self.residuals_},
            {},
        )

    @classmethod
    def restore(
        cls, meta: dict[str, Any], arrays: dict[str, Array], texts: dict[str, str]
    ) -> GaussianKDENoise:
        obj = cls(meta["max_rank"])
        obj.h_ = float(meta["h"])
        obj.mean_, obj.chol_, obj.residuals_ = arrays["mean"], arrays["chol"], arrays["residuals"]
        return obj


def _rowwise_matmul(z: Array, kernel: Array) -> Array:
    """``z @ kernel`` one row at a time: BLAS sums a batch's dot products in another order than
    a single row's (1 ulp apart), and a run's noise must not depend on what it was batched with.
    Each row here is the very product a curve asked for alone computes."""
    if len(z) == 1:
        return z @ kernel  # type: ignore[no-any-return]
    out = np.empty((len(z), kernel.shape[1]))
    for i in range(len(z)):
        out[i] = z[i : i + 1] @ kernel
    return out


NOISE_MODELS: dict[str, Any] = {
    "std": StdNoise,
    "gkde": GaussianKDENoise,
    "window": SlidingWindowNoise,
}

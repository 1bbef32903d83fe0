"""WPM: the weighted probabilistic learning-curve model of Domhan et al. (2015), sampled with MCMC."""

from __future__ import annotations

import functools
from contextlib import nullcontext
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nas_sim.lce.curve_families import (
    FAMILY_NAMES,
    CurveFamily,
    array_module,
    family,
    fit_families,
    from_unit_scale,
    to_unit_scale,
)
from nas_sim.lce.fused_families import (
    FusedLayout,
    basis,
    constraint_matrix,
    fuse,
    fused_curves,
)
from nas_sim.lce.method import LCEMethod, Prediction, check_partial_curves, to_generator
from nas_sim.lce.stretch_move import check_backend, run_stretch
from nas_sim.optimizer import check_positive_int
from nas_sim.torch_threads import single_torch_thread

Array = NDArray[np.float64]
SAMPLERS = ("batched", "emcee")
#: walkers per log-posterior call (curves × half the ensemble) up to which the numpy sampler
#: evaluates the families fused (:mod:`lce.fused_families`): there numpy's per-operation overhead
#: dominates and the fused form's ~40 operations beat ~110 (one curve of Domhan's 100 walkers:
#: ~1.5× faster per call, 1.15× at 4 curves); above it the fused form's 11× larger temporaries
#: fall out of cache, its small matrix products start OpenBLAS threads, and the family-by-family
#: form is faster (fused 2× slower at 8 curves even with one BLAS thread)
FUSED_MAX_WALKERS = 200


class WPM(LCEMethod):
    """Weighted probabilistic model (Domhan, Springenberg & Hutter, "Speeding up Automatic
    Hyperparameter Optimization of Deep Neural Networks by Extrapolation of Learning Curves",
    IJCAI 2015).

    The curve is modelled as ``y_e = sum_k w_k f_k(e; theta_k) + N(0, sigma²)`` over the 11
    families of :mod:`lce.curve_families`, with Domhan's priors: weights ``w_k >= 0`` (sampled
    unnormalised in [0, 1], normalised in the sum), every family increasing (exact sign
    constraints) and with a value at the target epoch in [0, 1] on the unit scale (accuracies as
    they are; losses via :func:`~nas_sim.lce.curve_families.to_unit_scale`), ``sigma`` uniform in
    [``sigma_min``, 1]. The posterior is sampled by an affine-invariant ensemble (stretch move), with
    Domhan's settings by default: 100 walkers, 2,500 steps of which the first 500 are burn-in
    (inside the LCE wrapper, :attr:`wrapper_defaults` apply unless given).
    Walkers start in a small ball around per-family least-squares fits (batched Levenberg–Marquardt
    from Domhan's default start and a data-adapted start); like Domhan, a family whose fit fails or
    violates the prior is left out of that curve's combination.

    The prediction is the posterior predictive at the target epoch: one draw per kept state (every
    ``thin``-th step after burn-in, of every walker), ``f(target) + sigma * eps`` when
    ``predictive_noise`` (the truth is a noisy observation too), else ``f(target)``.

    sampler : ``"batched"`` (default) runs one stretch-move ensemble per curve, all curves in one
        vectorized loop (:mod:`lce.stretch_move`); ``"emcee"`` runs ``emcee.EnsembleSampler`` with
        ``vectorize=True`` curve by curve (reference implementation, slower). With numpy, a batch
        of at most :data:`FUSED_MAX_WALKERS` walkers per call (up to 4 curves of 100 walkers; the
        LCE wrapper predicts one) and the emcee sampler evaluate all families in one pass
        (:func:`log_posterior`, :mod:`lce.fused_families`), larger batches and torch family by
        family (:func:`log_posterior_by_family`). The two are the same function to rounding, so
        the posterior is the same, but a chain through one is not bit-for-bit a chain through the
        other.
    batch_size : curves sampled together; 32–64 keeps the working set in cache.
    n_jobs : threads sampling different batches at once (each batch has its own child generator,
        so results do not depend on ``n_jobs``).
    dtype : float type of the sampler's arithmetic. ``"float32"`` (default) is ~1.5× faster; the
        curves live in [0, 1] and residuals are >= ``sigma_min`` = 1e-4, far above float32's
        resolution (``bench/bench_lce_wpm.py`` compares it with ``"float64"``).

    backend : ``"numpy"`` (default) or ``"torch"``: the batched sampler's half-steps as one
        ``torch.compile``d CPU kernel each (:mod:`lce.stretch_move`), run on one thread per batch.
        With Domhan's settings it is ~2.5× faster per curve than numpy and reaches ~15 curves/s in
        one batch of 64 (``bench/bench_lce_wpm.py``), but the first call in a process compiles
        (~28 s with a cold cache on 2 shared cores; 5–10 s once torch's on-disk inductor cache
        has the kernel, which it keeps across processes, so the build is paid about once per
        machine; a new batch size compiles again: ~30 s for a first batch of 64 after one of 4;
        docs/measurements.md), so it pays off for long or many predictions, not for a few cheap
        ones.
        Both backends sample the same posterior; their draws differ.

    Fallback: a curve where no family can be fitted (e.g. accuracies that only fall) gets the last
    observed value with a normal predictive whose std is the curve's recent epoch-to-epoch
    variability grown as a random walk to the target; :attr:`Prediction.fallback` marks it.
    """

    name = "wpm"
    min_epochs = 3
    #: Inside the LCE wrapper: a short chain in the spirit of x11, whose LCE ran a 10-step
    #: Metropolis chain per candidate. On the embedded MNIST-1D curves (E_few = 10, target 50,
    #: one curve per call as the wrapper predicts) it is ~35x faster than Domhan's settings at the
    #: same accuracy (MAE 0.235 vs 0.257, 0.057 vs 1.96 s per curve; docs/lce.md).
    wrapper_defaults = {
        "n_walkers": 10,
        "n_steps": 30,
        "burn_in": 10,
        "thin": 2,
        "lm_iterations": 10,
    }

    def __init__(
        self,
        n_walkers: int = 100,
        n_steps: int = 2500,
        burn_in: int = 500,
        thin: int = 20,
        init_ball: float = 1e-4,
        predictive_noise: bool = True,
        sigma_min: float = 1e-4,
        sampler: str = "batched",
        batch_size: int = 64,
        dtype: str = "float32",
        lm_iterations: int = 40,
        families: tuple[str, ...] | list[str] | None = None,
        n_jobs: int = 1,
        backend: str = "numpy",
        random_state: int = 0,
    ) -> None:
        self.n_walkers = check_positive_int("n_walkers", n_walkers, minimum=4)
        if self.n_walkers % 2:
            raise ValueError(f"n_walkers must be even (red/blue halves), got {n_walkers}")
        self.n_steps = check_positive_int("n_steps", n_steps)
        self.burn_in = check_positive_int("burn_in", burn_in, minimum=0)
        if self.burn_in >= self.n_steps:
            raise ValueError(f"burn_in ({burn_in}) must be < n_steps ({n_steps})")
        self.thin = check_positive_int("thin", thin)
        if not (isinstance(init_ball, (int, float)) and 0 < init_ball < 1):
            raise ValueError(f"init_ball must be in (0, 1), got {init_ball!r}")
        self.init_ball = float(init_ball)
        self.predictive_noise = bool(predictive_noise)
        if not (isinstance(sigma_min, (int, float)) and 0 < sigma_min < 1):
            raise ValueError(f"sigma_min must be in (0, 1), got {sigma_min!r}")
        self.sigma_min = float(sigma_min)
        if sampler not in SAMPLERS:
            raise ValueError(f"unknown sampler {sampler!r}; choose from: {', '.join(SAMPLERS)}")
        self.sampler = sampler
        self.batch_size = check_positive_int("batch_size", batch_size)
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        self.dtype = dtype
        self.lm_iterations = check_positive_int("lm_iterations", lm_iterations)
        self.families = None if families is None else list(families)
        names = FAMILY_NAMES if families is None else tuple(families)
        self.families_: tuple[CurveFamily, ...] = tuple(family(n) for n in names)
        if not self.families_:
            raise ValueError("families must name at least one curve family")
        self.family_names = ",".join(names)
        self.n_jobs = check_positive_int("n_jobs", n_jobs)
        self.backend = check_backend(backend)
        self.random_state = random_state

    # ----------------------------------------------------------------- layout
    @property
    def _offsets(self) -> NDArray[np.int64]:
        return np.cumsum([0] + [f.n_params for f in self.families_])

    @property
    def _layout(self) -> Layout:
        return self.families_, tuple(int(o) for o in self._offsets)

    @functools.cached_property
    def _fused(self) -> FusedLayout:
        return fuse(*self._layout)

    @property
    def n_dim(self) -> int:
        """Parameters + one weight per family + sigma."""
        return int(self._offsets[-1]) + len(self.families_) + 1

    def modeled_cost_s(self, n_curves: int) -> float:
        return 0.5 * n_curves * (self.n_steps * self.n_walkers) / 250_000

    # ---------------------------------------------------------------- predict
    def predict(
        self,
        partial_curves: Array,
        target_epoch: int,
        arch_features: Array | None = None,
        *,
        metric: str = "val_accuracy",
        rng: np.random.Generator | None = None,
    ) -> Prediction:
        curves = check_partial_curves(
            partial_curves,
            metric=metric,
            min_epochs=self.min_epochs,
            target_epoch=target_epoch,
            method="WPM",
        )
        gen = to_generator(rng, self.random_state)
        u, scale = to_unit_scale(curves, metric)
        n = len(u)
        means = np.empty(n)
        stds = np.empty(n)
        n_kept = self.n_walkers * len(range(self.burn_in, self.n_steps, self.thin))
        samples = np.empty((n, n_kept))
        fallback = np.zeros(n, dtype=bool)
        slices = [slice(a, min(a + self.batch_size, n)) for a in range(0, n, self.batch_size)]
        # one child generator per batch: results do not depend on how batches are scheduled
        gens = gen.spawn(len(slices)) if len(slices) > 1 else [gen]

        def one(i: int) -> tuple[Array, NDArray[np.bool_], Array]:
            return self._sample_unit(u[slices[i]], int(target_epoch), gens[i])

        # at WPM's sizes (~1e5 elements per half-step) the compiled half-step is ~5x slower with
        # 2 threads than with 1 on 2 cores
        with single_torch_thread() if self.backend == "torch" else nullcontext():
            if self.n_jobs > 1 and len(slices) > 1:
                from concurrent.futures import ThreadPoolExecutor

                # numpy and torch release the GIL in their kernels: batches overlap on the cores
                with ThreadPoolExecutor(self.n_jobs) as pool:
                    outs = list(pool.map(one, range(len(slices))))
            else:
                outs = [one(i) for i in range(len(slices))]
        acceptance = np.empty(n)
        for sl, (s_u, fb, acc) in zip(slices, outs):
            samples[sl] = from_unit_scale(s_u, scale[sl], metric)
            fallback[sl] = fb
            acceptance[sl] = acc
        self.acceptance_ = acceptance  # mean acceptance fraction per curve (a mixing diagnostic)
        means[:] = samples.mean(axis=1)
        stds[:] = samples.std(axis=1)
        return Prediction(mean=means, std=stds, samples=samples, fallback=fallback)

    # ------------------------------------------------------------ internals
    def initial_fit(self, u: Array, target_epoch: int) -> tuple[Array, NDArray[np.bool_], Array]:
        """Least-squares start: ``theta (K, D)``, ``active (K, F)``, equal-weight residual std."""
        k, e = u.shape
        fams = self.families_
        off = self._offsets
        n_f = len(fams)
        theta = np.zeros((k, self.n_dim))
        active = np.zeros((k, n_f), dtype=bool)
        preds = np.zeros((k, n_f, e))
        x = np.arange(1, e + 1, dtype=np.float64)
        xt = np.array([float(target_epoch)])
        fits = fit_families(fams, u, target_epoch, n_iter=self.lm_iterations)
        for i, (fam, (t, sse)) in enumerate(zip(fams, fits)):
            at_target = fam(t, xt)[:, 0]
            ok = np.isfinite(sse) & np.isfinite(at_target) & (at_target >= 0) & (at_target <= 1)
            ok &= fam.n_params <= e  # an under-determined least-squares start is no start
            default = np.clip(np.asarray(fam.default), fam.lower, fam.upper)
            theta[:, off[i] : off[i + 1]] = np.where(ok[:, None], t, default)
            active[:, i] = ok
            preds[:, i] = np.where(ok[:, None], fam(t, x), 0.0)
        w0 = off[-1]
        theta[:, w0 : w0 + n_f] = np.where(active, 0.5, 0.0)
        cnt = np.maximum(active.sum(axis=1), 1)
        ens = preds.sum(axis=1) / cnt[:, None]
        resid = (u - ens).std(axis=1)
        theta[:, -1] = np.clip(resid, 2 * self.sigma_min, 0.5)
        return theta, active, resid

    def _bounds(self) -> tuple[Array, Array]:
        """Box bounds of the whole parameter vector (D,): family bounds, weights, sigma."""
        lo = np.concatenate([np.asarray(f.lower) for f in self.families_])
        hi = np.concatenate([np.asarray(f.upper) for f in self.families_])
        n_f = len(self.families_)
        lo = np.concatenate([lo, np.zeros(n_f), [self.sigma_min]])
        hi = np.concatenate([hi, np.ones(n_f), [1.0]])
        return lo, hi

    def _posterior_args(
        self, y: Array, active: NDArray[np.bool_], x_all: Array, target_epoch: int
    ) -> tuple:
        """The arguments of :func:`log_posterior` after ``theta``, built once per batch of curves
        ``y (..., E)`` (not per call: the sampler calls the log-posterior 5,000 times)."""
        dtype = x_all.dtype
        fams, off = self._layout
        lo, hi = (b.astype(dtype) for b in self._bounds())
        fused = self._fused
        # the target epoch enters only through these arrays (the basis and the constraints), so a
        # compiled kernel does not specialise on it
        cons, strict, owner = constraint_matrix(fams, off, self.n_dim, float(target_epoch))
        inactive = ~active
        # the box and the constraints as one linear check, theta @ prior + shift >= 0: the box as
        # theta - lo and hi - theta (sign-exact in floating point), a strict constraint shifted by
        # the smallest normal number, an inactive family's constraints shifted to +inf
        d = self.n_dim
        prior = np.concatenate([np.eye(d), -np.eye(d), cons], axis=1).astype(dtype)
        c_shift = np.where(inactive[..., owner], np.inf, -np.finfo(dtype).tiny * strict)
        box = np.broadcast_to(np.concatenate([-lo, hi]), (*c_shift.shape[:-1], 2 * d))
        shift = np.concatenate([box, c_shift.astype(dtype)], axis=-1)
        return (
            y,
            prior,
            shift,
            inactive[..., list(fused.order)],
            fused.index,
            fused.scale.astype(dtype),
            fused.const.astype(dtype),
            fused.kappa,
            basis(x_all.astype(np.float64)).astype(dtype),
            fused.counts,
        )

    def _by_family_args(
        self, y: Array, active: NDArray[np.bool_], x_all: Array, target_epoch: int
    ) -> tuple:
        """The arguments of :func:`log_posterior_by_family` after ``theta``, built once per batch of curves
        ``y (..., E)`` (not per call: the sampler calls the log-posterior 5,000 times)."""
        dtype = x_all.dtype
        lo, hi = (b.astype(dtype) for b in self._bounds())
        # the target rides as an array so that a compiled kernel does not specialise on it
        target = np.asarray(target_epoch, dtype=dtype)
        return (y, ~active, x_all, np.log(x_all), lo, hi, target, self._layout)

    def _initial_walkers(
        self, theta: Array, active: NDArray[np.bool_], gen: np.random.Generator
    ) -> tuple[Array, NDArray[np.int64]]:
        k, d = theta.shape
        fams = self.families_
        off = self._offsets
        n_f = len(fams)
        moving = np.zeros((k, d), dtype=bool)
        for i in range(n_f):
            moving[:, off[i] : off[i + 1]] = active[:, i, None]
        w0 = int(off[-1])
        moving[:, w0 : w0 + n_f] = active
        moving[:, -1] = True
        lo, hi = self._bounds()
        jitter = self.init_ball * (np.abs(theta) + 1e-3)[:, None, :]
        noise = gen.standard_normal((k, self.n_walkers, d)) * jitter * moving[:, None, :]
        p0 = np.clip(theta[:, None, :] + noise, lo, hi)
        return p0, moving.sum(axis=1)

    def _sample_unit(
        self, u: Array, target_epoch: int, gen: np.random.Generator
    ) -> tuple[Array, NDArray[np.bool_], NDArray[Any]]:
        """Posterior-predictive draws on the unit scale for curves ``u`` (K, E), the fallback
        mask and the acceptance fraction per curve."""
        k, e = u.shape
        dtype = np.dtype(self.dtype)
        lo, hi = (b.astype(dtype) for b in self._bounds())
        theta, active, _ = self.initial_fit(u, target_epoch)
        fallback = ~active.any(axis=1)
        x_all = np.arange(1, e + 2, dtype=dtype)
        x_all[-1] = target_epoch
        p0, n_eff = self._initial_walkers(theta, active, gen)
        p0 = np.clip(p0.astype(dtype), lo, hi)
        u_d = u.astype(dtype)
        if self.sampler == "emcee":
            runs = [
                self._emcee_one(p0[j], u_d[j], active[j], x_all, target_epoch, gen)
                for j in range(k)
            ]
            blobs = np.stack([r[0] for r in runs])
            acc = np.array([r[1] for r in runs])
        else:
            # torch: inductor fuses the family-by-family form into one kernel already, and runs it
            # ~2x faster than the fused form (whose small matrix products it cannot fuse)
            fused = self.backend == "numpy" and k * (self.n_walkers // 2) <= FUSED_MAX_WALKERS
            build = self._posterior_args if fused else self._by_family_args
            args = build(u_d[:, None, :], active[:, None, :], x_all, target_epoch)
            blobs, acc = run_stretch(
                log_posterior if fused else log_posterior_by_family,
                p0,
                self.n_steps,
                gen,
                burn_in=self.burn_in,
                thin=self.thin,
                n_dim_eff=n_eff,
                log_prob_args=args,
                backend=self.backend,
            )
        y_t, sigma = blobs[..., 0].astype(np.float64), blobs[..., 1].astype(np.float64)
        if self.predictive_noise:
            y_t = y_t + sigma * gen.standard_normal(y_t.shape)
        if fallback.any():
            y_t[fallback] = _random_walk_fallback(u[fallback], target_epoch, y_t.shape[1], gen)
        return y_t, np.asarray(fallback), acc

    def _emcee_one(
        self,
        p0: Array,
        y: Array,
        active: NDArray[np.bool_],
        x_all: Array,
        target: int,
        gen: np.random.Generator,
    ) -> tuple[Array, float]:
        """One curve with ``emcee.EnsembleSampler(vectorize=True)`` over its moving dimensions."""
        import emcee

        moving = np.ptp(p0, axis=0) > 0
        fixed = p0[0].copy()
        args = self._posterior_args(y[None, :], active[None, :], x_all, target)

        def log_prob(sub: Array) -> Array:
            full = np.broadcast_to(fixed, (len(sub), fixed.size)).copy()
            full[:, moving] = sub
            lp, blob = log_posterior(full, *args)
            return np.column_stack([lp, blob])

        seed = int(gen.integers(2**31))
        sampler = emcee.EnsembleSampler(
            self.n_walkers,
            int(moving.sum()),
            log_prob,
            vectorize=True,
            moves=emcee.moves.StretchMove(),
        )
        sampler.random_state = np.random.RandomState(seed).get_state()
        # clipping at a bound can make two walkers share a coordinate; that is harmless here
        with np.errstate(invalid="ignore"):  # emcee computes -inf - -inf for out-of-prior pairs
            sampler.run_mcmc(
                p0[:, moving], self.n_steps, progress=False, skip_initial_state_check=True
            )
        blobs = sampler.get_blobs(discard=self.burn_in, thin=self.thin)  # (steps, walkers, 2)
        acc = float(np.mean(sampler.acceptance_fraction))
        return np.asarray(blobs, dtype=np.float64).reshape(-1, 2), acc


#: ``(families, parameter offsets)``: the static layout of the parameter vector.
Layout = tuple[tuple[CurveFamily, ...], tuple[int, ...]]


def log_posterior(
    theta: Array,
    y: Array,
    prior: Array,
    shift: Array,
    inactive_f: NDArray[np.bool_],
    index: NDArray[np.int64],
    scale: Array,
    const: Array,
    kappa: NDArray[np.int64],
    basis_x: Array,
    counts: tuple[int, ...],
) -> tuple[Array, Array]:
    """WPM's log-posterior for walkers ``theta (..., D)``, written once for numpy and torch.

    y : observed curves broadcastable to (..., E); ``basis_x`` the fused basis at the E observed
    epochs then the target epoch (:mod:`lce.fused_families`, which evaluates all families in one
    pass). ``theta @ prior + shift >= 0`` (``prior`` (D, P), ``shift`` (..., P)) is the prior's box
    and the families' linear constraints, with the target epoch folded in and the constraints of
    families left out of a curve's combination switched off; ``inactive_f (..., F)`` (fused order)
    marks those families. They sit at fixed,
    in-bounds defaults with weight exactly 0 in every walker, so one box check over the whole
    vector covers them and they add nothing to the sum. Returns ``(log_prob (...), blob (..., 2))``
    with blob = (ensemble value at the target epoch, sigma); outside the prior the log-prob is -inf.
    Build the arguments after ``theta`` with :meth:`WPM._posterior_args`.
    """
    xp = array_module(theta)
    e = basis_x.shape[-1] - 1
    quiet = (
        np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")
        if xp is np
        else nullcontext()
    )
    with quiet:
        v = (theta.reshape(-1, theta.shape[-1]) @ prior).reshape(*theta.shape[:-1], -1)
        ok = (v + shift >= 0).all(axis=-1)
        t, alpha, beta, w = fused_curves(theta, index, scale, const, kappa, basis_x, counts)
        ft = alpha + beta * t[..., -1]
        ok = ok & (((ft >= 0) & (ft <= 1)) | inactive_f).all(axis=-1)
        wsum = w.sum(axis=-1)
        ok = ok & (wsum > 0)
        # sum_k w_k (alpha_k + beta_k T_k) = sum_k w_k alpha_k + sum_k (w_k beta_k) T_k
        num = (w * alpha).sum(axis=-1)[..., None] + ((w * beta)[..., None, :] @ t)[..., 0, :]
        ens = num / xp.where(wsum > 0, wsum, 1.0)[..., None]
        sigma = theta[..., -1]
        r = y - ens[..., :e]
        ll = -0.5 * (r * r).sum(axis=-1) / sigma**2 - e * xp.log(sigma)
        lp = xp.where(ok & xp.isfinite(ll), ll, -np.inf)
    return lp, xp.concatenate([ens[..., -1:], theta[..., -1:]], -1)


def log_posterior_by_family(
    theta: Array,
    y: Array,
    inactive: NDArray[np.bool_],
    x_all: Array,
    log_x: Array,
    lo: Array,
    hi: Array,
    target: float | Array,
    layout: Layout,
) -> tuple[Array, Array]:
    """:func:`log_posterior`, family by family (~110 array operations per call instead of ~40 on
    arrays 11× larger): what the numpy sampler runs for large batches, where the fused form's
    larger temporaries cost more than the operations it saves (``bench/bench_lce_wpm.py``).

    y : observed curves broadcastable to (..., E); ``x_all`` the E observed epochs then the target
    epoch; ``inactive (..., F)`` marks families left out of a curve's combination. Those sit at
    fixed, in-bounds defaults with weight exactly 0 in every walker, so one box check over the whole
    vector covers them and they add nothing to the sum. Returns ``(log_prob (...), blob (..., 2))``
    with blob = (ensemble value at the target epoch, sigma); outside the prior the log-prob is -inf.
    """
    fams, off = layout
    xp = array_module(theta)
    n_f = len(fams)
    e = x_all.shape[0] - 1
    quiet = (
        np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")
        if xp is np
        else nullcontext()
    )
    with quiet:
        ok = ((theta >= lo) & (theta <= hi)).all(axis=-1)
        preds = []
        for i, fam in enumerate(fams):
            t = theta[..., off[i] : off[i + 1]]
            preds.append(fam.f(t, x_all, log_x))
            if fam.constraint is not None:
                ok = ok & (fam.constraint(t, target) | inactive[..., i])
        pred = xp.stack(preds, -2)
        ft = pred[..., -1]
        ok = ok & (((ft >= 0) & (ft <= 1)) | inactive).all(axis=-1)
        w = theta[..., off[-1] : off[-1] + n_f]
        wsum = w.sum(axis=-1)
        ok = ok & (wsum > 0)
        ens = xp.einsum("...f,...fe->...e", w, pred) / xp.where(wsum > 0, wsum, 1.0)[..., None]
        sigma = theta[..., -1]
        r = y - ens[..., :e]
        ll = -0.5 * (r * r).sum(axis=-1) / sigma**2 - e * xp.log(sigma)
        lp = xp.where(ok & xp.isfinite(ll), ll, -np.inf)
    return lp, xp.stack([ens[..., -1], sigma], -1)


def _random_walk_fallback(
    u: Array, target_epoch: int, n_samples: int, gen: np.random.Generator
) -> Array:
    """Last value, spread as a random walk of the recent epoch-to-epoch changes."""
    e = u.shape[1]
    diffs = np.diff(u[:, -min(e, 6) :], axis=1)
    step = np.sqrt(np.mean(diffs**2, axis=1)) if diffs.size else np.zeros(len(u))
    std = np.maximum(step * np.sqrt(max(target_epoch - e, 1)), 1e-3)
    return u[:, -1, None] + std[:, None] * gen.standard_normal((len(u), n_samples))

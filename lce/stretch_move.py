"""The affine-invariant stretch move (Goodman & Weare 2010; emcee's ``StretchMove``), run for many
independent posteriors at once.

Why not one emcee sampler over the concatenated parameters of K curves with a summed log-prob? It
is valid (the posteriors are independent), but an ensemble needs more walkers than dimensions to
span its space (emcee's rule: 2 × ndim), so the stacked sampler needs ~2·K·D walkers, each of which
evaluates all K curves: O(K²) work per step instead of O(K). One shared ``z`` and one accept/reject
for all blocks also couples unrelated curves. ``bench/bench_lce_wpm.py`` runs it for K = 4
(192 dims, 386 walkers): the acceptance (~0.05) and the predictions match per-curve sampling, at
~10× the cost. Here every curve keeps its own ensemble, its own ``z`` and its own accept/reject,
exactly as K separate emcee runs (fixed red/blue halves, as emcee 2 and Goodman & Weare), while one
vectorized log-prob call evaluates every curve's half-ensemble.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
#: ``log_prob(theta (K, h, D), *log_prob_args) -> (log_prob (K, h), blob (K, h, B))``
LogProb = Callable[..., tuple[Array, Array]]
BACKENDS = ("numpy", "torch")


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose from: {', '.join(BACKENDS)}")
    return backend


def run_stretch(
    log_prob: LogProb,
    p0: Array,
    n_steps: int,
    rng: np.random.Generator,
    *,
    burn_in: int = 0,
    thin: int = 1,
    a: float = 2.0,
    n_dim_eff: NDArray[np.int64] | None = None,
    log_prob_args: tuple = (),
    backend: str = "numpy",
) -> tuple[Array, Array]:
    """Sample K independent posteriors with W walkers each.

    p0 : initial walkers, shape (K, W, D), W even.
    n_dim_eff : (K,) dimension actually explored per curve (coordinates identical across all
        walkers never move under the stretch move and must not enter the ``z^(d-1)`` factor).
    log_prob_args : extra arguments of ``log_prob`` (numpy arrays become tensors for torch).
    backend : ``"numpy"``, or ``"torch"``: each half-step (proposal, log-prob, accept) is one
        ``torch.compile``d CPU kernel, which removes numpy's per-operation overhead and temporaries
        (:func:`_run_stretch_torch`). ``log_prob`` must then be written with operations that exist
        in both libraries (as :func:`nas_sim.lce.wpm.log_posterior_by_family` is).
    Returns ``(blobs, acceptance)``: blobs of the kept states, shape (K, W * n_kept, B), with
    n_kept = the steps after ``burn_in`` taken every ``thin``; acceptance fraction (K,).
    """
    k, w, d = p0.shape
    if w % 2 or w < 4:
        raise ValueError(f"the stretch move needs an even number of walkers >= 4, got {w}")
    check_backend(backend)
    dim = np.full(k, d) if n_dim_eff is None else np.asarray(n_dim_eff)
    if backend == "torch":
        return _run_stretch_torch(
            log_prob, p0, n_steps, rng, burn_in, thin, a, dim, tuple(log_prob_args)
        )
    half = w // 2
    # the two halves live in separate contiguous arrays so that updates are in place
    xs = [np.ascontiguousarray(p0[:, :half]), np.ascontiguousarray(p0[:, half:])]
    lps, blobs = [], []
    for xh in xs:
        lp_h, blob_h = log_prob(xh, *log_prob_args)
        lps.append(lp_h)
        blobs.append(blob_h)
    row0 = (np.arange(k) * half)[:, None]
    kept: list[Array] = []
    accepted = np.zeros(k)
    for step in range(n_steps):
        for s in (0, 1):
            xa, xo = xs[s], xs[1 - s]
            z = ((a - 1.0) * rng.random((k, half)) + 1.0) ** 2 / a
            partner = xo.reshape(k * half, d)[row0 + rng.integers(half, size=(k, half))]
            prop = partner + z[:, :, None].astype(xa.dtype) * (xa - partner)
            lp_new, blob_new = log_prob(prop, *log_prob_args)
            with np.errstate(invalid="ignore"):
                log_acc = (dim[:, None] - 1) * np.log(z) + (lp_new - lps[s])
            ok = np.log(rng.random((k, half))) < log_acc  # NaN compares False: rejected
            np.copyto(xa, prop, where=ok[:, :, None])
            np.copyto(lps[s], lp_new, where=ok)
            np.copyto(blobs[s], blob_new, where=ok[:, :, None])
            accepted += ok.sum(axis=1)
        if step >= burn_in and (step - burn_in) % thin == 0:
            kept.append(np.concatenate(blobs, axis=1))
    acc = accepted / (n_steps * w)
    if not kept:
        return np.empty((k, 0, blobs[0].shape[-1])), acc
    return np.concatenate(kept, axis=1), acc


#: random draws made per call of the numpy generator in the torch loop (steps)
_DRAW_CHUNK = 50


def _half_step(log_prob, xa, xo, lp, blob, z, pick, log_u, dim_m1, args):  # type: ignore[no-untyped-def]
    """One stretch-move half-step for K ensembles, functional (the body torch compiles)."""
    import torch

    rows = torch.arange(xa.shape[0], device=xa.device)[:, None]
    partner = xo[rows, pick]
    prop = partner + z[..., None].to(xa.dtype) * (xa - partner)
    lp_new, blob_new = log_prob(prop, *args)
    log_acc = dim_m1[:, None] * torch.log(z) + (lp_new - lp)
    ok = log_u < log_acc  # NaN (-inf - -inf) compares False: rejected
    return (
        torch.where(ok[..., None], prop, xa),
        torch.where(ok, lp_new, lp),
        torch.where(ok[..., None], blob_new, blob),
        ok,
    )


@functools.cache
def _compiled_half_step():  # type: ignore[no-untyped-def]
    import torch

    # dynamic=None: the first shapes are compiled static, a later batch size or E_few recompiles
    # once with symbolic sizes
    return torch.compile(_half_step, fullgraph=True)


def _run_stretch_torch(
    log_prob: LogProb,
    p0: Array,
    n_steps: int,
    rng: np.random.Generator,
    burn_in: int,
    thin: int,
    a: float,
    dim: NDArray[np.int64],
    args: tuple,
) -> tuple[Array, Array]:
    """:func:`run_stretch` with a compiled torch half-step.

    The same algorithm and the same numpy generator; draws are made ``_DRAW_CHUNK`` steps at a time
    (so the stream differs from the numpy backend's, and fused float arithmetic differs in the last
    bits: the two backends give statistically equivalent, not identical, samples). Same inputs and
    seed, same samples: the kernels are elementwise with per-row reductions, so the thread count
    does not change results.
    """
    from torch._dynamo.exc import BackendCompilerFailed
    from torch._inductor import config as inductor_config

    try:
        # one kernel to build: inductor's pool of compile workers costs more to start than it
        # saves (first call on 2 cores, 4 curves: 34 -> 28 s with a cold cache, 5.6–6.9 ->
        # 5.2–5.9 s with a warm one); scoped to this call, other compilations keep their setting
        with inductor_config.patch(compile_threads=1):
            return _torch_loop(
                _compiled_half_step(), log_prob, p0, n_steps, rng, burn_in, thin, a, dim, args
            )
    except BackendCompilerFailed as exc:
        # inductor builds C++ at run time: without a working compiler (g++ and Python headers)
        # the failure surfaces deep inside torch; say what it means here
        raise RuntimeError(
            "backend='torch' needs torch.compile to build a C++ kernel, which failed here "
            f"({type(exc.inner_exception).__name__}); use backend='numpy'"
        ) from exc


def _torch_loop(step_fn, log_prob, p0, n_steps, rng, burn_in, thin, a, dim, args):  # type: ignore[no-untyped-def]
    import torch

    k, w, d = p0.shape
    half = w // 2
    t_args = tuple(
        torch.from_numpy(np.ascontiguousarray(x)) if isinstance(x, np.ndarray) else x for x in args
    )
    xs = [
        torch.from_numpy(np.ascontiguousarray(p0[:, :half])),
        torch.from_numpy(np.ascontiguousarray(p0[:, half:])),
    ]
    lps, blobs = [], []
    with torch.no_grad():
        for xh in xs:
            lp_h, blob_h = log_prob(xh, *t_args)
            lps.append(lp_h)
            blobs.append(blob_h)
        dim_m1 = torch.from_numpy((dim - 1).astype(np.float64))
        accepted = torch.zeros(k, dtype=torch.int64)
        kept: list = []
        for step in range(n_steps):
            c = step % _DRAW_CHUNK
            if c == 0:
                m = min(_DRAW_CHUNK, n_steps - step)
                z_all = torch.from_numpy(((a - 1.0) * rng.random((m, 2, k, half)) + 1.0) ** 2 / a)
                pick_all = torch.from_numpy(rng.integers(half, size=(m, 2, k, half)))
                logu_all = torch.from_numpy(np.log(rng.random((m, 2, k, half))))
            for s in (0, 1):
                xs[s], lps[s], blobs[s], ok = step_fn(
                    log_prob,
                    xs[s],
                    xs[1 - s],
                    lps[s],
                    blobs[s],
                    z_all[c, s],
                    pick_all[c, s],
                    logu_all[c, s],
                    dim_m1,
                    t_args,
                )
                accepted += ok.sum(dim=1)
            if step >= burn_in and (step - burn_in) % thin == 0:
                kept.append(torch.cat(blobs, dim=1))
    acc = accepted.numpy() / (n_steps * w)
    if not kept:
        return np.empty((k, 0, blobs[0].shape[-1])), acc
    return torch.cat(kept, dim=1).numpy(), acc

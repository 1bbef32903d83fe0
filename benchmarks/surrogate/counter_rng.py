"""Counter-based normal draws keyed by a run seed, identical in numpy and torch (CPU or CUDA).

A surrogate benchmark must give a run the same noise whether its curve is asked for alone, in a
batch of a million, on CPU or on a GPU. A per-run ``np.random.default_rng(run_seed)`` cannot be
vectorised over a million seeds, so each value is instead a pure function of
``(run_seed, stream, index)``: a SplitMix64 hash (Steele et al., OOPSLA 2014, the same finaliser
as :func:`nas_sim.seeding.mix`) turned into uniforms, then normals by Box-Muller. This is the
counter-based-RNG idea of Salmon et al. ("Random123", SC 2011) with a simpler bijection.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numpy.typing import NDArray

_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_MASK64 = (1 << 64) - 1
_TWO_M53 = 2.0**-53


_S11, _S27, _S30, _S31 = (np.uint64(k) for k in (11, 27, 30, 31))
_U_M1, _U_M2, _U_GOLDEN = np.uint64(_M1), np.uint64(_M2), np.uint64(_GOLDEN)

# uint64 array arithmetic wraps silently (only numpy *scalar* overflow warns), so the hashes
# below need no errstate; the constants are numpy scalars made once, not per call.


def _fmix_np(z: NDArray[np.uint64]) -> NDArray[np.uint64]:
    z = (z ^ (z >> _S30)) * _U_M1
    z = (z ^ (z >> _S27)) * _U_M2
    return z ^ (z >> _S31)


@functools.lru_cache(maxsize=64)
def _stream_offsets(streams: tuple[int, ...]) -> NDArray[np.uint64]:
    return np.array([(_GOLDEN * (k + 1)) & _MASK64 for k in streams], dtype=np.uint64)


def _keys_np(seeds: NDArray[Any], streams: tuple[int, ...]) -> NDArray[np.uint64]:
    """Keys of ``streams`` for each seed, shape ``(len(seeds), len(streams))``."""
    s = np.atleast_1d(np.asarray(seeds))
    s = s if s.dtype == np.uint64 else s.astype(np.int64).view(np.uint64)
    return _fmix_np(s[:, None] + _stream_offsets(streams)[None, :])


def _uniform_streams(seeds: NDArray[Any], streams: tuple[int, ...], n: int) -> NDArray[np.float64]:
    """Uniforms of several streams in one hashing pass, shape ``(len(streams), len(seeds), n)``;
    each value is the same pure function of (seed, stream, index) as one stream alone."""
    key = _keys_np(seeds, streams).T[:, :, None]
    idx = (np.arange(n, dtype=np.uint64) + np.uint64(1)) * _U_GOLDEN
    h = _fmix_np(key + idx[None, None, :])
    return ((h >> _S11).astype(np.float64) + 0.5) * _TWO_M53


def uniforms_np(seeds: NDArray[Any], stream: int, n: int) -> NDArray[np.float64]:
    """Uniforms in (0, 1), shape ``(len(seeds), n)``; row ``i`` depends only on ``seeds[i]``."""
    return _uniform_streams(seeds, (stream,), n)[0]


def normals_np(seeds: NDArray[Any], stream: int, n: int) -> NDArray[np.float64]:
    """Standard normals, shape ``(len(seeds), n)`` (Box-Muller over two uniform streams)."""
    m = (n + 1) // 2
    u_r, u_theta = _uniform_streams(seeds, (2 * stream, 2 * stream + 1), m)
    return _box_muller(u_r, u_theta, n)


def uniforms_and_normals_np(
    seeds: NDArray[Any], u_stream: int, n_u: int, z_stream: int, n_z: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``uniforms_np(seeds, u_stream, n_u)`` and ``normals_np(seeds, z_stream, n_z)`` from one
    hashing pass: every value is a pure function of (seed, stream, index), so computing a few
    more indices of the shorter stream and dropping them changes nothing."""
    m = max(n_u, (n_z + 1) // 2)
    u, u_r, u_theta = _uniform_streams(seeds, (u_stream, 2 * z_stream, 2 * z_stream + 1), m)
    return u[:, :n_u], _box_muller(u_r, u_theta, n_z)


def _box_muller(u_r: NDArray[np.float64], u_theta: NDArray[np.float64], n: int) -> NDArray[Any]:
    # both Box-Muller outputs are used: half the hashing per normal
    m = (n + 1) // 2
    u_r, u_theta = u_r[:, :m], u_theta[:, :m]
    r = np.sqrt(-2.0 * np.log(u_r))
    theta = 2.0 * np.pi * u_theta
    return np.concatenate([r * np.cos(theta), r * np.sin(theta)], axis=1)[:, :n]


# --------------------------------------------------------------------------- torch twins
def _signed(c: int) -> int:
    c &= _MASK64
    return c - (1 << 64) if c >= 1 << 63 else c


def _srl(x: Any, s: int) -> Any:
    """Logical right shift of int64 tensors (torch's ``>>`` is arithmetic)."""
    return (x >> s) & ((1 << (64 - s)) - 1)


def _fmix_torch(z: Any) -> Any:
    z = (z ^ _srl(z, 30)) * _signed(_M1)
    z = (z ^ _srl(z, 27)) * _signed(_M2)
    return z ^ _srl(z, 31)


def uniforms_torch(seeds: Any, stream: int, n: int) -> Any:
    """:func:`uniforms_np` on int64 tensors (any device); int64 products wrap like uint64."""
    import torch

    key = _fmix_torch(seeds.to(torch.int64) + _signed(_GOLDEN * (stream + 1)))[:, None]
    idx = torch.arange(n, dtype=torch.int64, device=seeds.device)[None, :]
    h = _fmix_torch(key + (idx + 1) * _signed(_GOLDEN))
    return (_srl(h, 11).to(torch.float64) + 0.5) * _TWO_M53


def normals_torch(seeds: Any, stream: int, n: int) -> Any:
    import math

    import torch

    m = (n + 1) // 2
    r = torch.sqrt(-2.0 * torch.log(uniforms_torch(seeds, 2 * stream, m)))
    theta = 2.0 * math.pi * uniforms_torch(seeds, 2 * stream + 1, m)
    return torch.cat([r * torch.cos(theta), r * torch.sin(theta)], dim=1)[:, :n]


def as_seed_array(seeds: Any) -> NDArray[np.int64]:
    """Run seeds (Python ints of any size, negative allowed) as int64 holding their low 64 bits."""
    if isinstance(seeds, np.ndarray) and seeds.dtype == np.int64:
        return np.atleast_1d(seeds)  # already their low 64 bits
    return np.array([_signed(int(s)) for s in np.atleast_1d(seeds).tolist()], dtype=np.int64)

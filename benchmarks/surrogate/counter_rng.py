"""Counter-based normal draws keyed by a run seed, identical in numpy and torch (CPU or CUDA).

A surrogate benchmark must give a run the same noise whether its curve is asked for alone, in a
batch of a million, on CPU or on a GPU. A per-run ``np.random.default_rng(run_seed)`` cannot be
vectorised over a million seeds, so each value is instead a pure function of
``(run_seed, stream, index)``: a SplitMix64 hash (Steele et al., OOPSLA 2014, the same finaliser
as :func:`nas_sim.seeding.mix`) turned into uniforms, then normals by Box-Muller. This is the
counter-based-RNG idea of Salmon et al. ("Random123", SC 2011) with a simpler bijection.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_MASK64 = (1 << 64) - 1
_TWO_M53 = 2.0**-53


def _fmix_np(z: NDArray[np.uint64]) -> NDArray[np.uint64]:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
    return z ^ (z >> np.uint64(31))


def _keys_np(seeds: NDArray[Any], stream: int) -> NDArray[np.uint64]:
    s = (
        np.asarray(seeds).astype(np.int64).view(np.uint64)
        if np.asarray(seeds).dtype != np.uint64
        else np.asarray(seeds)
    )
    with np.errstate(over="ignore"):
        return _fmix_np(s + np.uint64((_GOLDEN * (stream + 1)) & _MASK64))


def uniforms_np(seeds: NDArray[Any], stream: int, n: int) -> NDArray[np.float64]:
    """Uniforms in (0, 1), shape ``(len(seeds), n)``; row ``i`` depends only on ``seeds[i]``."""
    key = _keys_np(np.atleast_1d(seeds), stream)[:, None]
    idx = np.arange(n, dtype=np.uint64)[None, :]
    with np.errstate(over="ignore"):
        h = _fmix_np(key + (idx + np.uint64(1)) * np.uint64(_GOLDEN))
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * _TWO_M53


def normals_np(seeds: NDArray[Any], stream: int, n: int) -> NDArray[np.float64]:
    """Standard normals, shape ``(len(seeds), n)`` (Box-Muller over two uniform streams)."""
    # both Box-Muller outputs are used: half the hashing per normal
    m = (n + 1) // 2
    r = np.sqrt(-2.0 * np.log(uniforms_np(seeds, 2 * stream, m)))
    theta = 2.0 * np.pi * uniforms_np(seeds, 2 * stream + 1, m)
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
    return np.array([_signed(int(s)) for s in np.atleast_1d(seeds).tolist()], dtype=np.int64)

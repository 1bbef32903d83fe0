"""MNIST-1D (Greydanus 2020, "Scaling down deep learning"), generated locally and split 3 ways.

We call :func:`mnist1d.data.make_dataset` directly: ``mnist1d.data.get_dataset`` downloads a pickle
from GitHub by default and writes a cache file into the working directory, neither of which a
reproducible, offline generator may do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class DataConfig:
    """Which MNIST-1D samples are generated and how they are split.

    ``num_samples`` signals are generated with ``dataset_seed``; the package's own 80/20 split
    gives the test set, and its 80% part is split by ``split_seed`` into ``n_train`` training and
    ``n_val`` validation signals. The transformation parameters are MNIST-1D's (its defaults here):
    ``scale_coeff`` (random rescaling of the template), ``shear_scale`` (random shear),
    ``max_translation`` (samples), ``corr_noise_scale`` (correlated noise) and ``iid_noise_scale``.
    Larger ones make the task harder, so that capacity and inductive bias matter more.
    """

    num_samples: int = 5000
    n_train: int = 1000
    n_val: int = 1000
    dataset_seed: int = 42
    split_seed: int = 0
    scale_coeff: float = 0.4
    shear_scale: float = 0.75
    max_translation: int = 48
    corr_noise_scale: float = 0.25
    iid_noise_scale: float = 2e-2


@dataclass(frozen=True)
class Splits:
    """Float32 signals of shape (n, 1, length) and int64 labels of shape (n,) per split."""

    x_train: NDArray[np.float32]
    y_train: NDArray[np.int64]
    x_val: NDArray[np.float32]
    y_val: NDArray[np.int64]
    x_test: NDArray[np.float32]
    y_test: NDArray[np.int64]


def load_splits(config: DataConfig) -> Splits:
    """Generate MNIST-1D in memory (no download, no cache file) and split it."""
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples = config.num_samples
    args.seed = config.dataset_seed
    args.scale_coeff = config.scale_coeff
    args.shear_scale = config.shear_scale
    args.max_translation = config.max_translation
    args.corr_noise_scale = config.corr_noise_scale
    args.iid_noise_scale = config.iid_noise_scale
    # make_dataset seeds numpy's *global* RNG; restore it so callers' global state is untouched.
    saved = np.random.get_state()
    try:
        raw = make_dataset(args)
    finally:
        np.random.set_state(saved)
    x_pool = np.asarray(raw["x"], dtype=np.float32)[:, None, :]
    y_pool = np.asarray(raw["y"], dtype=np.int64)
    if config.n_train + config.n_val > len(y_pool):
        raise ValueError(
            f"n_train + n_val = {config.n_train + config.n_val} exceeds the {len(y_pool)} "
            f"non-test signals of num_samples={config.num_samples}"
        )
    order = np.random.default_rng(config.split_seed).permutation(len(y_pool))
    tr, va = order[: config.n_train], order[config.n_train : config.n_train + config.n_val]
    return Splits(
        x_train=x_pool[tr],
        y_train=y_pool[tr],
        x_val=x_pool[va],
        y_val=y_pool[va],
        x_test=np.asarray(raw["x_test"], dtype=np.float32)[:, None, :],
        y_test=np.asarray(raw["y_test"], dtype=np.int64),
    )

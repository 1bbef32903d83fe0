"""The one fixed training pipeline of the MNIST-1D NB201 benchmark, and one run of it.

SGD with Nesterov momentum, cosine learning-rate decay to zero per step, weight decay, fixed batch
size, as NB201 (Dong & Yang 2020) trains its cells; epochs and data are scaled down after
MNIST-1D (Greydanus 2020). Every epoch records train/val/test loss and accuracy and the measured
seconds of its training pass.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from nas_sim.benchmarks.offline.mnist1d.data import Splits
from nas_sim.benchmarks.offline.mnist1d.network import (
    Arch201,
    NB201Net1d,
    NetworkConfig,
    count_flops,
    count_params,
)
from nas_sim.learning_curve import METRICS

#: Per-epoch curves every run records (the six metrics plus measured costs), in record order.
CURVE_KEYS = (
    *METRICS,
    "measured_epoch_time_s",
    "measured_epoch_cpu_s",
)


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters shared by every run (lr is the initial rate, decayed per step).

    ``epoch_signals``: training signals per recorded epoch. ``None`` (v1) means a whole pass over
    the training set. A divisor ``m`` of the training-set size records a curve point every ``m``
    signals: with 8,000 signals and ``m = 4,000`` an "epoch" is half a pass, so ``epochs = 10``
    trains 5 passes, each pass in a fresh random order. The benchmark's epoch is then a fixed
    amount of training, as in step-based learning curves, and the curve gets more points than
    passes without changing the training itself.
    """

    epochs: int = 50
    batch_size: int = 100
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    epoch_signals: int | None = None

    def signals_per_epoch(self, n_train: int) -> int:
        """Signals one epoch trains on; refuses a size that does not divide the training set."""
        if self.epoch_signals is None:
            return n_train
        m = self.epoch_signals
        # a multiple of the batch size, so that an epoch's batches are those of a whole pass
        if m < 1 or n_train % m or m % self.batch_size:
            raise ValueError(
                f"epoch_signals={m} must be a positive divisor of the {n_train} training signals "
                f"and a multiple of batch_size={self.batch_size} (or None for whole passes)"
            )
        return m


def epoch_batches(
    epoch: int, m: int, n: int, batch_size: int
) -> tuple[bool, list[tuple[int, int]]]:
    """Whether ``epoch`` starts a new pass (draw a new order), and its (start, stop) batches.

    Epoch ``e`` trains on positions ``[e·m mod n, e·m mod n + m)`` of the current pass's order.
    """
    start = (epoch * m) % n
    return start == 0, [
        (i, min(i + batch_size, start + m)) for i in range(start, start + m, batch_size)
    ]


def sgd_with_cosine(
    params: Iterable[torch.nn.Parameter], training: TrainingConfig, n_train: int
) -> tuple[torch.optim.SGD, torch.optim.lr_scheduler.CosineAnnealingLR, int]:
    """NB201's optimiser: SGD with Nesterov momentum, cosine decay to 0 per step over the run.

    Returns the optimiser, its schedule and the signals per epoch (see ``epoch_signals``).
    """
    m = training.signals_per_epoch(n_train)
    total_steps = training.epochs * -(-m // training.batch_size)
    opt = torch.optim.SGD(
        params,
        lr=training.lr,
        momentum=training.momentum,
        nesterov=True,
        weight_decay=training.weight_decay,
        # one multi-tensor update instead of a Python loop over the ~240 parameter tensors of a
        # seed-batched network: the same elementwise arithmetic (bit-identical on CPU, checked),
        # about 2 ms less per step
        foreach=True,
    )
    return opt, torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps), m


def finite_losses(curves: dict[str, list[float]]) -> None:
    """Record a diverged run's losses as a large finite value, so the curve set stays valid."""
    for k in ("train_loss", "val_loss", "test_loss"):
        curves[k] = [v if np.isfinite(v) else 1e6 for v in curves[k]]


def resolve_device(device: str) -> torch.device:
    """``cpu``, ``cuda``, ``cuda:N`` or ``auto`` (CUDA when available); anything else is refused."""
    name = device.strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or (name.startswith("cuda:") and name[5:].isdigit()):
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {device!r} requested but CUDA is not available; use cpu or auto"
            )
        return torch.device(name)
    raise ValueError(f"unknown device {device!r}; choose from: auto, cpu, cuda, cuda:N")


def device_label(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda:{torch.cuda.get_device_name(device)}"
    return "cpu"


def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 1024
) -> tuple[float, float]:
    """Mean loss and accuracy of a plain network on one split, in eval mode."""
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            logits = model(x[i : i + batch])
            loss_sum += float(
                nn.functional.cross_entropy(logits, y[i : i + batch], reduction="sum")
            )
            correct += int((logits.argmax(1) == y[i : i + batch]).sum())
    return loss_sum / len(y), correct / len(y)


def train_run(
    arch: Arch201,
    seed: int,
    data: Splits,
    training: TrainingConfig,
    network: NetworkConfig,
    device: torch.device,
) -> dict[str, Any]:
    """Train ``arch`` with ``seed`` and return its per-epoch record (JSON-able).

    Deterministic for a given (arch, seed, configs, device): initialisation from
    ``torch.manual_seed(seed)``, batch order from a generator seeded with ``seed``. Train loss and
    accuracy are running means over the epoch's mini-batches (as NB201 reports them).
    """
    torch.manual_seed(seed)
    order_gen = torch.Generator().manual_seed(seed)
    model = NB201Net1d(arch, network)
    length = data.x_train.shape[-1]
    params, flops = count_params(model), count_flops(model, length)
    model.to(device)
    x_tr, y_tr = (
        torch.from_numpy(data.x_train).to(device),
        torch.from_numpy(data.y_train).to(device),
    )
    x_va, y_va = torch.from_numpy(data.x_val).to(device), torch.from_numpy(data.y_val).to(device)
    x_te, y_te = torch.from_numpy(data.x_test).to(device), torch.from_numpy(data.y_test).to(device)
    n = len(y_tr)
    opt, sched, m = sgd_with_cosine(model.parameters(), training, n)
    curves: dict[str, list[float]] = {k: [] for k in CURVE_KEYS}
    perm = torch.empty(0, dtype=torch.int64)
    for epoch in range(training.epochs):
        model.train()
        t0, c0 = time.perf_counter(), time.process_time()
        new_pass, batches = epoch_batches(epoch, m, n, training.batch_size)
        if new_pass:
            perm = torch.randperm(n, generator=order_gen).to(device)
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), dtype=torch.int64, device=device)
        for i, j in batches:
            idx = perm[i:j]
            logits = model(x_tr[idx])
            loss = nn.functional.cross_entropy(logits, y_tr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            # accumulate on-device: a .item() per step would synchronise CUDA every batch
            loss_sum += loss.detach() * len(idx)
            correct += (logits.detach().argmax(1) == y_tr[idx]).sum()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        curves["measured_epoch_time_s"].append(time.perf_counter() - t0)
        # CPU seconds of this process: on a shared machine, unlike wall time, barely affected by
        # other jobs (meaningless on CUDA, where the work is asynchronous on the GPU)
        curves["measured_epoch_cpu_s"].append(time.process_time() - c0)
        curves["train_loss"].append(float(loss_sum) / m)
        curves["train_accuracy"].append(int(correct) / m)
        for split, (x, y) in (("val", (x_va, y_va)), ("test", (x_te, y_te))):
            loss_v, acc_v = evaluate(model, x, y)
            curves[f"{split}_loss"].append(loss_v)
            curves[f"{split}_accuracy"].append(acc_v)
    finite_losses(curves)
    return {
        "params": params,
        "flops": flops,
        "seed": int(seed),
        "device": device_label(device),
        "training": asdict(training),
        "network": asdict(network),
        **curves,
    }

"""Seed-batched training: the seeds of one cell trained together, one optimiser step for all.

The recipe is :mod:`benchmarks.mnist1d.training`'s (SGD with Nesterov momentum, cosine decay per
step, weight decay; NB201's, Dong & Yang 2020). The G networks of one cell are held as one
:class:`~benchmarks.mnist1d.seed_batched_network.SeedBatchedNet`: copy ``g`` is initialised as a plain network under ``torch.manual_seed(seeds[g])`` and reads its
own mini-batches, drawn in the order of a generator seeded with ``seeds[g]``. The loss is the sum
of the copies' mean losses, so each copy's gradient is exactly its own, and SGD is elementwise.

Why it is exact whatever the grouping: :class:`SeedBatchedNet` computes each copy with the same
kernels whatever G is, and every reduction here (losses, accuracies) runs over one copy's
contiguous row. So a (cell, seed) gives the same curve, bit for bit, trained alone or beside other
seeds in any slot (``tests/benchmarks/test_mnist1d_seed_batched.py`` checks it). This holds with
one intra-op thread, which :func:`train_seeds` sets (a threaded reduction splits its work by
tensor size). On CUDA it is untested: cuBLAS may choose other kernels for other batch counts.

Why batch seeds and not cells: these networks are so small that one training step is mostly
per-operator overhead; G copies cost one operator call each instead of G. Different cells have
different graphs and cannot share calls.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from nas_sim.benchmarks.offline.mnist1d.data import Splits
from nas_sim.benchmarks.offline.mnist1d.network import (
    Arch201,
    NB201Net1d,
    NetworkConfig,
    count_flops,
    count_params,
)
from nas_sim.benchmarks.offline.mnist1d.seed_batched_network import SeedBatchedNet
from nas_sim.benchmarks.offline.mnist1d.training import (
    CURVE_KEYS,
    TrainingConfig,
    device_label,
    epoch_batches,
    evaluate,
    finite_losses,
    sgd_with_cosine,
)
from nas_sim.torch_threads import single_torch_thread


def _per_copy_sums(logits: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed loss and correct count per copy: ``logits`` (G, classes, n), ``y`` (G, n)."""
    loss = nn.functional.cross_entropy(logits, y, reduction="none").sum(1)
    correct = (logits.argmax(1) == y).sum(1)
    return loss, correct


def fold_batch_norm(net: NB201Net1d) -> NB201Net1d:
    """An eval-mode copy of ``net`` with every Conv→BatchNorm pair folded into one convolution.

    In eval mode batch norm is a fixed affine map per channel, so folding it into the preceding
    convolution's weights and bias computes the same function with one pass less over the
    activations (evaluation on the large validation and test sets is most of a run's cost).
    """
    folded = copy.deepcopy(net).eval()
    for mod in folded.modules():
        if isinstance(mod, nn.Sequential):
            for i in range(len(mod) - 1):
                conv, norm = mod[i], mod[i + 1]
                if isinstance(conv, nn.Conv1d) and isinstance(norm, nn.BatchNorm1d):
                    mod[i] = fuse_conv_bn_eval(conv, norm)
                    mod[i + 1] = nn.Identity()
    return folded


def train_seeds(
    arch: Arch201,
    seeds: Sequence[int],
    data: Splits,
    training: TrainingConfig,
    network: NetworkConfig,
    device: torch.device,
) -> list[dict[str, Any]]:
    """Train ``arch`` once per seed of ``seeds``, all in one batched loop; one record per seed.

    Records are JSON-able and hold what :func:`benchmarks.mnist1d.training.train_run` records.
    Measured epoch times are the batch's divided by G (the cost one run adds to the batch), and
    ``group_size`` says how many seeds shared it.
    """
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct and non-empty, got {seeds}")
    # one intra-op thread: a multi-threaded reduction splits its work by tensor size, which would
    # make a copy's numbers depend on G (and on the core count)
    with single_torch_thread():
        return _train(arch, seeds, data, training, network, device)


def _train(
    arch: Arch201,
    seeds: list[int],
    data: Splits,
    training: TrainingConfig,
    network: NetworkConfig,
    device: torch.device,
) -> list[dict[str, Any]]:
    g = len(seeds)
    singles = []
    for s in seeds:
        torch.manual_seed(s)
        singles.append(NB201Net1d(arch, network))
    length = data.x_train.shape[-1]
    params, flops = count_params(singles[0]), count_flops(singles[0], length)
    singles = [net.to(device) for net in singles]
    model = SeedBatchedNet(singles).to(device)
    order_gens = [torch.Generator().manual_seed(s) for s in seeds]
    x_tr = torch.from_numpy(data.x_train[:, 0, :]).to(device)  # (n, L)
    y_tr = torch.from_numpy(data.y_train).to(device)
    x_va, y_va = torch.from_numpy(data.x_val).to(device), torch.from_numpy(data.y_val).to(device)
    x_te, y_te = torch.from_numpy(data.x_test).to(device), torch.from_numpy(data.y_test).to(device)
    n = len(y_tr)
    opt, sched, m = sgd_with_cosine(model.parameters(), training, n)
    curves: list[dict[str, list[float]]] = [{k: [] for k in CURVE_KEYS} for _ in seeds]
    perm = torch.empty(0, dtype=torch.int64)
    for epoch in range(training.epochs):
        model.train()
        t0, c0 = time.perf_counter(), time.process_time()
        new_pass, batches = epoch_batches(epoch, m, n, training.batch_size)
        if new_pass:
            perm = torch.stack([torch.randperm(n, generator=gen) for gen in order_gens]).to(device)
        loss_sum = torch.zeros(g, dtype=torch.float64, device=device)
        correct = torch.zeros(g, dtype=torch.int64, device=device)
        for i, j in batches:
            idx = perm[:, i:j]  # (G, b): copy g's mini-batch in row g
            xb = x_tr[idx][:, None]  # (G, 1, b, L)
            yb = y_tr[idx]
            loss, corr = _per_copy_sums(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            # the sum of per-copy means: each copy's gradient is that of its own mean loss
            (loss / idx.shape[1]).sum().backward()
            opt.step()
            sched.step()
            loss_sum += loss.detach().double()
            correct += corr
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        wall_s, cpu_s = (time.perf_counter() - t0) / g, (time.process_time() - c0) / g
        train_loss = (loss_sum / m).tolist()
        train_acc = (correct.double() / m).tolist()
        # each copy is evaluated by its own plain network, the unbatched code path: a copy's
        # validation and test numbers cannot depend on the batch it trained in
        model.copy_to_plain()
        fused = [fold_batch_norm(net) for net in singles]
        with torch.inference_mode():
            val = list(zip(*(evaluate(net, x_va, y_va) for net in fused)))
            test = list(zip(*(evaluate(net, x_te, y_te) for net in fused)))
        for k, c in enumerate(curves):
            c["measured_epoch_time_s"].append(wall_s)
            c["measured_epoch_cpu_s"].append(cpu_s)
            c["train_loss"].append(train_loss[k])
            c["train_accuracy"].append(train_acc[k])
            c["val_loss"].append(val[0][k])
            c["val_accuracy"].append(val[1][k])
            c["test_loss"].append(test[0][k])
            c["test_accuracy"].append(test[1][k])
    records = []
    for s, c in zip(seeds, curves):
        finite_losses(c)
        records.append(
            {
                "params": params,
                "flops": flops,
                "seed": s,
                "group_size": g,
                "device": device_label(device),
                "training": asdict(training),
                "network": asdict(network),
                **c,
            }
        )
    return records

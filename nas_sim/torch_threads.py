"""One torch thread inside a block, for the small tensors nas-sim computes on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def single_torch_thread() -> Iterator[None]:
    """Run torch kernels on one thread inside the block, restoring the caller's setting after.

    Tiny networks and kernels gain nothing from intra-op threads: OpenMP's fork/join costs more than
    it saves, several-fold on a busy machine, and one thread keeps results independent of the core
    count. Callers say why their sizes qualify.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)

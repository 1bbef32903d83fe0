"""Where the runs of a suite execute: in this process, a local process pool, or Ray.

Every executor maps :func:`nas_sim.suite.runner.execute` over cells and yields the outcomes as
they finish. Results do not depend on the executor: a run's result is a function of its cell.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from nas_sim.interrupt import ignore_sigint, keep_signal_handlers, terminate_pool_workers
from nas_sim.suite.runner import Outcome, execute

EXECUTORS: tuple[str, ...] = ("local", "ray", "serial")
#: seconds a terminated worker gets to exit before it is killed
_GRACE_S = 3.0


class ExecutorError(RuntimeError):
    """An executor that cannot start (Ray missing, cluster unreachable, a worker died …)."""


class Executor:
    """``map(cells)`` yields one :class:`Outcome` per cell, in completion order.

    ``plugins`` (files or modules, as ``--plugin`` takes them) are loaded in every worker.
    """

    name = ""
    plugins: tuple[str, ...] = ()

    def map(self, cells: Iterable[dict[str, Any]]) -> Iterator[Outcome]:
        raise NotImplementedError

    def close(self) -> None:
        """Release workers; the default has none."""

    def abort(self) -> None:
        """Stop at once, dropping runs in flight (an interrupt, an error of the driver); the
        default is :meth:`close`."""
        self.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()  # the driver stops: waiting for runs nobody will store is pointless


class SerialExecutor(Executor):
    """Runs cells one after another in this process (debugging, tiny suites, tests)."""

    name = "serial"

    def __init__(
        self,
        plugins: tuple[str, ...] = (),
        fn: Callable[[dict[str, Any], tuple[str, ...]], Outcome] = execute,
    ) -> None:
        self.plugins = tuple(plugins)
        self.fn = fn

    def map(self, cells: Iterable[dict[str, Any]]) -> Iterator[Outcome]:
        for cell in cells:
            yield self.fn(cell, self.plugins)


def limit_threads(threads: int) -> None:
    """At most ``threads`` OpenMP/BLAS threads (and torch intra-op threads) in this process."""
    from threadpoolctl import threadpool_limits

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)  # for libraries loaded later (torch reads it at import)
    threadpool_limits(limits=threads)  # for those already loaded (the forkserver imports numpy)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def _init_worker(threads: int) -> None:
    ignore_sigint()
    limit_threads(threads)


class LocalExecutor(Executor):
    """A local process pool (``concurrent.futures``) of ``jobs`` worker processes.

    Workers start with the ``forkserver`` method where the platform has it and ``spawn``
    otherwise: a forked copy of a driver that already holds threads (rich's progress bar, BLAS
    pools) can deadlock. At most ``2 * jobs`` runs are queued at a time, so an interrupted suite has
    few runs in flight.

    Each worker gets ``cpu_count // jobs`` (at least one) OpenMP/BLAS/torch threads, as Ray gives
    each one-CPU task ``OMP_NUM_THREADS=1``. Without that limit every worker starts one thread
    per core and ``jobs`` workers oversubscribe the machine (torch-heavy runs such as BANANAS'
    ensembles suffer most; on the x11 suite the difference was within noise, see
    docs/measurements.md).
    """

    name = "local"

    def __init__(
        self,
        jobs: int,
        plugins: tuple[str, ...] = (),
        fn: Callable[[dict[str, Any], tuple[str, ...]], Outcome] = execute,
    ) -> None:
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
        self.jobs = jobs
        self.plugins = tuple(plugins)
        self.fn = fn
        methods = multiprocessing.get_all_start_methods()
        self.start_method = "forkserver" if "forkserver" in methods else "spawn"
        self._pool: ProcessPoolExecutor | None = None

    def map(self, cells: Iterable[dict[str, Any]]) -> Iterator[Outcome]:
        from concurrent.futures.process import BrokenProcessPool

        ctx = multiprocessing.get_context(self.start_method)
        threads = max(1, (os.cpu_count() or 1) // self.jobs)
        self._pool = pool = ProcessPoolExecutor(
            max_workers=self.jobs, mp_context=ctx, initializer=_init_worker, initargs=(threads,)
        )
        pending: set[Future[Outcome]] = set()
        queue = iter(cells)
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * self.jobs:
                try:
                    cell = next(queue)
                except StopIteration:
                    exhausted = True
                    break
                pending.add(pool.submit(self.fn, cell, self.plugins))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                try:
                    yield fut.result()
                except BrokenProcessPool as exc:
                    raise ExecutorError(
                        "a worker process died (out of memory or killed?); finished runs are "
                        "stored, rerun with --resume to continue"
                    ) from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def abort(self) -> None:
        """Terminate the workers (SIGTERM, then SIGKILL after ``_GRACE_S``) and drop the pool:
        their runs are lost, nothing of them was written (workers write no files)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            terminate_pool_workers(pool, _GRACE_S)


class RayExecutor(Executor):
    """Ray tasks, one CPU each: a local Ray instance with ``jobs`` CPUs, or the cluster at
    ``address`` (``ray.init(address=...)``; ``"auto"`` finds a running one).

    Only the driver writes result files, so the cluster needs no shared filesystem; benchmark
    paths and plugins must exist on every node (Ray's ``runtime_env`` is the tool for that).
    """

    name = "ray"

    def __init__(
        self,
        jobs: int | None = None,
        address: str | None = None,
        plugins: tuple[str, ...] = (),
        fn: Callable[[dict[str, Any], tuple[str, ...]], Outcome] = execute,
    ) -> None:
        if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
            raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
        self.jobs = jobs
        self.address = address
        self.plugins = tuple(plugins)
        self.fn = fn
        self._started = False
        self._refs: list[Any] = []

    def map(self, cells: Iterable[dict[str, Any]]) -> Iterator[Outcome]:
        try:
            import ray
        except ImportError as exc:
            raise ExecutorError("the Ray executor needs ray: pip install 'nas-sim[ray]'") from exc
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if self.address is None:
                kwargs["num_cpus"] = self.jobs
            try:
                with keep_signal_handlers():
                    ray.init(address=self.address, **kwargs)
            except Exception as exc:  # ray raises ConnectionError, RuntimeError, ValueError …
                where = f"the Ray cluster at {self.address!r}" if self.address else "a local Ray"
                raise ExecutorError(f"could not start {where}: {exc}") from exc
            self._started = True
        task = ray.remote(num_cpus=1, max_retries=0)(self.fn)
        refs = self._refs = [task.remote(cell, self.plugins) for cell in cells]
        while refs:
            # take every result that is ready (at least one): a wait per result would scan the
            # pending list once per run, quadratic in the size of a large suite
            done, refs = ray.wait(refs, num_returns=1)
            if refs:
                more, refs = ray.wait(refs, num_returns=len(refs), timeout=0)
                done += more
            self._refs = refs
            yield from ray.get(done)

    def abort(self) -> None:
        """Cancel every task still queued or running (force: their workers are killed), then
        shut the local Ray instance down as :meth:`close` does."""
        if self._refs:
            import ray

            for ref in self._refs:
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # a task that finished meanwhile, a lost cluster: moving on
                    pass
            self._refs = []
        self.close()

    def close(self) -> None:
        if self._started:
            import ray

            ray.shutdown()
            self._started = False


def make_executor(
    name: str,
    jobs: int | None = None,
    address: str | None = None,
    plugins: tuple[str, ...] = (),
) -> Executor:
    """An executor by name: ``local`` (default ``jobs`` = CPU count), ``ray`` or ``serial``.

    Plugin files are made absolute, since workers may run in another directory.
    """
    from pathlib import Path

    plugins = tuple(str(Path(p).resolve()) if Path(p).is_file() else p for p in plugins)
    if name == "local":
        return LocalExecutor(jobs or os.cpu_count() or 1, plugins)
    if name == "ray":
        return RayExecutor(jobs, address, plugins)
    if name == "serial":
        return SerialExecutor(plugins)
    raise ValueError(f"unknown executor {name!r}; choose from: {', '.join(EXECUTORS)}")

"""SIGINT and SIGTERM as an exception, so long commands shut down cleanly on either.

Cluster schedulers send SIGTERM (then SIGKILL after a grace period) where a terminal sends SIGINT.
Python's default SIGTERM action ends the process at once: no ``finally`` runs, worker processes
are left behind and nothing says how to resume. Inside :func:`signals_raise` both signals raise
:class:`Interrupted` in the main thread, which unwinds through the ``with`` blocks that stop
workers, release locks and remove partial files. A second signal during that shutdown is
ignored, so the cleanup completes (a SIGKILL still ends everything).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A SIGINT or SIGTERM arrived; ``exit_code`` is the shell's ``128 + signal number``."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.signame = signal.Signals(signum).name
        super().__init__(f"interrupted by {self.signame}")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@contextmanager
def signals_raise() -> Iterator[None]:
    """While active (main thread only), SIGINT and SIGTERM raise :class:`Interrupted`."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    fired: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if fired:
            return  # already shutting down: let the cleanup finish
        fired.append(signum)
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@contextmanager
def keep_signal_handlers() -> Iterator[None]:
    """Restore the SIGINT/SIGTERM handlers a library replaced inside the block.

    ``ray.init`` installs its own SIGTERM handler in the driver (it logs a stack dump and exits
    with status 15), which would bypass :func:`signals_raise`: the suite could neither stop its
    tasks nor say how to resume."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.getsignal(s) for s in SIGNALS}
    try:
        yield
    finally:
        for s, h in saved.items():
            if h is not None:  # None: a handler not installed from Python, nothing to restore
                signal.signal(s, h)


def ignore_sigint() -> None:
    """For worker processes: a terminal's Ctrl-C reaches the whole process group, but only the
    driver decides how to stop (it terminates its workers); a worker dying on its own would
    surface as a broken pool instead of a clean shutdown."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def terminate_pool_workers(pool: ProcessPoolExecutor, grace_s: float = 5.0) -> None:
    """Stop a process pool's workers now: SIGTERM, then SIGKILL after ``grace_s``.

    ``shutdown(cancel_futures=True)`` only drops queued work; running workers would finish their
    task and, if the parent is gone, live on as orphans holding memory and cores."""
    # concurrent.futures has no public way to stop running workers before Python 3.14
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=grace_s)
        if p.is_alive():
            p.kill()
            p.join(timeout=grace_s)

"""One writer per suite folder: an exclusive lock on the folder, naming its holder.

Two ``nas-sim suite`` processes on the same ``--out`` would both run every run (the results stay
byte-identical, but the work is done twice, unseen on a shared filesystem). The driver holds an
operating-system lock (``filelock``, ``flock`` on POSIX) on ``.lock`` in the folder for as long as
it writes there, and records who holds it in ``.lock-holder.json`` (host, pid, start time) so a
second writer is refused with a message naming the holder.

A process killed with ``kill -9`` cannot release anything itself; the operating system drops its
lock when the process ends, so the next writer takes the lock and overwrites the stale holder
record: a lock is never left behind.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from nas_sim.atomic import atomic_write_text

LOCK_NAME = ".lock"
HOLDER_NAME = ".lock-holder.json"


class SuiteLockedError(RuntimeError):
    """Another process writes to the suite folder; the message names it."""


def describe_holder(folder: Path) -> str:
    """``pid P on host H since T`` from the holder record, or what is known without it."""
    try:
        h = json.loads((folder / HOLDER_NAME).read_text())
        return f"pid {h['pid']} on host {h['host']!r}, started {h['started_utc']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not recorded itself yet"


class SuiteLock:
    """``with SuiteLock(folder):`` — hold the folder's lock or raise :class:`SuiteLockedError`."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self._lock = FileLock(str(self.folder / LOCK_NAME), timeout=0)

    def acquire(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            raise SuiteLockedError(
                f"the suite folder {str(self.folder)!r} is in use by another nas-sim suite "
                f"({describe_holder(self.folder)}); wait for it to finish or stop it, or choose "
                "another --out directory"
            ) from None
        holder = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        atomic_write_text(self.folder / HOLDER_NAME, json.dumps(holder, sort_keys=True) + "\n")

    def release(self) -> None:
        if self._lock.is_locked:
            (self.folder / HOLDER_NAME).unlink(missing_ok=True)
            self._lock.release()

    def __enter__(self) -> SuiteLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

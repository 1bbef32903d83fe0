"""Progress bars and log levels shared by every long command.

Commands report progress through :func:`steps` (a rich bar on stderr that disappears when done,
nothing when quiet or when stderr is not a terminal) and say what they do with the ``logging``
module under the ``nas_sim`` logger. ``nas-sim -v`` shows INFO messages, ``-vv`` DEBUG, ``-q``
only errors; the default shows warnings.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger("nas_sim")

#: set by ``nas-sim -q``: no progress bars either
QUIET = {"value": False}
#: the open bars, innermost last: library code reports counts with :func:`tick` without
#: knowing whether (or how) a command shows them
_open: list[Callable[[int, int | None, str | None], None]] = []


def tick(done: int, total: int | None = None, what: str | None = None) -> None:
    """Library code's progress report: ``done`` of ``total`` (None: unknown) units of ``what``.
    Moves the innermost open bar, if a command opened one; logs at DEBUG level."""
    log.debug("%s: %d of %s", what or "progress", done, "?" if total is None else total)
    if _open:
        _open[-1](done, total, what)


def configure_logging(verbose: int, quiet: bool) -> None:
    """One stderr handler on the ``nas_sim`` logger at the level ``-v``/``-q`` asked for."""
    level = (
        logging.ERROR
        if quiet
        else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    )
    QUIET["value"] = quiet
    for h in list(log.handlers):
        if getattr(h, "_nas_sim", False):
            log.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler._nas_sim = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


@contextmanager
def steps(
    description: str, total: int | None, *, quiet: bool = False
) -> Iterator[Callable[..., None]]:
    """A progress bar of ``total`` steps; yields ``advance(n=1, description=None)``."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=quiet or QUIET["value"] or not console.is_terminal,
    )
    with bar:
        task = bar.add_task(description, total=total)

        def advance(n: int = 1, description: str | None = None) -> None:
            if description is not None:
                bar.update(task, description=description)
            bar.advance(task, n)

        def on_tick(done: int, of: int | None, what: str | None) -> None:
            label = description if what is None else f"{description}: {what}"
            bar.update(task, completed=done, total=of, description=label)

        _open.append(on_tick)
        try:
            yield advance
        finally:
            _open.remove(on_tick)


def shows_progress(description: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Run a command under an open-ended progress bar (elapsed time), for commands whose work
    has no natural count; they say what they do through the log (``-v``)."""
    import functools

    def deco(fn: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(fn)
        def run(*args: object, **kwargs: object) -> None:
            with steps(description, None):
                fn(*args, **kwargs)

        return run

    return deco

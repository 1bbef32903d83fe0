"""Tables for people and for logs: a rich table on a terminal, a plain full-precision one
elsewhere.

On a terminal rich fits a table to the window, so long values are folded and numbers rounded
for reading. Piped into a file or a CI log there is no window to fit: rich would cut every cell
to the default 80 columns (``0.2…``), which makes the log useless. Off a terminal we print
plain aligned columns with every value in full (floats as ``repr``, which round-trips).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO


def full_text(value: Any) -> str:
    """A value as plain text with nothing lost: floats round-trip, None is ``-``."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def print_table(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    short: Callable[[Any], str] = full_text,
    header: bool = True,
    file: TextIO | None = None,
) -> None:
    """Print ``rows`` under ``columns``: on a terminal as a rich table with cells formatted by
    ``short`` (folded, never truncated), otherwise as plain text in full precision."""
    out = file or sys.stdout
    if out.isatty():
        from rich.console import Console
        from rich.table import Table

        t = Table(title=title, show_header=header)
        for i, c in enumerate(columns):
            t.add_column(c, overflow="fold", no_wrap=i == 0, justify="left" if i == 0 else "right")
        for r in rows:
            t.add_row(*(short(v) for v in r))
        Console(file=out).print(t)
        return
    cells = [[full_text(v) for v in r] for r in rows]
    grid = ([list(columns)] if header else []) + cells
    widths = [max(len(line[i]) for line in grid) for i in range(len(columns))] if grid else []
    print(title, file=out)
    for line in grid:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip(), file=out)

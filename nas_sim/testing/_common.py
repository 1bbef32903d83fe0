"""What every contract kit shares: the error, the skip, and the pytest-friendly check decorator."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any


class ContractError(AssertionError):
    """A plugin broke its contract; the message says which rule and how."""


class CheckSkipped(Exception):
    """A check that cannot run for this plugin (e.g. no importable name)."""


def _skip(reason: str) -> None:
    raise CheckSkipped(reason)


def _check(fn: Callable[..., None]) -> Callable[..., None]:
    """A check callable from pytest: CheckSkipped becomes a pytest skip there. The ``check_*``
    runners call the undecorated function (``__wrapped__``) and collect skips."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except CheckSkipped as exc:
            if "pytest" not in sys.modules:
                raise
            import pytest

            pytest.skip(str(exc))

    return run


def run_checks(
    what: object, checks: tuple[Callable[..., None], ...], *args: Any, **kwargs: Any
) -> list[str]:
    """Run ``checks`` on ``what``; raise :class:`ContractError` listing every failure, return the
    skipped checks with their reasons."""
    failures, skipped = [], []
    for check in checks:
        try:
            getattr(check, "__wrapped__", check)(*args, **kwargs)
        except CheckSkipped as exc:
            skipped.append(f"{check.__name__}: {exc}")
        except ContractError as exc:
            failures.append(f"{check.__name__}: {exc}")
    if failures:
        raise ContractError(
            f"{len(failures)} contract check(s) failed for {what!r}:\n- " + "\n- ".join(failures)
        )
    return skipped

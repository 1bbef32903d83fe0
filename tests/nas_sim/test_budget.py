from __future__ import annotations

import pytest

from nas_sim.budget import Budget, parse_budget


def test_parse_seconds_and_multiples() -> None:
    assert parse_budget("3600") == Budget(seconds=3600.0)
    assert parse_budget(12.5) == Budget(seconds=12.5)
    assert parse_budget("100x") == Budget(multiple=100.0)
    assert parse_budget(" 2.5X ") == Budget(multiple=2.5)
    assert parse_budget("100x").resolve_s(10.0) == 1000.0
    assert str(parse_budget("100x")) == "100x"


@pytest.mark.parametrize("bad", ["0", "-1", "0x", "-2x", "nan", "inf", "abc", "", "x"])
def test_bad_budgets(bad: str) -> None:
    with pytest.raises(ValueError, match="budget"):
        parse_budget(bad)

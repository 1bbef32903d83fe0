"""bench/bench_optimizers.py rejects a bad frozen-surrogate class count with a clear message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "bench_optimizers.py"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("frozen-surrogate:abc", "whole number of classes N, got 'abc'"),
        ("frozen-surrogate:0", "needs 1 <= N <= 6466, got 0"),
    ],
)
def test_bad_frozen_surrogate_size_is_a_clear_error(spec: str, message: str) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--benchmark", spec, "--seeds", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=SCRIPT.parents[1],
    )
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr

"""What the docs say about the shipped data matches the shipped data."""

from __future__ import annotations

import re
from pathlib import Path

from nas_sim import api
from nas_sim.benchmarks.covered_subspace import CoveredSubspace

ROOT = Path(__file__).resolve().parents[1]


def _texts() -> dict[str, str]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    files += sorted(
        p for d in ("nas_sim", "optimizers", "lce", "benchmarks") for p in (ROOT / d).rglob("*.py")
    )
    return {str(p.relative_to(ROOT)): p.read_text() for p in files}


def test_embedded_set_is_complete_and_no_text_says_otherwise() -> None:
    bench = api.load_benchmark("mnist1d")
    assert not isinstance(bench.space, CoveredSubspace)
    assert len(bench.space.unique_architectures()) == 6466
    stale = re.compile(r"embedded[^.]{0,80}(a few hundred|several hundred)", re.I | re.S)
    claims = {name: m.group(0) for name, text in _texts().items() if (m := stale.search(text))}
    assert claims == {}


def test_ci_ends_with_the_readme_test_command_and_runs_ruff_and_mypy() -> None:
    ci = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    readme = (ROOT / "README.md").read_text()
    test_cmd = re.search(r"Install and run the tests.*?```bash\n(.+?)\n```", readme, re.S)
    assert test_cmd is not None
    assert ci[-1] == test_cmd.group(1).strip()
    assert "ruff check ." in ci and "ruff format --check ." in ci and "bash .ci/mypy" in ci


def test_docs_speak_about_the_project_itself() -> None:
    """No text points users to files outside the repository (the shared data folder, a formats
    spec that is not shipped) or to the issues it was written from."""
    outside = re.compile(r"upstream-formats|\.\./shared|the issue|issue's|issue-\d", re.I)
    hits = {name: m.group(0) for name, text in _texts().items() if (m := outside.search(text))}
    assert hits == {}


def test_measurement_history_is_in_measurements_md() -> None:
    """Figures from early snapshots of the embedded set live in docs/measurements.md only."""
    stale = re.compile(r"41 cells|when generation finishes|generation still running", re.I)
    hits = {
        name: m.group(0)
        for name, text in _texts().items()
        if name != "docs/measurements.md" and (m := stale.search(text))
    }
    assert hits == {}

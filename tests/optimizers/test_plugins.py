"""Custom optimizers: the template file and the example plugin package pass the contract."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import tomllib

from nas_sim import api, registry
from nas_sim.testing import ContractError, check_optimizer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PLUGIN_ROOT = EXAMPLES / "nas_sim_example_plugin"


@pytest.fixture(autouse=True)
def _restore_registry():  # type: ignore[no-untyped-def]
    """Plugins registered here must not leak into other tests' name lists."""
    before = dict(registry._registered["optimizer"])
    yield
    registry._registered["optimizer"].clear()
    registry._registered["optimizer"].update(before)


def test_template_registers_and_passes_the_contract(synthetic_set_path: Path) -> None:
    template = str(EXAMPLES / "optimizer_template.py")
    registry.load_plugin(template)
    assert "my-greedy-mutation" in registry.names("optimizer")
    skipped = check_optimizer(
        "my-greedy-mutation", synthetic_set_path, plugins=[template], n_jobs=25
    )
    assert skipped == []


def test_readme_example_passes_the_contract(synthetic_set_path: Path) -> None:
    example = str(EXAMPLES / "my_optimizer.py")
    assert check_optimizer("greedy", synthetic_set_path, plugins=[example], n_jobs=20) == []


def test_example_package_entry_point_and_contract(
    synthetic_set_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what `pip install` would do: put the package on the path, register its entry point
    monkeypatch.syspath_prepend(str(PLUGIN_ROOT))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(PLUGIN_ROOT), os.environ.get("PYTHONPATH", "")])
    )
    meta = tomllib.loads((PLUGIN_ROOT / "pyproject.toml").read_text())
    target = meta["project"]["entry-points"]["nas_sim.optimizers"]["tournament"]
    module, _, attr = target.partition(":")
    cls = getattr(__import__(module, fromlist=[attr]), attr)
    registry.register("optimizer", "tournament")(cls)
    r = api.run(synthetic_set_path, "tournament", budget="1000x", max_jobs=30)
    assert r.summary.jobs == 30
    assert check_optimizer(cls, synthetic_set_path, n_jobs=25) == []
    with pytest.raises(ValueError, match="tournament_size"):
        cls(population_size=3, tournament_size=4)


def test_a_broken_optimizer_fails_with_named_rules(synthetic_set_path: Path) -> None:
    from tests.optimizers.broken import GlobalRandomSearch

    with pytest.raises(ContractError) as err:
        check_optimizer(GlobalRandomSearch, synthetic_set_path, n_jobs=10)
    text = str(err.value)
    assert "check_deterministic" in text and "check_requests_valid" not in text
    assert sys.modules["tests.optimizers.broken"]  # importable, so the fresh process ran too


def test_unimportable_optimizers_skip_only_the_fresh_process_check(
    synthetic_set_path: Path,
) -> None:
    from nas_sim.optimizers.random_search import RandomSearch

    class Local(RandomSearch):  # defined in a function: a fresh process cannot import it
        pass

    skipped = check_optimizer(Local, synthetic_set_path, n_jobs=10)
    assert len(skipped) == 1 and skipped[0].startswith("check_reproducible_in_fresh_process")


def _readme_block(start: str) -> str:
    import re

    readme = (EXAMPLES.parent / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    found = [b for b in blocks if b.startswith(start)]
    assert len(found) == 1, f"README has no single python block starting {start!r}"
    return found[0]


def test_readme_contract_example_passes_pasted_alone_into_a_user_project(tmp_path: Path) -> None:
    """Pasted into a user's project with its own `tests/` package (and the README's plugin file
    next to it), the README's contract example passes in a fresh pytest process."""
    import shutil
    import subprocess

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / "examples").mkdir()
    shutil.copy(EXAMPLES / "my_optimizer.py", tmp_path / "examples" / "my_optimizer.py")
    code = _readme_block("import pytest\nfrom nas_sim.testing import OPTIMIZER_CHECKS")
    (tmp_path / "tests" / "test_contract.py").write_text(code)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "8 passed" in proc.stdout


@pytest.mark.parametrize("check_name", ["check_requests_valid", "check_stopped_results"])
def test_each_check_loads_the_plugins_it_is_given(tmp_path: Path, check_name: str) -> None:
    """One check alone, first thing in a fresh process, loads its plugins (it used to ignore
    them and fail with `unknown optimizer`)."""
    import subprocess

    code = (
        f"from nas_sim.testing.optimizers import {check_name} as check\n"
        f"check('greedy', 'mnist1d', plugins=[{str(EXAMPLES / 'my_optimizer.py')!r}], n_jobs=15)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

"""The wheel installs one namespace, ``nas_sim``: the plugin folders as its subpackages, no tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_FOLDERS = {
    "optimizers": "nas_sim/optimizers",
    "lce": "nas_sim/lce",
    "benchmarks": "nas_sim/benchmarks",
    "suites": "nas_sim/suites",
}
_SKIP_EVERYWHERE = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*_cache")
_SKIP_AT_ROOT = {".git", ".ci-venv", ".venv", "build", "dist", "results"}


def _skip(folder: str, names: list[str]) -> set[str]:
    skipped = set(_SKIP_EVERYWHERE(folder, names))
    return skipped | (_SKIP_AT_ROOT & set(names) if Path(folder) == ROOT else set())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the checkout (building in place would leave an ``*.egg-info``
    in the repository root that shadows the editable install's entry points)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=_skip)
    out = tmp / "dist"
    out.mkdir()
    code = "import sys, setuptools.build_meta as b; print(b.build_wheel(sys.argv[1]))"
    subprocess.run([sys.executable, "-c", code, str(out)], cwd=src, check=True, capture_output=True)
    (path,) = out.glob("*.whl")
    return path


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        return z.namelist()


def _read(wheel: Path, suffix: str) -> str:
    with zipfile.ZipFile(wheel) as z:
        (name,) = [n for n in z.namelist() if n.endswith(suffix)]
        return z.read(name).decode()


def test_top_level_is_nas_sim_alone(wheel: Path) -> None:
    assert _read(wheel, ".dist-info/top_level.txt").split() == ["nas_sim"]
    tops = {n.split("/")[0] for n in _names(wheel)}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"nas_sim"}


def test_every_module_and_data_file_is_in_the_namespace(wheel: Path) -> None:
    names = set(_names(wheel))
    expected = {str(p.relative_to(ROOT)) for p in (ROOT / "nas_sim").rglob("*.py")}
    for folder, target in PLUGIN_FOLDERS.items():
        for p in (ROOT / folder).rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts:
                expected.add(f"{target}/{p.relative_to(ROOT / folder)}")
    assert expected - names == set()
    assert not [n for n in names if n.startswith("nas_sim/tests") or "/tests/" in n]


def test_entry_points_load_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    """Unpacked alone on the path (outside the checkout), every entry point of the wheel loads."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    eps = _read(wheel, ".dist-info/entry_points.txt")
    targets = [
        line.split("=", 1)[1].strip()
        for line in eps.splitlines()
        if "=" in line and not line.startswith("[")
    ]
    assert targets and all(t.startswith("nas_sim.") for t in targets), targets
    code = (
        "import importlib, json, sys\n"
        "import nas_sim\n"
        "assert nas_sim.__file__.startswith(sys.argv[1]), nas_sim.__file__\n"
        "for t in json.loads(sys.argv[2]):\n"
        "    mod, _, attr = t.partition(':')\n"
        "    m = importlib.import_module(mod)\n"
        "    assert m.__file__.startswith(sys.argv[1]), m.__file__\n"
        "    getattr(m, attr)\n"
        "for bare in ('optimizers', 'lce', 'benchmarks', 'tests'):\n"
        "    try:\n"
        "        importlib.import_module(bare)\n"
        "    except ImportError:\n"
        "        continue\n"
        "    raise SystemExit(f'{bare} is importable')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    res = subprocess.run(
        [sys.executable, "-c", code, str(site), json.dumps(targets)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr


def test_suite_presets_ship_in_the_wheel(wheel: Path, tmp_path: Path) -> None:
    """Outside a checkout, `nas-sim suite` finds the presets in the installed package."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    code = (
        "import sys\n"
        "from nas_sim.suite.cli import PRESET_DIR, resolve_suite_file\n"
        "assert str(PRESET_DIR).startswith(sys.argv[1]), PRESET_DIR\n"
        "print(resolve_suite_file('quick_mnist1d').name)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, str(site)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "quick_mnist1d.toml"


def test_built_in_optimizers_import_from_the_namespace() -> None:
    """``from nas_sim.optimizers import RegularizedEvolution`` works for every built-in."""
    from importlib.metadata import entry_points

    import nas_sim.optimizers

    built_in = [
        ep for ep in entry_points(group="nas_sim.optimizers") if ep.value.startswith("nas_sim.")
    ]
    assert built_in
    for ep in built_in:
        cls = ep.load()
        assert getattr(nas_sim.optimizers, cls.__name__) is cls
        assert cls.__name__ in nas_sim.optimizers.__all__

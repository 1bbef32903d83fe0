"""Suite files: grid expansion and clear errors for malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from nas_sim import registry
from nas_sim.benchmarks.curve_set import write_curve_set
from nas_sim.benchmarks.synthetic import synthetic_nb201_set
from nas_sim.suite.parse import load_suite, parse_suite
from nas_sim.suite.spec import SuiteSpecError

PLUGINS = Path(__file__).with_name("suite_plugins.py")


@pytest.fixture(scope="module")
def bench_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "syn.parquet"
    write_curve_set(synthetic_nb201_set(60, 1, 8), path)
    registry.load_plugin(str(PLUGINS))
    return path


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


BASE = """
[suite]
name = "t"
seeds = 3
budget = ["10x", "20x"]
workers = [1, 2]
e_few = [2, 4]

[[benchmark]]
path = "{bench}"
label = "syn"

[[optimizer]]
name = "rs"

[[optimizer]]
name = "rea"
lce = ["none", "test-last"]

[[optimizer]]
name = "test-multi-fidelity"
"""


def test_grid_expansion_counts_and_axes(tmp_path: Path, bench_path: Path) -> None:
    spec = load_suite(write(tmp_path, BASE.format(bench=bench_path)))
    cells = spec.expand()
    # rs, rea, mf: 1 cell each per (budget, workers, seed); rea-lce: one per e_few
    per = 2 * 2 * 3
    assert len(cells) == per * (1 + 1 + 1 + 2)
    lce = [c for c in cells if c.lce is not None]
    assert {c.e_few for c in lce} == {2, 4} and all(c.optimizer == "rea" for c in lce)
    assert all(c.e_few is None for c in cells if c.lce is None)
    assert {c.label for c in cells} == {
        "rs",
        "rea",
        "rea-test-last(E=2)",
        "rea-test-last(E=4)",
        "test-multi-fidelity",
    }
    assert len({c.run_id for c in cells}) == len(cells)
    assert {c.budget for c in cells} == {"10x", "20x"} and {c.workers for c in cells} == {1, 2}
    assert cells[0].benchmark == str(bench_path.resolve())


def test_run_ids_and_hash_are_stable_and_content_derived(tmp_path: Path, bench_path: Path) -> None:
    a = load_suite(write(tmp_path, BASE.format(bench=bench_path)))
    b = load_suite(write(tmp_path, BASE.format(bench=bench_path), "copy.toml"))
    assert [c.run_id for c in a.expand()] == [c.run_id for c in b.expand()]
    assert a.spec_hash() == b.spec_hash()
    c = load_suite(
        write(
            tmp_path, BASE.format(bench=bench_path).replace("seeds = 3", "seeds = 4"), "more.toml"
        )
    )
    assert c.spec_hash() != a.spec_hash()
    assert {x.run_id for x in a.expand()} < {x.run_id for x in c.expand()}


def test_multi_fidelity_optimizer_ignores_suite_wide_lce(tmp_path: Path, bench_path: Path) -> None:
    text = BASE.format(bench=bench_path).replace(
        "e_few = [2, 4]", 'e_few = [2]\nlce = ["none", "test-last"]'
    )
    cells = load_suite(write(tmp_path, text)).expand()
    mf = [c for c in cells if c.optimizer == "test-multi-fidelity"]
    assert mf and all(c.lce is None for c in mf)
    assert any(c.lce == "test-last" and c.optimizer == "rs" for c in cells)


def test_per_benchmark_budget_and_lce_options_merge(tmp_path: Path, bench_path: Path) -> None:
    text = f"""
[suite]
seeds = [5, 7]
[lce]
top_fraction = 0.5
[lce.params.test-last]
scale = 2.0
[[benchmark]]
path = "{bench_path}"
label = "syn"
budget = 1000
e_few = 3
lce_options = {{ target_epoch = 6 }}
[[optimizer]]
name = "rea"
lce = ["test-last"]
lce_options = {{ top_fraction = 0.2 }}
"""
    cells = load_suite(write(tmp_path, text)).expand()
    assert [c.seed for c in cells] == [5, 7]
    cell = cells[1]
    assert cell.budget == "1000s" and cell.e_few == 3
    assert cell.lce_options == {"top_fraction": 0.2, "target_epoch": 6}
    assert cell.lce_params == {"scale": 2.0}


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (
            lambda t: t.replace('name = "t"', 'name = "t"\nbugdet = 3'),
            "[suite] bugdet: unknown key",
        ),
        (lambda t: t + "\n[extra]\nx = 1\n", "the top level extra: unknown key"),
        (lambda t: t.replace('name = "rs"', 'name = "rss"'), "unknown optimizer 'rss'"),
        (
            lambda t: t.replace('name = "rs"', 'name = "rs"\nparms = {}'),
            "[[optimizer]] #1 parms: unknown key",
        ),
        (lambda t: t.replace("seeds = 3", "seeds = 0"), "[suite] seeds: empty grid"),
        (lambda t: t.replace("seeds = 3", "seeds = []"), "[suite] seeds: empty grid"),
        (lambda t: t.replace("workers = [1, 2]", "workers = []"), "[suite] workers: empty grid"),
        (
            lambda t: t.replace('budget = ["10x", "20x"]', 'budget = ["ten"]'),
            "[suite] budget: invalid budget 'ten'",
        ),
        (
            lambda t: t.replace('lce = ["none", "test-last"]', 'lce = ["nope"]'),
            "[[optimizer]] #2 lce: unknown LCE method 'nope'",
        ),
        (
            lambda t: t.replace('lce = ["none", "test-last"]', "lce = []"),
            "[[optimizer]] #2 lce: empty grid",
        ),
        (
            lambda t: t.replace('name = "rea"', 'name = "rea"\nparams = { population_size = 0 }'),
            "[[optimizer]] #2 params: invalid parameters for optimizer 'rea'",
        ),
        (
            lambda t: t.replace(
                'name = "test-multi-fidelity"', 'name = "test-multi-fidelity"\nlce = ["test-last"]'
            ),
            "is multi-fidelity",
        ),
        (
            lambda t: t.replace('label = "syn"', 'label = "syn"\nname = "mnist1d"'),
            "give exactly one of name",
        ),
        (
            lambda t: t.replace('name = "t"', 'name = "t"\noverhead = "x"'),
            "unknown overhead mode 'x'",
        ),
        (
            lambda t: t + '\n[[optimizer]]\nname = "rs"\n',
            "optimizer labels must be unique, 'rs' is used 2 times",
        ),
        (lambda t: t.split("[[optimizer]]")[0], "[[optimizer]]: empty grid"),
        (lambda t: t.replace("[suite]", "[suite]\nseeds = 1\n"), "not valid TOML"),
    ],
)
def test_malformed_files_name_the_file_and_key(
    tmp_path: Path, bench_path: Path, edit: object, fragment: str
) -> None:
    path = write(tmp_path, edit(BASE.format(bench=bench_path)))  # type: ignore[operator]
    with pytest.raises(SuiteSpecError) as info:
        load_suite(path)
    msg = str(info.value)
    assert fragment in msg
    assert str(path) in msg


def test_missing_benchmark_path_says_what_is_required(tmp_path: Path, bench_path: Path) -> None:
    text = """
[suite]
[[benchmark]]
label = "nb201"
path = "${NAS_SIM_TEST_NO_SUCH_VAR}/nb201.parquet"
requires = "Build it with `nas-sim import nb201 ...`."
[[optimizer]]
name = "rs"
"""
    path = write(tmp_path, text)
    with pytest.raises(SuiteSpecError, match="NAS_SIM_TEST_NO_SUCH_VAR") as info:
        load_suite(path)
    assert "nas-sim import nb201" in str(info.value) and "--benchmark-path nb201=PATH" in str(
        info.value
    )
    missing = write(tmp_path, text.replace("${NAS_SIM_TEST_NO_SUCH_VAR}", "nowhere"), "m.toml")
    with pytest.raises(SuiteSpecError, match="does not exist.*nas-sim import nb201"):
        load_suite(missing)
    spec = load_suite(path, benchmark_paths={"nb201": str(bench_path)})
    assert spec.benchmarks[0].ref == str(bench_path.resolve())
    with pytest.raises(SuiteSpecError, match="no benchmark labelled 'nb999'"):
        load_suite(path, benchmark_paths={"nb201": str(bench_path), "nb999": str(bench_path)})


def test_unknown_benchmark_name_lists_choices() -> None:
    data = {"suite": {}, "benchmark": [{"name": "mnist2d"}], "optimizer": [{"name": "rs"}]}
    with pytest.raises(
        SuiteSpecError,
        match=r"my.toml: \[\[benchmark\]\] #1 name: unknown benchmark 'mnist2d'; choose from: .*mnist1d",
    ):
        parse_suite(data, source="my.toml")


def test_missing_suite_file() -> None:
    with pytest.raises(SuiteSpecError, match="does not exist"):
        load_suite("/nonexistent/suite.toml")


def test_presets_parse_or_explain_what_is_missing() -> None:
    presets = sorted((Path(__file__).resolve().parents[2] / "suites").glob("*.toml"))
    assert {p.stem for p in presets} >= {"x11_mnist1d", "x11_nb201", "x11_nb311", "x11_nlp11"}
    for p in presets:
        try:
            spec = load_suite(p)
        except SuiteSpecError as exc:
            # only a user-built benchmark or a plugin not installed yet may be missing
            assert str(p) in str(exc)
            assert any(
                s in str(exc)
                for s in ("NAS_SIM_", "unknown optimizer", "unknown LCE", "does not exist")
            )
            continue
        if p.stem.startswith("x11_"):  # the paper's setups: 30 trials
            assert len(spec.seeds) == 30


def test_a_method_that_cannot_be_checked_does_not_skip_later_cells(
    tmp_path: Path, bench_path: Path
) -> None:
    """``test-unloadable`` cannot be created, so its cells cannot be validated; the ``last`` cells
    after it still are, so their bad option is reported at load time, not as failed runs."""
    text = BASE.format(bench=bench_path).replace(
        'lce = ["none", "test-last"]',
        'lce = ["none", "test-unloadable", "last"]\n'
        "lce_options = { last = { top_fraction = 5.0 } }",
    )
    with pytest.raises(SuiteSpecError, match="top_fraction"):
        load_suite(write(tmp_path, text))

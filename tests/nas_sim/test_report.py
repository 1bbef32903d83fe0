"""Reports: statistics against direct computations, the HTML page, JSON and the CLI."""

from __future__ import annotations

import base64
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.stats import wilcoxon

from nas_sim import registry
from nas_sim.benchmarks.curve_set import write_curve_set
from nas_sim.benchmarks.synthetic import synthetic_nb201_set
from nas_sim.benchmarks.tabular import TabularBenchmark
from nas_sim.cli import main
from nas_sim.report import build_report, render_html
from nas_sim.report.data import Setting
from nas_sim.report.stats import average_ranks, final_table, wilcoxon_pairs
from nas_sim.results import load_result
from nas_sim.suite import load_suite, make_executor, run_suite

PLUGINS = Path(__file__).with_name("suite_plugins.py")


@pytest.fixture(scope="module")
def suite_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    bench = root / "syn.parquet"
    write_curve_set(synthetic_nb201_set(80, 3, 10), bench)
    registry.load_plugin(str(PLUGINS))
    (root / "s.toml").write_text(f"""
[suite]
name = "rep"
seeds = 6
budget = "40x"
e_few = [3]
[lce]
wrapper = "tests.nas_sim.suite_plugins:RecordingLCE"
[[benchmark]]
path = "{bench}"
label = "syn"
[[benchmark]]
path = "{bench}"
label = "syn-short"
budget = "15x"
[[optimizer]]
name = "rs"
[[optimizer]]
name = "rea"
params = {{ population_size = 5, sample_size = 3 }}
lce = ["none", "test-last"]
[[optimizer]]
name = "test-boom"
params = {{ after = 1 }}
""")
    run_suite(load_suite(root / "s.toml"), root / "out", make_executor("serial"))
    return root / "out"


def _setting(final: dict[str, dict[int, float]]) -> Setting:
    return Setting(name="x", benchmark="x", metric="regret", results=[], final=final)


def test_average_ranks_share_ties_and_average_over_settings() -> None:
    a = _setting({"p": {0: 1.0, 1: 1.0}, "q": {0: 2.0, 1: 2.0}, "r": {0: 2.0, 1: 2.0}})
    b = _setting({"p": {0: 3.0}, "q": {0: 1.0}, "r": {0: 2.0}})
    assert average_ranks([a, b]) == {"p": 2.0, "q": 1.75, "r": 2.25}


def test_wilcoxon_pairs_match_scipy_paired_by_seed() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=12)
    y = x + 0.5 + rng.normal(scale=0.3, size=12)
    # q lacks seed 11 and has an extra seed 99: only the 11 shared seeds are paired
    s = _setting(
        {
            "p": {i: x[i] for i in range(12)},
            "q": {**{i: y[i] for i in range(11)}, 99: 5.0},
            "same": {i: x[i] for i in range(12)},
        }
    )
    tests = {(t.a, t.b): t for t in wilcoxon_pairs(s)}
    t = tests[("p", "q")]
    assert t.n == 11 and t.p_value == pytest.approx(wilcoxon(x[:11], y[:11]).pvalue)
    assert t.median_diff < 0 and t.a_wins + t.b_wins == 11
    assert math.isnan(tests[("p", "same")].p_value)  # identical results: no test


def test_final_table_matches_the_result_files(suite_dir: Path) -> None:
    rep = build_report(suite_dir, with_figures=False)
    regrets = [
        load_result(p).summary.regret
        for p in sorted((suite_dir / "runs").glob("*.json"))
        if load_result(p).config["label"] == "rs"
        and load_result(p).config["benchmark_label"] == "syn"
    ]
    cell = rep.data["final"]["rs"]["syn"]
    assert cell["n"] == 6 == len(regrets)
    assert cell["mean"] == pytest.approx(np.mean(regrets))
    assert cell["std"] == pytest.approx(np.std(regrets, ddof=1))
    assert rep.data["runs"] == {"planned": 48, "finished": 36, "failed": 12}
    assert {f["label"] for f in rep.data["failures"]} == {"test-boom"}
    assert [s["name"] for s in rep.data["settings"]] == ["syn", "syn-short"]
    json.dumps(rep.data, allow_nan=False)  # standard JSON
    lce = rep.data["lce"]["syn"]
    assert [r["label"] for r in lce] == ["rea", "rea-test-last(E=3)"] and lce[1]["vs_base_pct"] == 0


def test_html_is_self_contained_with_figures_and_tables(suite_dir: Path) -> None:
    rep = build_report(suite_dir, surrogate="no-such-surrogate")
    html = render_html(rep)
    assert set(rep.figures) == {"anytime-0", "anytime-1", "lce-0", "lce-1", "ranks-0", "ranks-1"}
    for png in rep.figures.values():
        assert png.startswith(b"\x89PNG")
    assert html.count("data:image/png;base64,") == 6
    assert base64.b64encode(rep.figures["anytime-0"]).decode() in html
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "Final values and average ranks" in html and "Wilcoxon" in html
    # the suite never ran on the surrogate: no learning-curve section, no note about it
    assert "Learning curves" not in html and "no-such-surrogate" not in html
    assert "boom after 1 requests" in html  # failed runs listed with their traceback


def test_learning_curve_figure_only_for_a_suite_that_ran_the_surrogate(
    suite_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "lc.parquet"
    write_curve_set(synthetic_nb201_set(20, 3, 10, seed=1), path)
    registry.register("benchmark", "test-lc-surrogate")(lambda: TabularBenchmark.from_path(path))
    registry.register("benchmark", "test-lc-true")(lambda: TabularBenchmark.from_path(path))
    (tmp_path / "s.toml").write_text("""
[suite]
name = "on-surrogate"
seeds = 2
budget = "10x"
[[benchmark]]
name = "test-lc-surrogate"
[[optimizer]]
name = "rs"
""")
    run_suite(load_suite(tmp_path / "s.toml"), tmp_path / "out", make_executor("serial"))
    rep = build_report(
        tmp_path / "out", surrogate="test-lc-surrogate", true_benchmark="test-lc-true"
    )
    assert rep.figures["learning-curves"].startswith(b"\x89PNG")
    assert not any("Learning-curve" in n for n in rep.data["notes"])
    other = build_report(suite_dir, surrogate="test-lc-surrogate", true_benchmark="test-lc-true")
    assert "learning-curves" not in other.figures


def test_holm_adjusts_like_statsmodels_and_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from nas_sim.report.stats import holm

    ps = [0.01, 0.04, math.nan, 0.03, 0.2]
    # by hand: sorted 0.01, 0.03, 0.04, 0.2 times 4, 3, 2, 1, then the running maximum
    expected = [0.04, 0.09, math.nan, 0.09, 0.2]
    np.testing.assert_allclose(holm(ps), expected)
    monkeypatch.setitem(sys.modules, "statsmodels.stats.multitest", None)  # not installed
    np.testing.assert_allclose(holm(ps), expected)


def test_best_is_claimed_only_when_significant_after_correction() -> None:
    from nas_sim.report.stats import friedman, significantly_best

    rng = np.random.default_rng(0)
    base = rng.normal(size=12)
    close = _setting(
        {"p": dict(enumerate(base)), "q": dict(enumerate(base + 0.01 * rng.normal(size=12)))}
    )
    assert significantly_best(close, wilcoxon_pairs(close)) is None
    clear = _setting(
        {
            "p": dict(enumerate(base)),
            "q": dict(enumerate(base + 1 + 0.1 * rng.normal(size=12))),
            "r": dict(enumerate(base + 2 + 0.1 * rng.normal(size=12))),
        }
    )
    tests = wilcoxon_pairs(clear)
    assert all(t.p_holm >= t.p_value for t in tests)
    assert significantly_best(clear, tests) == "p"
    f = friedman(clear)
    assert f is not None and f.ranks == {"p": 1.0, "q": 2.0, "r": 3.0} and f.p_value < 1e-4
    # Nemenyi's CD for k = 3, N = 12 at alpha 0.05: q = 2.343 (Demsar 2006, Table 5)
    assert f.cd == pytest.approx(2.343 * math.sqrt(3 * 4 / (6 * 12)), rel=1e-3)


def test_report_says_in_words_when_nothing_is_significant(suite_dir: Path) -> None:
    rep = build_report(suite_dir, with_figures=False)
    html = render_html(rep)
    if None in rep.data["significantly_best"].values():
        assert "No optimizer is significantly better than all others" in html
    assert "Holm" in html and "Mean ± standard error" in html
    assert "class='best'" not in html or any(rep.data["significantly_best"].values())


def test_plot_keeps_configurations_apart_and_shows_zero_regret(tmp_path: Path) -> None:
    """Runs of one optimizer with other budgets or worker counts are separate lines, and a
    regret of 0 stays on the axis (symlog)."""
    from nas_sim import api
    from nas_sim.plots import configuration_labels

    bench = api.load_benchmark("synthetic")
    runs = [api.run(bench, "rs", seed=s, budget="20x") for s in (0, 1)]
    runs.append(api.run(bench, "rs", seed=0, budget="20x", workers=2))
    labels = configuration_labels(runs)
    assert labels[0] == labels[1] != labels[2] and "n_workers=2" in labels[2]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nas_sim.plots import use_symlog_if_needed

    fig, ax = plt.subplots()
    ax.set_ylabel("test regret")
    use_symlog_if_needed(ax, [0.0, 0.02, 0.1])
    assert ax.get_yscale() == "symlog" and "symlog" in ax.get_ylabel()
    plt.close(fig)


def test_report_and_suite_cli(suite_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    html = tmp_path / "r.html"
    res = runner.invoke(
        main,
        [
            "report",
            str(suite_dir),
            "-o",
            str(html),
            "--json",
            "-",
            "--export",
            str(tmp_path / "runs.parquet"),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["suite"] == "rep" and html.read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "runs.parquet").stat().st_size > 0
    res = runner.invoke(main, ["suite", "export", str(suite_dir), "--out", str(tmp_path / "r.csv")])
    assert res.exit_code == 0 and (tmp_path / "r.csv").read_text().startswith("run_id,")
    res = runner.invoke(main, ["report", str(tmp_path)])
    assert res.exit_code == 1 and "not a suite directory" in res.output


def test_suite_cli_runs_and_reports_malformed_files(tmp_path: Path) -> None:
    bench = tmp_path / "syn.parquet"
    write_curve_set(synthetic_nb201_set(40, 1, 6), bench)
    good = tmp_path / "ok.toml"
    good.write_text(
        f'[suite]\nseeds = 2\nbudget = "10x"\n[[benchmark]]\npath = "{bench}"\n'
        '[[optimizer]]\nname = "rs"\n'
    )
    runner = CliRunner()
    res = runner.invoke(
        main, ["suite", str(good), "--out", str(tmp_path / "o"), "-e", "serial", "-q"]
    )
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "o" / "runs").glob("*.json"))) == 2
    res = runner.invoke(main, ["suite", str(good), "--out", str(tmp_path / "o"), "-e", "serial"])
    assert res.exit_code == 1 and "--resume" in res.output
    res = runner.invoke(
        main,
        ["suite", "run", str(good), "--out", str(tmp_path / "o"), "-e", "serial", "--resume", "-q"],
    )
    assert res.exit_code == 0 and "2 skipped" in res.output
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace("seeds = 2", "seeds = 2\nbudgets = 3"))
    res = runner.invoke(main, ["suite", str(bad)])
    assert res.exit_code == 1
    assert str(bad) in res.output and "[suite] budgets: unknown key" in res.output
    res = runner.invoke(main, ["suite", "no-such-preset"])
    assert res.exit_code == 1 and "presets: " in res.output and "x11_mnist1d" in res.output


def test_plot_results_still_writes_a_figure(suite_dir: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["plot", str(suite_dir / "runs"), "-o", str(tmp_path / "p.png")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "p.png").read_bytes().startswith(b"\x89PNG")


def test_final_table_helper_counts_runs() -> None:
    t = final_table([_setting({"p": {0: 1.0, 1: 3.0}})])
    assert (
        t["p"]["x"].mean == 2.0
        and t["p"]["x"].std == pytest.approx(math.sqrt(2))
        and t["p"]["x"].n == 2
    )

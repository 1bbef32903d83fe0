"""Paired comparison of two designs: only common cells with every seed, figures computed right."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from nas_sim.benchmarks.offline.mnist1d.generator import runs_dir
from nas_sim.benchmarks.offline.mnist1d.landscape import icc_mean
from nas_sim.benchmarks.offline.mnist1d.paired import paired_comparison
from nas_sim.benchmarks.offline.mnist1d.shards import pack
from nas_sim.cli import main


def _records(finals: dict[str, list[float]], cpu_s: float = 2.0) -> list[dict]:
    return [
        {"arch": a, "seed": s, "key": f"{a}-s{s}", "val_accuracy": [0.1, v], "run_cpu_s": cpu_s}
        for a, vals in finals.items()
        for s, v in enumerate(vals)
    ]


CELLS = [f"a{i:06d}" for i in range(1, 9)]


def _finals(rng: np.random.Generator, noise: float) -> dict[str, list[float]]:
    return {c: list(0.5 + 0.05 * i + noise * rng.normal(size=3)) for i, c in enumerate(CELLS)}


def test_figures_over_the_common_cells_only():
    rng = np.random.default_rng(0)
    a, b = _finals(rng, 0.01), _finals(rng, 0.03)
    b["a999999"] = [0.9, 0.9, 0.9]  # only in B
    a_recs = _records(a) + _records({"a888888": [0.99, 0.99]})  # a seed missing: not common
    out = paired_comparison(a_recs, _records(b, cpu_s=4.0), exclude=[CELLS[-1]])
    common = CELLS[:-1]
    assert out["n_cells"] == len(common)
    fa, fb = (np.array([d[c] for c in common]) for d in (a, b))
    assert out["a"]["mean"] == pytest.approx(fa.mean())
    assert out["b"]["best"] == pytest.approx(fb.mean(1).max())
    assert out["a"]["icc_all"] == pytest.approx(icc_mean(fa))
    assert out["b"]["seed_sd_median_pp"] == pytest.approx(100 * np.median(fb.std(1, ddof=1)))
    assert out["b"]["cpu_s_per_run"] == 4.0
    # the better half is A's for both designs: the same cells on each side
    better = np.sort(np.argsort(-fa.mean(1))[: len(common) // 2])
    assert out["b"]["icc_better_half"] == pytest.approx(icc_mean(fb[better]))
    # the noisier design has the larger seed std and the lower ICC
    assert out["b"]["seed_sd_rms_pp"] > out["a"]["seed_sd_rms_pp"]
    assert out["b"]["icc_all"] < out["a"]["icc_all"]


def test_too_few_common_cells_is_an_error_naming_the_count():
    rng = np.random.default_rng(1)
    a = _finals(rng, 0.01)
    b = {c: v for c, v in list(a.items())[:3]}
    with pytest.raises(ValueError, match="share 3 cells"):
        paired_comparison(_records(a), _records(b))


def test_cli_reads_run_and_shard_folders(tmp_path):
    rng = np.random.default_rng(2)
    for name, noise in (("runs_a", 0.01), ("runs_b", 0.02)):
        folder = tmp_path / name
        runs_dir(folder).mkdir(parents=True)
        (folder / "config.json").write_text(
            json.dumps({"format_version": 1, "training": {"epochs": 2}})
        )
        for r in _records(_finals(rng, noise)):
            (runs_dir(folder) / f"{r['key']}.json").write_text(json.dumps(r))
    pack(tmp_path / "runs_b", tmp_path / "shards_b")
    res = CliRunner().invoke(
        main, ["data", "compare-pilots", str(tmp_path / "runs_a"), str(tmp_path / "shards_b")]
    )
    assert res.exit_code == 0, res.output
    assert f"paired over {len(CELLS)} cells x 3 seeds" in res.output
    assert "| ICC of the mean, all |" in res.output
    res = CliRunner().invoke(main, ["data", "compare-pilots", str(tmp_path), str(tmp_path)])
    assert res.exit_code != 0 and "no config.json" in res.output

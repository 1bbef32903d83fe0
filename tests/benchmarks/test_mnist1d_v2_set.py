"""The committed mnist1d v2 table: its design, three seeds per cell, card and stats recomputed."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pytest

from nas_sim import api
from nas_sim.benchmarks.curve_set import read_curve_set, sidecar_path
from nas_sim.benchmarks.embedded import MNIST1D_SETS
from nas_sim.benchmarks.offline.mnist1d.card import compute_stats, render_card
from nas_sim.benchmarks.offline.mnist1d.design import load_design
from nas_sim.benchmarks.spaces.nb201 import NB201Space

V2 = MNIST1D_SETS["v2"]
pytestmark = pytest.mark.skipif(not V2.is_file(), reason="the mnist1d v2 table is not shipped")


@pytest.fixture(scope="module")
def v2():
    return read_curve_set(V2)


def test_v2_is_the_v2_design_with_three_seeds_per_cell(v2):
    cfg, _ = load_design("v2")
    assert v2.provenance["generator_config"] == asdict(cfg)
    assert v2.provenance["benchmark_version"] == "v2"
    assert v2.max_epochs == cfg.training.epochs
    assert json.loads(sidecar_path(V2).read_text())["value_dtype"] == "float32"
    seeds: dict[str, list[int]] = {}
    for a, s in zip(v2.archs, v2.seeds.tolist()):
        seeds.setdefault(a, []).append(s)
    assert all(sorted(s) == [0, 1, 2] for s in seeds.values())
    space = NB201Space()
    assert all(space.format(space.canonical(space.parse(a))) == a for a in seeds)
    assert V2.stat().st_size <= 30 * 2**20


def test_v2_stats_and_card_are_recomputed_from_the_table(v2):
    folder = V2.parent
    stats = json.loads((folder / "stats.json").read_text())
    assert stats == json.loads(json.dumps(compute_stats(v2)))
    assert (folder / "DATA_CARD.md").read_text() == render_card(stats, dict(v2.provenance))
    assert stats["landscape"]["n_cells"] >= 100


def test_registered_v2_records_its_identity():
    bench = api.load_benchmark("mnist1d-v2")
    assert bench.version == "v2"
    side = json.loads(sidecar_path(V2).read_text())
    assert bench.data_sha256 == side["parquet_sha256"]
    res = api.run(bench, "rs", seed=0, budget="3x")
    assert res.config["benchmark_version"] == "v2"
    assert np.isfinite(res.summary.regret)

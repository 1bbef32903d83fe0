"""The committed MNIST-1D NB201 set: its card and stats.json match numbers recomputed from it."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from nas_sim.benchmarks.curve_set import read_curve_set
from nas_sim.benchmarks.offline.mnist1d import DATA_DIR, DEFAULT_SET_PATH
from nas_sim.benchmarks.offline.mnist1d.card import compute_stats, render_card
from nas_sim.benchmarks.offline.mnist1d.epoch_time import EpochTimeModel
from nas_sim.benchmarks.spaces.nb201 import NB201Space


@pytest.fixture(scope="module")
def committed():
    return read_curve_set(DEFAULT_SET_PATH)


def test_set_is_small_complete_and_canonical(committed):
    assert DEFAULT_SET_PATH.stat().st_size <= 30 * 2**20
    assert committed.space == "nb201" and committed.max_epochs == 50
    space = NB201Space()
    assert all(space.format(space.canonical(space.parse(a))) == a for a in committed.archs)
    per_arch: dict[str, int] = {}
    for a in committed.archs:
        per_arch[a] = per_arch.get(a, 0) + 1
    assert len(per_arch) >= 300  # issue 3: at least 300 unique cells ...
    assert sum(n >= 3 for n in per_arch.values()) >= 60  # ... and 60 of them with 3 seeds
    for col in ("params", "flops", "device", "measured_epoch_time_s"):
        assert col in committed.run_info


def test_epoch_time_is_the_documented_fit(committed):
    model = EpochTimeModel(**committed.provenance["epoch_time_model"])
    info = committed.run_info
    expected = model.predict(
        np.asarray(info["flops"], float),
        np.asarray(info["params"], float),
        np.asarray(info["cell_ops"], float),
    )
    np.testing.assert_allclose(committed.epoch_time_s, np.repeat(expected[:, None], 50, axis=1))
    assert (np.ptp(committed.epoch_time_s, axis=1) == 0).all()


def test_stats_json_matches_recomputed_statistics(committed):
    stored = json.loads((DATA_DIR / "stats.json").read_text())
    assert stored == json.loads(json.dumps(compute_stats(committed)))


def test_card_matches_stats_and_the_set(committed):
    stats = json.loads((DATA_DIR / "stats.json").read_text())
    card = (DATA_DIR / "DATA_CARD.md").read_text()
    assert card == render_card(stats, dict(committed.provenance))
    # and, independently of the renderer, numbers parsed from the card equal the data
    m = re.search(r"curves.json`: (\d+) runs of (\d+) isomorphism-unique cells", card)
    assert m and int(m[1]) == committed.n_runs and int(m[2]) == len(set(committed.archs))
    row = re.search(
        r"\| val_accuracy \| ([\d.]+) \| [\d.]+ \| ([\d.]+) \| [\d.]+ \| ([\d.]+) \|", card
    )
    assert row is not None
    firsts: dict[str, tuple[int, float]] = {}
    for a, s, v in zip(committed.archs, committed.seeds, committed.metrics["val_accuracy"][:, -1]):
        if a not in firsts or s < firsts[a][0]:
            firsts[a] = (int(s), float(v))
    final = np.array([v for _, v in firsts.values()])
    assert float(row[1]) == pytest.approx(final.min(), abs=5e-5)
    assert float(row[2]) == pytest.approx(np.median(final), abs=5e-5)
    assert float(row[3]) == pytest.approx(final.max(), abs=5e-5)

"""Seed-batched MNIST-1D training: the batched network is the plain one, and grouping is invisible."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mnist1d")

from nas_sim.benchmarks.offline.mnist1d.data import DataConfig, load_splits  # noqa: E402
from nas_sim.benchmarks.offline.mnist1d.design import design_names, load_design  # noqa: E402
from nas_sim.benchmarks.offline.mnist1d.generator import GeneratorConfig, GeneratorError, generate  # noqa: E402
from nas_sim.benchmarks.offline.mnist1d.network import NB201Net1d, NetworkConfig  # noqa: E402
from nas_sim.benchmarks.offline.mnist1d.seed_batched import train_seeds  # noqa: E402
from nas_sim.benchmarks.offline.mnist1d.seed_batched_network import SeedBatchedNet  # noqa: E402
from nas_sim.benchmarks.offline.mnist1d.training import TrainingConfig  # noqa: E402

NET = NetworkConfig(stem_channels=4, cells_per_stage=2)
TRAIN = TrainingConfig(epochs=2, batch_size=40)
# every op, a stride-2 reduction and a residual: (c3, skip, c1, pool, c3, c1)
ARCH = (3, 1, 2, 4, 3, 2)


@pytest.fixture(scope="module")
def data():
    return load_splits(DataConfig(num_samples=500, n_train=120, n_val=80, shear_scale=1.5))


def _curves(rec: dict) -> dict:
    """A run record without timings and grouping (which differ between identical runs)."""
    return {
        k: v
        for k, v in rec.items()
        if not k.startswith(("measured_", "run_wall", "run_cpu", "finished_at"))
        and k != "group_size"
    }


def test_batched_net_computes_each_plain_net(data):
    nets = []
    for s in (0, 1, 2):
        torch.manual_seed(s)
        nets.append(NB201Net1d(ARCH, NET).eval())
    batched = SeedBatchedNet(nets).eval()
    x = torch.from_numpy(data.x_val[:16])
    with torch.no_grad():
        out = batched(x[:, 0][None, None].expand(3, 1, -1, -1).contiguous())
        for g, net in enumerate(nets):
            torch.testing.assert_close(out[g].t(), net(x), rtol=1e-5, atol=1e-5)


def test_copy_to_plain_writes_back_the_trained_weights():
    nets = []
    for s in (0, 1):
        torch.manual_seed(s)
        nets.append(NB201Net1d(ARCH, NET))
    batched = SeedBatchedNet(nets)
    with torch.no_grad():
        for p in batched.parameters():
            p.add_(1.0)
    batched.copy_to_plain()
    torch.manual_seed(1)
    fresh = NB201Net1d(ARCH, NET)
    for (name, p), q in zip(nets[1].named_parameters(), fresh.parameters()):
        torch.testing.assert_close(p, q + 1.0, msg=name)


def test_same_cell_and_seed_same_curve_however_batched(data):
    """Bit-identical curves for seed 1 alone, in slot 1 of three and in slot 0 of two."""
    dev = torch.device("cpu")
    three = train_seeds(ARCH, [0, 1, 2], data, TRAIN, NET, dev)
    alone = train_seeds(ARCH, [1], data, TRAIN, NET, dev)
    pair = train_seeds(ARCH, [1, 0], data, TRAIN, NET, dev)
    assert _curves(three[1]) == _curves(alone[0]) == _curves(pair[0])
    assert _curves(three[0]) == _curves(pair[1])
    assert three[0]["val_accuracy"] != three[1]["val_accuracy"]  # the seeds do differ
    assert [r["group_size"] for r in three + alone] == [3, 3, 3, 1]


def test_train_seeds_rejects_repeated_seeds(data):
    with pytest.raises(ValueError, match="distinct"):
        train_seeds(ARCH, [0, 0], data, TRAIN, NET, torch.device("cpu"))


def test_generator_resume_regroups_without_changing_runs(tmp_path, data):
    """A cell whose seed 0 was trained alone and seeds 1-2 later gives the all-at-once curves."""
    cfg = GeneratorConfig(
        training=TRAIN,
        network=NET,
        data=DataConfig(num_samples=500, n_train=120, n_val=80, shear_scale=1.5),
        trainer="seed-batched",
    )
    import io
    import json

    jobs = [(ARCH, s) for s in (0, 1, 2)]
    generate(jobs[:1], tmp_path / "a", cfg, device="cpu", workers=0, log=io.StringIO())
    generate(jobs, tmp_path / "a", cfg, device="cpu", workers=0, log=io.StringIO())
    generate(jobs, tmp_path / "b", cfg, device="cpu", workers=0, log=io.StringIO())
    for s in (0, 1, 2):
        a = json.loads((tmp_path / "a" / "runs" / f"a312432-s{s}.json").read_text())
        b = json.loads((tmp_path / "b" / "runs" / f"a312432-s{s}.json").read_text())
        assert _curves(a) == _curves(b)


def test_designs_load_and_bad_ones_are_named(tmp_path):
    assert {"v1", "pilot-a", "pilot-e"} <= set(design_names())
    v1, _ = load_design("v1")
    assert v1 == GeneratorConfig()  # v1 is the defaults, so old run folders keep their config
    with pytest.raises(GeneratorError, match="unknown design 'nope'"):
        load_design("nope")
    bad = tmp_path / "bad.json"
    bad.write_text('{"trainer": "magic"}')
    with pytest.raises(GeneratorError, match="unknown trainer 'magic'"):
        load_design(str(bad))
    bad.write_text('{"netwrk": {}}')
    with pytest.raises(GeneratorError, match="netwrk"):
        load_design(str(bad))
    bad.write_text('{"network": {"stem_channel": 8}}')
    with pytest.raises(GeneratorError, match="stem_channel"):
        load_design(str(bad))


def test_cuda_path_runs_on_cpu_too(data):
    """The device-agnostic code path (tensors moved with ``.to(device)``) on a torch.device."""
    recs = train_seeds(ARCH, [0, 1], data, TRAIN, NET, torch.device("cpu"))
    assert [r["device"] for r in recs] == ["cpu", "cpu"]
    assert all(len(r["val_accuracy"]) == TRAIN.epochs for r in recs)


@pytest.mark.gpu
def test_seed_batched_training_on_cuda(data):
    """On CUDA: valid curves, and (as on CPU) a run's numbers do not depend on its batch."""
    if not torch.cuda.is_available():
        pytest.skip("CUDA is not available")
    dev = torch.device("cuda")
    three = train_seeds(ARCH, [0, 1, 2], data, TRAIN, NET, dev)
    alone = train_seeds(ARCH, [1], data, TRAIN, NET, dev)
    assert three[1]["device"].startswith("cuda:")
    assert all(0.0 <= a <= 1.0 for r in three for a in r["val_accuracy"])
    assert _curves(three[1]) == _curves(alone[0])


def test_half_pass_epochs_train_exactly_as_whole_passes(data):
    """epoch_signals = n/2 and twice the epochs: the same training, a curve point every half pass.

    So every statistic of a whole-pass design at its pass boundaries carries over, bit for bit.
    """
    from dataclasses import replace

    train = replace(TRAIN, batch_size=20)  # divides half of the 120 training signals
    whole = train_seeds(ARCH, [0, 1], data, train, NET, torch.device("cpu"))
    half_cfg = replace(train, epochs=2 * train.epochs, epoch_signals=len(data.y_train) // 2)
    half = train_seeds(ARCH, [0, 1], data, half_cfg, NET, torch.device("cpu"))
    for w, h in zip(whole, half):
        for k in ("val_accuracy", "val_loss", "test_accuracy", "test_loss"):
            assert h[k][1::2] == w[k]
        assert len(h["train_loss"]) == 2 * train.epochs


def test_epoch_signals_must_divide_the_training_set(data):
    from dataclasses import replace

    for bad in (replace(TRAIN, epoch_signals=50), replace(TRAIN, epoch_signals=60)):
        # 50 does not divide the 120 training signals; 60 is no multiple of batch_size 40
        with pytest.raises(ValueError, match=f"epoch_signals={bad.epoch_signals} must be"):
            train_seeds(ARCH, [0], data, bad, NET, torch.device("cpu"))

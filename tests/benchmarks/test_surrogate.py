"""Surrogate benchmarks: fitting, artifacts, noise consistency, evaluation, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from nas_sim import api, registry
from nas_sim.benchmarks.surrogate import (
    ArtifactError,
    SurrogateBenchmark,
    SurrogateError,
    evaluate_surrogate,
    fit_surrogate,
    load_surrogate,
)
from nas_sim.benchmarks.surrogate.benchmark import TINY_SURROGATE, tiny_surrogate
from nas_sim.benchmarks.surrogate.compression import choose_svd_components
from nas_sim.benchmarks.surrogate.counter_rng import as_seed_array, normals_np, normals_torch
from nas_sim.benchmarks.surrogate.evaluate import architecture_folds, subset
from nas_sim.benchmarks.synthetic import synthetic_nb201_set
from nas_sim.search_space import InvalidArchitectureError

FAST = {"n_estimators": 40, "num_leaves": 7}


@pytest.fixture(scope="module")
def synth():  # type: ignore[no-untyped-def]
    return synthetic_nb201_set(n_archs=80, n_seeds=3, max_epochs=10, seed=1)


@pytest.fixture(scope="module")
def fitted(synth):  # type: ignore[no-untyped-def]
    return fit_surrogate(synth, "nb201", noise="window", seed=0, model_params=FAST)


@pytest.fixture(scope="module")
def tiny() -> SurrogateBenchmark:
    return tiny_surrogate()


# ------------------------------------------------------------------ counter RNG
def test_counter_normals_are_standard_normal_and_seed_keyed() -> None:
    z = normals_np(np.arange(2000), 0, 50)
    assert stats.kstest(z.ravel(), "norm").pvalue > 1e-3
    # a row depends only on its own seed, not on the batch it is in
    np.testing.assert_array_equal(normals_np(np.array([7]), 0, 50)[0], z[7])
    assert not np.allclose(normals_np(np.array([7]), 1, 50), z[7])


def test_counter_normals_numpy_equals_torch() -> None:
    torch = pytest.importorskip("torch")
    seeds = as_seed_array([0, 1, -5, 2**63 - 1, 2**64 + 3])
    a = normals_np(seeds, 2, 64)
    b = normals_torch(torch.from_numpy(seeds), 2, 64).numpy()
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


# ------------------------------------------------------------------ compression
def test_k_selection_finds_signal_rank_against_multi_seed_means() -> None:
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(40, 3)))[0].T  # 3 orthonormal curves
    means = rng.normal(size=(300, 3)) * [5.0, 3.0, 2.0] @ basis
    train = means[:200] + rng.normal(0, 0.3, size=(200, 40))
    test_runs = means[200:] + rng.normal(0, 0.3, size=(100, 40))
    k, errors = choose_svd_components(train, test_runs, means[200:], max_components=15)
    assert k == 3
    assert errors[2] < errors[0] and errors[2] < errors[-1]


# -------------------------------------------------------------- fit + artifact
@pytest.mark.parametrize("noise", ["std", "gkde", "window"])
def test_fit_save_load_round_trip(synth, tmp_path: Path, noise: str) -> None:  # type: ignore[no-untyped-def]
    m = fit_surrogate(synth, "nb201", noise=noise, n_components=3, model_params=FAST)
    m.save(tmp_path / "s")
    m2 = load_surrogate(tmp_path / "s")
    x = m.features([m.space.sample(np.random.default_rng(i)) for i in range(6)])
    a, b = m.sample(x, range(6)), m2.sample(x, range(6))
    assert set(a) == {*synth.metrics, "epoch_time_s"}
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["format_version"] == 2 and manifest["space"] == "nb201"
    assert manifest["data_sha256"] and "lightgbm" in manifest["library_versions"]
    assert not any(p.suffix in (".pkl", ".pickle", ".pt") for p in (tmp_path / "s").rglob("*"))


@pytest.mark.parametrize(("compression", "model"), [("vae", "lgb"), ("svd", "mlp")])
def test_vae_and_mlp_variants_fit_and_round_trip(
    synth, tmp_path: Path, compression: str, model: str
) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("torch")
    params = FAST if model == "lgb" else {"epochs": 30, "hidden": 32}
    m = fit_surrogate(
        synth,
        "nb201",
        compression=compression,
        model=model,
        noise="std",
        n_components=3,
        model_params=params,
        compression_params={"epochs": 15} if compression == "vae" else None,
    )
    m.save(tmp_path / "s")
    m2 = load_surrogate(tmp_path / "s")
    x = m.features([(1, 2, 3, 4, 0, 1), (3, 3, 3, 3, 3, 3)])
    np.testing.assert_allclose(m.predict_joint(x), m2.predict_joint(x))
    assert np.isfinite(m.predict_joint(x)).all()


def test_ensemble_members_disagree_and_mean_is_their_average(synth) -> None:  # type: ignore[no-untyped-def]
    m = fit_surrogate(synth, "nb201", noise="std", n_components=3, n_members=3, model_params=FAST)
    x = m.features([(1, 2, 3, 4, 0, 1)])
    members = m.mean_model_.predict_members(x)
    assert members.shape[0] == 3 and members.std(axis=0).max() > 0
    np.testing.assert_allclose(m.mean_model_.predict(x), members.mean(axis=0))


def test_fit_learns_the_synthetic_ranking(synth) -> None:  # type: ignore[no-untyped-def]
    folds = architecture_folds(synth, "nb201", 4, seed=0)
    train, test = subset(synth, ~folds[0]), subset(synth, folds[0])
    m = fit_surrogate(
        train,
        "nb201",
        noise="window",
        model_params={"n_estimators": 150, "learning_rate": 0.1, "num_leaves": 7},
    )
    res = evaluate_surrogate(m, test, n_samples=50)
    assert res["objective"] == "val_accuracy"
    assert res["r2_final"] > 0.5 and res["tau_final"] > 0.5
    assert res["kl_avg"] is not None and res["kl_avg"] >= 0


# ------------------------------------------------------------------ benchmark
def test_shipped_gkde_surrogate_is_identical_alone_and_in_chunked_batches() -> None:
    # the shipped surrogate's noise (a Gaussian KDE) multiplies normals by a matrix: BLAS summed
    # a batch's products in another order than one curve's (1 ulp apart) until the product was
    # taken row by row; batches larger than a chunk are computed chunk by chunk
    from nas_sim.benchmarks.surrogate import benchmark as surrogate_benchmark

    bench = api.load_benchmark("mnist1d-surrogate")
    assert bench.model.noise_.kind == "gkde"
    n = surrogate_benchmark._CHUNK_ROWS + 5
    rng = np.random.default_rng(8)
    archs = [bench.space.sample(rng) for _ in range(n)]
    seeds = rng.integers(0, 2**62, size=n)
    batch = bench.curves(archs, seeds.tolist())
    for i in (
        0,
        1,
        n // 2,
        surrogate_benchmark._CHUNK_ROWS - 1,
        surrogate_benchmark._CHUNK_ROWS,
        n - 1,
    ):
        alone = bench.curve(archs[i], int(seeds[i]))
        for m in bench.metrics:
            np.testing.assert_array_equal(alone[m], batch[i][m])
        np.testing.assert_array_equal(alone.epoch_time_s, batch[i].epoch_time_s)


def test_one_clip_per_column_equals_the_two_clips_of_each_metric() -> None:
    # to_metrics folds each metric's clip to its unit range and its clip to the training runs'
    # range into one clip per column; the two-step path (kept for format-1 artifacts) must give
    # the very same numbers, out-of-range values, infinities and NaN included
    model = api.load_benchmark("mnist1d-surrogate").model
    scale, loss_blocks, logit_blocks, bounds = model._metric_plan()
    assert bounds is not None
    rng = np.random.default_rng(3)
    z = rng.normal(scale=4.0, size=(64, len(scale)))
    z[0, :5], z[1, 3:9], z[2, ::7] = np.nan, np.inf, -np.inf
    one = model.to_metrics(z.copy())
    model.__dict__["_metric_plan_"] = (scale, loss_blocks, logit_blocks, None)
    try:
        two = model.to_metrics(z.copy())
    finally:
        del model.__dict__["_metric_plan_"]
    for m in model.metrics:
        np.testing.assert_array_equal(one[m], two[m])
        assert np.array_equal(np.signbit(one[m]), np.signbit(two[m]))


def test_curves_are_consistent_alone_and_batched(tiny: SurrogateBenchmark) -> None:
    rng = np.random.default_rng(3)
    archs = [tiny.space.sample(rng) for _ in range(20)]
    seeds = [int(s) for s in rng.integers(0, 2**62, size=20)]
    batch = tiny.curves(archs, seeds)
    for a, s, c in zip(archs, seeds, batch):
        alone = tiny.curve(a, s)
        for m in tiny.metrics:
            np.testing.assert_array_equal(alone[m], c[m])
    assert not np.array_equal(
        tiny.curve(archs[0], 1)["val_accuracy"], tiny.curve(archs[0], 2)["val_accuracy"]
    )


def test_isomorphic_architectures_share_the_mean_curve(tiny: SurrogateBenchmark) -> None:
    # skip_connect on edge 0->1 vs the same with a disconnected 'none' elsewhere is not enough:
    # find a real non-canonical member of a class
    for a in tiny.space.all_architectures()[:2000]:
        c = tiny.space.canonical(a)
        if c != a:
            np.testing.assert_array_equal(
                tiny.curve(a, 5)["val_accuracy"], tiny.curve(c, 5)["val_accuracy"]
            )
            return
    pytest.fail("no non-canonical architecture found")


def test_noise_spread_matches_the_std_model(synth) -> None:  # type: ignore[no-untyped-def]
    m = fit_surrogate(synth, "nb201", noise="std", n_components=3, model_params=FAST)
    b = SurrogateBenchmark(m)
    a = (3, 2, 3, 3, 2, 3)
    draws = np.stack([c["val_accuracy"] for c in b.curves([a] * 4000, list(range(4000)))])
    e = m.metrics.index("val_accuracy") * m.max_epochs + m.max_epochs - 1
    sigma = m.noise_.sigma_[e] * m.scale_[m.metrics.index("val_accuracy")]
    mean = b.mean_curves([a])["val_accuracy"][0, -1]
    if 0.0 < mean - 4 * sigma and mean + 4 * sigma < 1.0:  # no clipping
        assert abs(draws[:, -1].std() / sigma - 1) < 0.08
        assert stats.kstest((draws[:, -1] - mean) / sigma, "norm").pvalue > 1e-3


def test_expected_final_is_noiseless_and_best_known_enumerates_the_space(
    tiny: SurrogateBenchmark,
) -> None:
    quiet = SurrogateBenchmark(tiny.model, noise=False)
    a = (3, 3, 2, 3, 1, 3)
    assert quiet.expected_final(a) == tiny.expected_final(a)
    assert quiet.curve(a, 1)["val_accuracy"][-1] == pytest.approx(tiny.expected_final(a)[0])
    best = tiny.best_known
    assert best is not None
    finals = tiny.mean_curves(tiny.space.unique_architectures())["test_accuracy"][:, -1]
    assert best.test == pytest.approx(finals.max())


def test_torch_path_equals_numpy_path(tiny: SurrogateBenchmark) -> None:
    pytest.importorskip("torch")
    rows = np.arange(0, 6000, 7)
    seeds = np.arange(len(rows)) * 977 + 3
    a = tiny.sample_rows(rows, seeds)
    b = tiny.sample_rows_torch(rows, seeds, device="cpu")
    for k in a:
        np.testing.assert_allclose(a[k], b[k].numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.gpu
def test_cuda_path_equals_cpu(tiny: SurrogateBenchmark) -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("CUDA is not available")
    rows = np.arange(0, 6000, 3)
    seeds = np.arange(len(rows)) * 31 + 1
    a = tiny.sample_rows(rows, seeds)
    b = tiny.sample_rows_torch(rows, seeds, device="cuda")
    for k in a:
        np.testing.assert_allclose(a[k], b[k].cpu().numpy(), rtol=1e-9, atol=1e-10)


def test_registered_and_loadable_by_path_and_simulates() -> None:
    b = registry.create("benchmark", "surrogate", path=TINY_SURROGATE)
    assert isinstance(b, SurrogateBenchmark)
    b2 = api.load_benchmark(TINY_SURROGATE)
    assert isinstance(b2, SurrogateBenchmark)
    res = api.run(b2, "rs", seed=0, budget="5x")
    res2 = api.run(api.load_benchmark(TINY_SURROGATE), "rs", seed=0, budget="5x")
    assert res.trajectory == res2.trajectory and len(res.trajectory.time_s) > 0
    assert res.summary.regret is not None and res.summary.regret >= 0


def test_extra_features_from_the_curves(synth) -> None:  # type: ignore[no-untyped-def]
    m = fit_surrogate(
        synth,
        "nb201",
        noise="std",
        n_components=3,
        extra_features={"val_loss": 2},
        model_params=FAST,
    )
    assert m.feature_spec.n_extra == 2
    b = SurrogateBenchmark(m)
    known = m.space.parse(synth.archs[0])
    assert b.curve(known, 0).max_epochs == synth.max_epochs
    unknown = next(
        a for a in m.space.unique_architectures() if m.space.format(a) not in set(synth.archs)
    )
    # the benchmark only offers architectures whose extra features it stored ...
    assert b.space.size == len(set(synth.archs)) and not b.space.is_covered(unknown)
    with pytest.raises(InvalidArchitectureError, match="not covered by this benchmark"):
        b.curve(unknown, 0)
    # ... and the model itself names what is missing
    with pytest.raises(SurrogateError, match="extra features"):
        m.features([unknown])
    x = m.features([unknown], extra=np.array([[0.5, 0.4]]))
    assert m.predict_joint(x).shape == (1, len(m.metrics) * synth.max_epochs)


# ------------------------------------------------------------------ bad input
def test_architecture_outside_the_space_is_a_clear_error(tiny: SurrogateBenchmark) -> None:
    with pytest.raises(InvalidArchitectureError, match="6 op indices"):
        tiny.curve((1, 2, 3), 0)
    with pytest.raises(InvalidArchitectureError, match="6 op indices"):
        tiny.curves([(0, 0, 0, 0, 0, 9)], [0])


def test_wrong_feature_shape_is_a_clear_error(fitted) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SurrogateError, match=r"shape \(n, 30\)"):
        fitted.predict_joint(np.zeros((2, 29)))
    with pytest.raises(SurrogateError, match="non-finite"):
        fitted.predict_joint(np.full((1, 30), np.nan))
    with pytest.raises(SurrogateError, match="run seeds"):
        fitted.sample(np.zeros((2, 30)), [1])


def test_unknown_options_are_clear_errors(synth) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SurrogateError, match="choose from: std, gkde, window"):
        fit_surrogate(synth, "nb201", noise="gauss")
    with pytest.raises(SurrogateError, match="choose from: svd, vae"):
        fit_surrogate(synth, "nb201", compression="pca")
    with pytest.raises(SurrogateError, match="not in the set"):
        fit_surrogate(synth, "nb201", metrics=["val_accuracy", "train_loss"])


def _copy_tiny(tmp_path: Path) -> Path:
    d = tmp_path / "art"
    shutil.copytree(TINY_SURROGATE, d)
    return d


def test_other_format_version_is_rejected(tmp_path: Path) -> None:
    d = _copy_tiny(tmp_path)
    man = json.loads((d / "manifest.json").read_text())
    man["format_version"] = 99
    (d / "manifest.json").write_text(json.dumps(man))
    with pytest.raises(ArtifactError, match="format version 99"):
        load_surrogate(d)


def test_modified_artifact_file_is_rejected(tmp_path: Path) -> None:
    d = _copy_tiny(tmp_path)
    f = next((d / "lgb").glob("mean_*.txt"))
    f.write_text(f.read_text().replace("leaf_value=", "leaf_value=1", 1))
    with pytest.raises(ArtifactError, match="SHA-256"):
        load_surrogate(d)
    (d / "arrays.npz").unlink()
    with pytest.raises(ArtifactError, match="missing|SHA-256"):
        load_surrogate(d)


def test_not_an_artifact_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="no manifest.json"):
        load_surrogate(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        load_surrogate(tmp_path)


def test_shipped_mnist1d_surrogate_loads_and_answers_every_class() -> None:
    from nas_sim.benchmarks.shipped import MNIST1D_SURROGATE

    if not (MNIST1D_SURROGATE / "manifest.json").is_file():
        pytest.skip("the MNIST-1D surrogate has not been built")
    b = registry.create("benchmark", "mnist1d-surrogate")
    assert b.max_epochs == 50 and b.objective == "val_accuracy"
    assert set(b.metrics) == {
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
        "test_loss",
        "test_accuracy",
    }
    c = b.curve(b.space.sample(np.random.default_rng(0)), 123)
    assert ((c["val_accuracy"] >= 0) & (c["val_accuracy"] <= 1)).all()
    assert (c.epoch_time_s > 0).all()
    assert b.best_known is not None and 0.5 < b.best_known.test <= 1.0


def test_shipped_mnist1d_surrogate_is_fitted_on_the_shipped_curve_set() -> None:
    """A grown or edited curve set must be followed by a refit (python -m nas_sim.benchmarks.offline.surrogates
    mnist1d); otherwise the surrogate and the tabular benchmark silently describe different data."""
    from nas_sim.benchmarks.curve_set import read_curve_set
    from nas_sim.benchmarks.embedded import MNIST1D_DEFAULT_VERSION, MNIST1D_SET
    from nas_sim.benchmarks.shipped import MNIST1D_SURROGATE
    from nas_sim.benchmarks.surrogate.artifact import read_manifest
    from nas_sim.benchmarks.surrogate.benchmark import MNIST1D_SURROGATE_VERSION
    from nas_sim.benchmarks.surrogate.model import data_hash

    if not (MNIST1D_SURROGATE / "manifest.json").is_file():
        pytest.skip("the MNIST-1D surrogate has not been built")
    shipped = read_manifest(MNIST1D_SURROGATE)["data_sha256"]
    assert shipped == data_hash(read_curve_set(MNIST1D_SET)), (
        "benchmarks/data/surrogates/mnist1d_nb201 was fitted on another version of the MNIST-1D "
        "curve set; rerun `python -m nas_sim.benchmarks.offline.surrogates mnist1d`"
    )
    # the version result files record for the surrogate is the one it was fitted on
    assert MNIST1D_SURROGATE_VERSION == MNIST1D_DEFAULT_VERSION


def test_shipped_mnist1d_surrogate_uses_its_versions_configuration() -> None:
    """The shipped surrogate is fitted with the configuration chosen for the default table version
    (transforms and tree sizes), so editing MNIST1D_CONFIGS without a refit fails here."""
    from nas_sim.benchmarks.offline.surrogates import MNIST1D_CONFIG
    from nas_sim.benchmarks.shipped import MNIST1D_SURROGATE

    if not (MNIST1D_SURROGATE / "manifest.json").is_file():
        pytest.skip("the MNIST-1D surrogate has not been built")
    m = load_surrogate(MNIST1D_SURROGATE)
    want = "logit" if MNIST1D_CONFIG.get("accuracy_transform") == "logit" else None
    assert {k: v for k, v in m.transforms.items() if k.endswith("accuracy")} == (
        {k: want for k in m.metrics if k.endswith("accuracy")} if want else {}
    )
    params = json.loads((MNIST1D_SURROGATE / "manifest.json").read_text())["parts"]["mean"]
    got = params["members"][0]["params"]
    for key, value in MNIST1D_CONFIG["model_params"].items():
        assert got[key] == value, key


def test_unknown_mnist1d_version_is_a_clear_error() -> None:
    from nas_sim.benchmarks.offline.surrogates import MNIST1D_CONFIGS, build_mnist1d

    assert MNIST1D_CONFIGS["v2"]["accuracy_transform"] == "logit"
    with pytest.raises(ValueError, match="unknown mnist1d version 'v3'; choose from: v1, v2"):
        build_mnist1d(version="v3")


def test_freeze_gives_a_table_of_the_surrogate_curves(tiny: SurrogateBenchmark) -> None:
    """``freeze(n)``: n distinct classes, class i's row is the surrogate's curve with run seed i,
    classes get different noise, the table is a valid tabular benchmark, and it is reproducible."""
    from nas_sim.benchmarks.tabular import TabularBenchmark

    cs = tiny.freeze(40)
    cs.validate("frozen")
    classes = list(tiny.space.unique_architectures())  # type: ignore[attr-defined]
    archs = [tiny.space.parse(a) for a in cs.archs]
    assert len(set(archs)) == 40 and all(a in classes for a in archs)
    for row, arch in enumerate(archs[:5]):
        want = tiny.curve(arch, classes.index(arch))
        np.testing.assert_array_equal(cs.metrics["val_accuracy"][row], want["val_accuracy"])
    noise = cs.metrics["val_accuracy"] - np.stack(
        [tiny.mean_curves([a])["val_accuracy"][0] for a in archs]
    )
    assert np.std(noise[:, -1]) > 0  # not one shared noise draw
    table = TabularBenchmark(cs, name="frozen")
    assert table.curve(archs[3], 0)["val_accuracy"][-1] == cs.metrics["val_accuracy"][3, -1]
    again = tiny.freeze(40)
    np.testing.assert_array_equal(again.metrics["val_accuracy"], cs.metrics["val_accuracy"])
    with pytest.raises(ValueError, match="1 <= N <= 6466, got 0"):
        tiny.freeze(0)


# ------------------------------------------------ predictions stay within the training data
def _spiky_set():  # type: ignore[no-untyped-def]
    """A synthetic set where a few runs' losses spike to thousands of nats
    for one epoch (as unstable MNIST-1D runs do), the case that made the first shipped surrogate
    predict 100 % accuracy."""
    cs = synthetic_nb201_set(n_archs=150, n_seeds=1, max_epochs=12, seed=3)
    rng = np.random.default_rng(0)
    for i in rng.choice(cs.n_runs, 6, replace=False):
        for m in cs.metrics:
            if m.endswith("_loss"):
                cs.metrics[m][i, 2] = 4000.0
    return cs


def test_loss_spikes_do_not_push_predictions_beyond_the_training_data() -> None:
    cs = _spiky_set()
    m = fit_surrogate(cs, "nb201", noise="std", seed=0, model_params=FAST)
    assert m.transforms == {k: "log1p" for k in cs.metrics if k.endswith("_loss")}
    archs = [m.space.sample(np.random.default_rng(s)) for s in range(300)]
    x = m.features(archs)
    mean = m.predict_mean(x)
    noisy = m.sample(x, np.arange(len(archs)))
    for k in cs.metrics:
        lo, hi = cs.metrics[k].min(axis=0), cs.metrics[k].max(axis=0)
        for curves in (mean[k], noisy[k]):
            assert (curves <= hi + 1e-12).all() and (curves >= lo - 1e-12).all(), k


def test_logit_accuracy_transform_inverts_and_round_trips(tmp_path: Path) -> None:
    """On the logit scale the standardised curves decode back to the training accuracies, the
    artifact records the transform, a reloaded model predicts the same, and torch agrees."""
    from nas_sim.benchmarks.surrogate.model import LOGIT_EPS, forward_transform, metric_transforms

    p = np.array([0.0, 1e-4, 0.1, 0.5, 0.97, 0.9999, 1.0])
    z = forward_transform(p, "logit")
    assert np.isfinite(z).all() and np.all(np.diff(z) >= 0)
    np.testing.assert_allclose(1 / (1 + np.exp(-z)), np.clip(p, LOGIT_EPS, 1 - LOGIT_EPS))
    with pytest.raises(
        SurrogateError, match="unknown accuracy transform 'probit'; choose from: logit"
    ):
        metric_transforms(["val_accuracy"], "probit")

    cs = synthetic_nb201_set(n_archs=60, n_seeds=3, max_epochs=8, seed=2)
    m = fit_surrogate(
        cs, "nb201", noise="window", seed=0, model_params=FAST, accuracy_transform="logit"
    )
    assert m.transforms == {k: ("log1p" if k.endswith("_loss") else "logit") for k in cs.metrics}
    # with every component kept, decoding the training architectures' own standardised curves
    # reproduces their mean accuracy curves: the inverse undoes the forward transform
    from nas_sim.benchmarks.surrogate.model import arch_means, group_runs

    g = group_runs(cs, "nb201")
    e = cs.max_epochs
    y = np.hstack([forward_transform(cs.metrics[k], m.transforms.get(k)) for k in m.metrics])
    z_arch = (arch_means(y, g) - m.offset_) / np.repeat(m.scale_, e)
    back = m.to_metrics(z_arch.copy())
    for i, k in enumerate(m.metrics):
        if k.endswith("accuracy"):
            want = 1 / (1 + np.exp(-arch_means(forward_transform(cs.metrics[k], "logit"), g)))
            lo, hi = m.metric_range_[:, i * e : (i + 1) * e]
            np.testing.assert_allclose(back[k], np.clip(want, lo, hi), atol=1e-12)
    m.save(tmp_path / "logit")
    again = load_surrogate(tmp_path / "logit")
    assert again.transforms == m.transforms
    x = m.features([m.space.sample(np.random.default_rng(s)) for s in range(50)])
    a, b = m.sample(x, np.arange(50)), again.sample(x, np.arange(50))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert all(((a[k] >= 0) & (a[k] <= 1)).all() for k in a if k.endswith("accuracy"))
    pytest.importorskip("torch")
    bench = SurrogateBenchmark(again)
    rows = bench.rows([m.space.sample(np.random.default_rng(s)) for s in range(80)])
    seeds = np.arange(len(rows)) * 13 + 5
    c, d = bench.sample_rows(rows, seeds), bench.sample_rows_torch(rows, seeds, device="cpu")
    for k in c:
        np.testing.assert_allclose(c[k], d[k].numpy(), rtol=1e-10, atol=1e-12)


def test_components_and_curves_are_clipped_to_the_training_range(fitted) -> None:  # type: ignore[no-untyped-def]
    """Even a mean model that extrapolates wildly cannot produce a curve outside the training
    runs' per-epoch range: the components are clipped, then the curves."""
    x = fitted.features([fitted.space.sample(np.random.default_rng(1))])
    wild = fitted.compression_.n_components
    original = fitted.mean_model_.predict
    try:
        fitted.mean_model_.predict = lambda _x: np.full((len(_x), wild), 1e6)
        c = fitted.compression_.encode(fitted.predict_joint(x))
        assert (c <= fitted.component_range_[1] + 1e-6).all()
        out = fitted.predict_mean(x)
    finally:
        fitted.mean_model_.predict = original
    e = fitted.max_epochs
    for i, k in enumerate(fitted.metrics):
        assert (out[k] <= fitted.metric_range_[1, i * e : (i + 1) * e] + 1e-12).all()


def test_fit_reports_the_worst_held_out_over_prediction(synth) -> None:  # type: ignore[no-untyped-def]
    """info["heldout"] holds the final-epoch MAE and worst over-prediction of a fit on 80 % of
    the architectures, recomputed here from the same split."""
    from nas_sim.benchmarks.surrogate.evaluate import final_errors
    from nas_sim.benchmarks.surrogate.model import group_runs

    m = fit_surrogate(synth, "nb201", noise="std", n_components=3, seed=0, model_params=FAST)
    held = m.info["heldout"]
    assert held["fraction"] == 0.2 and held["n_architectures"] == 16
    g = group_runs(synth, "nb201")
    mask = np.zeros(len(g.archs), bool)
    mask[np.random.default_rng([0, 1]).choice(len(g.archs), 16, replace=False)] = True
    part = fit_surrogate(
        subset(synth, ~mask[g.run_arch]),
        "nb201",
        noise="std",
        n_components=3,
        seed=0,
        model_params=FAST,
        holdout_fraction=0.0,
    )
    again = final_errors(part, subset(synth, mask[g.run_arch]))
    assert held["metrics"] == again
    r = again["val_accuracy"]
    assert r["max_over_prediction_final"] >= r["top_tenth_max_over_prediction_final"]
    assert r["max_over_prediction_final"] > 0 and r["mae_final"] > 0
    # the evaluation reports the same quantity
    res = evaluate_surrogate(part, subset(synth, mask[g.run_arch]), n_samples=5)
    assert res["max_over_prediction_final"] == pytest.approx(r["max_over_prediction_final"])


def test_format_1_artifacts_still_load_unclipped(tmp_path: Path) -> None:
    d = _copy_tiny(tmp_path)
    man = json.loads((d / "manifest.json").read_text())
    man["format_version"] = 1
    del man["transforms"]
    (d / "manifest.json").write_text(json.dumps(man))
    m = load_surrogate(d)
    assert m.transforms == {} and m.metric_range_ is not None  # arrays are still there
    b = SurrogateBenchmark(m)
    assert "clipped" in b.best_known_method()


def test_shipped_mnist1d_surrogate_predicts_within_its_training_data() -> None:
    """The shipped surrogate's best known cell is no better than the best real cell (0.969 test
    accuracy), no class is predicted beyond the training range, and `benchmarks info` says how
    best_known was obtained."""
    from nas_sim.benchmarks.shipped import MNIST1D_SURROGATE
    from nas_sim.testing.benchmarks import (
        RANGE_TOLERANCE,
        check_predictions_within_training_range,
    )

    if not (MNIST1D_SURROGATE / "manifest.json").is_file():
        pytest.skip("the MNIST-1D surrogate has not been built")
    b = registry.create("benchmark", "mnist1d-surrogate")
    hi = b.training_final_range["test_accuracy"][1]
    assert hi == pytest.approx(0.969)
    assert b.best_known is not None and b.best_known.test <= hi + RANGE_TOLERANCE
    finals = b.mean_curves(list(b.space.unique_architectures()))
    assert finals["test_accuracy"][:, -1].max() <= hi
    check_predictions_within_training_range(b)
    held = b.model.info["heldout"]["metrics"]["test_accuracy"]
    assert held["top_tenth_max_over_prediction_final"] < 0.1  # measured 0.089
    text = b.describe()["best_known_method"]
    assert "clipped to the training runs' range" in text and "held-out" in text


def test_held_out_check_works_with_caller_given_extra_features(synth) -> None:  # type: ignore[no-untyped-def]
    """Extra features given as an array aligned with the runs (NB111's recipe) reach the
    held-out architectures too."""
    extra = synth.metrics["val_accuracy"][:, :2]
    m = fit_surrogate(
        synth, "nb201", noise="std", n_components=3, extra_features=extra, model_params=FAST
    )
    held = m.info["heldout"]["metrics"]["val_accuracy"]
    assert held["mae_final"] > 0 and np.isfinite(held["max_over_prediction_final"])

"""The command groups nas_sim.benchmarks adds to ``nas-sim``, in one module.

``nas-sim import`` (NAS benchmark files to learning-curve sets), ``nas-sim build`` (the
NAS-Bench-x11 benchmarks), ``nas-sim surrogate`` (fit, evaluate, inspect surrogates) and
``nas-sim data`` (generate, pilot, pack and assemble the embedded MNIST-1D tables). Each group is
registered under the ``nas_sim.cli`` entry-point group; commands import their heavy modules when
they run, so ``nas-sim --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import click

from nas_sim import registry
from nas_sim.benchmarks.surrogate.model import ACCURACY_TRANSFORMS
from nas_sim.benchmarks.surrogate.noise import NOISE_MODELS
from nas_sim.interrupt import Interrupted
from nas_sim.progress import shows_progress

# ---- nas-sim import …: NAS benchmark files to learning-curve sets


def _checked_out(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """``--out`` of a curve set, checked when the command line is read: an import can take
    minutes, and must not fail at its end on a destination it cannot write."""
    from nas_sim.atomic import OutputPathError, check_output_path

    if value is None:
        return None
    try:
        check_output_path(value, what="curve set")
        check_output_path(value.with_suffix(".json"), what="curve-set sidecar")
    except OutputPathError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc
    return value


@click.group("import")
def import_group() -> None:
    """Import benchmark data into a learning-curve set (.parquet + .json)."""


@import_group.command("csv")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--space", required=True, help="Search space of the arch strings, e.g. nb201.")
@click.option("--arch-column", required=True, help="Column holding architecture strings.")
@click.option(
    "--metric",
    "metric_specs",
    multiple=True,
    required=True,
    metavar="NAME=COLUMN",
    help="Metric and its column (or pattern with {epoch}, or JSON-list column).",
)
@click.option("--percent", is_flag=True, help="Accuracies in the table are percentages.")
@click.option("--epoch-time-s", type=float, default=None, help="Seconds per epoch for every run.")
@click.option("--epoch-time-column", default=None, help="Column of seconds per epoch.")
@click.option("--seed-column", default=None, help="Column of training seeds (several runs/arch).")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), callback=_checked_out
)
@shows_progress("importing a CSV table")
def import_csv_command(
    file: Path,
    space: str,
    arch_column: str,
    metric_specs: tuple[str, ...],
    percent: bool,
    epoch_time_s: float | None,
    epoch_time_column: str | None,
    seed_column: str | None,
    out: Path,
) -> None:
    """Import a CSV table of architecture strings and metric columns."""
    from nas_sim.benchmarks.curve_set import write_curve_set
    from nas_sim.benchmarks.offline.importers.csv_table import CsvImportError, import_csv

    metrics: dict[str, str] = {}
    for spec in metric_specs:
        name, sep, col = spec.partition("=")
        if not sep or not name or not col:
            raise click.ClickException(f"--metric expects NAME=COLUMN, got {spec!r}")
        metrics[name] = col
    try:
        sp = registry.create("space", space)
        cs = import_csv(
            file,
            sp,
            arch_column=arch_column,
            metrics=metrics,
            percent=percent,
            epoch_time_s=epoch_time_s,
            epoch_time_column=epoch_time_column,
            seed_column=seed_column,
        )
        write_curve_set(cs, out)
    except (CsvImportError, registry.UnknownPluginError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    for note in cs.provenance["report"]["notes"]:
        click.echo(f"note: {note}")
    click.echo(
        f"imported {cs.n_runs} runs × {cs.max_epochs} epochs ({len(set(cs.archs))} "
        f"architectures) into {out}"
    )


def _checked_out_dir(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """``--out`` of a benchmark or surrogate folder, checked before the (long) build or fit."""
    from nas_sim.atomic import OutputPathError, check_output_folder

    if value is not None:
        try:
            check_output_folder(value, what="output folder")
        except OutputPathError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc
    return value


def _finish(cs, report, out: Path) -> None:  # type: ignore[no-untyped-def]
    from nas_sim.benchmarks.curve_set import write_curve_set

    try:
        write_curve_set(cs, out)
    except ValueError as exc:  # CurveSetError, OutputPathError: both name the path
        raise click.ClickException(str(exc)) from exc
    for line in report.lines():
        click.echo(line, err=bool(report.skipped) and line.startswith("  skipped"))
    click.echo(
        f"wrote {cs.n_runs} runs × {cs.max_epochs} epochs ({len(set(cs.archs))} "
        f"architectures) to {out}"
    )


@contextlib.contextmanager
def _one_trust_warning() -> Iterator[None]:
    """Collect the importers' per-file warnings for files loaded with full unpickling and print
    one line for them all (NATS-Bench files load restricted and warn not at all)."""
    from nas_sim.benchmarks.offline.importers.trusted import TrustedLoadWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TrustedLoadWarning)
        try:
            yield
        finally:
            trusted = [w for w in caught if issubclass(w.category, TrustedLoadWarning)]
            for w in caught:
                if not issubclass(w.category, TrustedLoadWarning):
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            if trusted:
                click.echo(
                    f"warning: {len(trusted)} file(s) loaded with full unpickling (--trust): a "
                    "malicious file can run code; use only files from a source you trust",
                    err=True,
                )


_OUT = click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_checked_out,
    help="Learning-curve set to write (.parquet; a .json sidecar is written too).",
)
_SKIP = click.option(
    "--skip-malformed",
    is_flag=True,
    help="Report unreadable/ill-formed entries and go on instead of stopping.",
)


@import_group.command("nlp")
@click.argument("path", type=click.Path(path_type=Path))
@_OUT
@click.option(
    "--max-nodes",
    type=click.IntRange(min=6),
    default=None,
    help="Keep only recipes with at most this many compact nodes (12 = NLP11).",
)
@click.option(
    "--max-epochs",
    type=click.IntRange(min=1),
    default=None,
    help="Curve length (default: the logs' 'epochs' setting, 50).",
)
@_SKIP
@shows_progress("importing NAS-Bench-NLP logs")
def import_nlp_command(
    path: Path, out: Path, max_nodes: int | None, max_epochs: int | None, skip_malformed: bool
) -> None:
    """NAS-Bench-NLP logs (a folder of log_stats_model_*.json; PTB or WikiText-2)."""
    from nas_sim.benchmarks.offline.importers.nlp_logs import import_nlp_logs
    from nas_sim.benchmarks.offline.importers.report import DataImportError

    try:
        cs, report = import_nlp_logs(
            path, max_epochs=max_epochs, max_nodes=max_nodes, skip_malformed=skip_malformed
        )
    except DataImportError as exc:
        raise click.ClickException(str(exc)) from exc
    _finish(cs, report, out)


@import_group.command("nb201")
@click.argument("path", type=click.Path(path_type=Path))
@_OUT
@click.option(
    "--dataset", default=None, help="cifar10-valid (default), cifar100 or ImageNet16-120."
)
@click.option(
    "--schedule",
    type=click.Choice(["200", "12"]),
    default="200",
    show_default=True,
    help="Training schedule in epochs (NATS-Bench and .pth; 12 is the common cheap proxy).",
)
@click.option(
    "--trust",
    is_flag=True,
    help="Allow full unpickling of .pth files and pickles naming other globals (they can run "
    "code). NATS-Bench files never need it.",
)
@shows_progress("importing NAS-Bench-201 data")
def import_nb201_command(
    path: Path, out: Path, dataset: str | None, schedule: str, trust: bool
) -> None:
    """NAS-Bench-201: NASLib *_full_training.pickle, NATS-tss .pickle.pbz2 / -simple dir, or .pth."""
    from nas_sim.benchmarks.offline.importers.nb201 import import_nb201
    from nas_sim.benchmarks.offline.importers.report import DataImportError

    try:
        with _one_trust_warning():
            cs, report = import_nb201(path, trust=trust, dataset=dataset, schedule=schedule)
    except DataImportError as exc:
        raise click.ClickException(str(exc)) from exc
    _finish(cs, report, out)


@import_group.command("nb301")
@click.argument("path", type=click.Path(path_type=Path))
@_OUT
@click.option("--max-epochs", type=click.IntRange(min=1), default=98, show_default=True)
@_SKIP
@shows_progress("importing NAS-Bench-301 runs")
def import_nb301_command(path: Path, out: Path, max_epochs: int, skip_malformed: bool) -> None:
    """NAS-Bench-301 training data: a folder of <optimizer>/results_*.json with learning curves."""
    from nas_sim.benchmarks.offline.importers.nb301 import import_nb301
    from nas_sim.benchmarks.offline.importers.report import DataImportError

    try:
        cs, report = import_nb301(path, max_epochs=max_epochs, skip_malformed=skip_malformed)
    except DataImportError as exc:
        raise click.ClickException(str(exc)) from exc
    _finish(cs, report, out)


@import_group.command("nb101")
@click.argument("path", type=click.Path(path_type=Path))
@_OUT
@click.option(
    "--budget",
    type=click.Choice(["4", "12", "36", "108"]),
    default="108",
    show_default=True,
    help="Epoch budget whose runs are imported.",
)
@click.option(
    "--graphs",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="generated_graphs.json (module hash → graph), needed when PATH is a results folder.",
)
@_SKIP
@shows_progress("importing NAS-Bench-101 records")
def import_nb101_command(
    path: Path, out: Path, budget: str, graphs: Path | None, skip_malformed: bool
) -> None:
    """NAS-Bench-101 checkpoints (evaluated epochs, e.g. halfway and end): a tfrecord (read
    without TensorFlow) or a folder of NB101 results.json with --graphs."""
    from nas_sim.benchmarks.offline.importers.nb101 import import_nb101
    from nas_sim.benchmarks.offline.importers.report import DataImportError

    try:
        cs, report = import_nb101(
            path, budget=int(budget), graphs=graphs, skip_malformed=skip_malformed
        )
    except DataImportError as exc:
        raise click.ClickException(str(exc)) from exc
    _finish(cs, report, out)


@import_group.command("nb111")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--tfrecord",
    required=True,
    type=click.Path(path_type=Path),
    help="nasbench_full.tfrecord (cells of the hashes; 4/12/36/108 accuracies).",
)
@_OUT
@click.option("--max-epochs", type=click.IntRange(min=1), default=108, show_default=True)
@_SKIP
@shows_progress("importing NAS-Bench-111 data")
def import_nb111_command(
    path: Path, tfrecord: Path, out: Path, max_epochs: int, skip_malformed: bool
) -> None:
    """NB111 per-epoch NB101 curves (results_may19/…/<hash>/repeat_<k>/results.json)."""
    from nas_sim.benchmarks.offline.importers.nb101 import import_nb111
    from nas_sim.benchmarks.offline.importers.report import DataImportError

    try:
        cs, report = import_nb111(
            path, tfrecord, max_epochs=max_epochs, skip_malformed=skip_malformed
        )
    except DataImportError as exc:
        raise click.ClickException(str(exc)) from exc
    _finish(cs, report, out)


# ---- nas-sim build …: the NAS-Bench-x11 benchmarks


@click.group("build")
def build() -> None:
    """Build the NAS-Bench-x11 benchmarks (tabular + surrogate) from downloaded official data."""


def _common(f: Any) -> Any:
    f = click.option(
        "--members",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        help="Bagged mean-model members (x11 used 5).",
    )(f)
    f = click.option("--seed", type=int, default=0, show_default=True)(f)
    f = click.option(
        "--n-components",
        type=click.IntRange(min=1),
        default=None,
        help="Compression components (default: chosen on held-out data).",
    )(f)
    f = click.option(
        "--test-fraction",
        type=click.FloatRange(0.02, 0.5),
        default=0.1,
        show_default=True,
        help="Architectures held out to score the surrogate.",
    )(f)
    f = click.option("--tabular-only", is_flag=True, help="Skip the surrogate.")(f)
    f = click.option(
        "--skip-malformed",
        is_flag=True,
        help="Report ill-formed input files and go on instead of stopping.",
    )(f)
    f = click.option(
        "--out",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        callback=_checked_out_dir,
    )(f)
    f = click.option("--data", required=True, type=click.Path(path_type=Path))(f)
    return f


def _run(
    name: str,
    data: Path,
    out: Path,
    tabular_only: bool,
    test_fraction: float,
    seed: int,
    members: int,
    n_components: int | None,
    **kw: Any,
) -> None:
    from nas_sim.benchmarks.offline.importers.report import DataImportError
    from nas_sim.benchmarks.offline.x11 import RECIPES, build_benchmark

    recipe = RECIPES[name]
    try:
        with _one_trust_warning():
            res = build_benchmark(
                recipe,
                data,
                out,
                surrogate=not tabular_only,
                test_fraction=test_fraction,
                seed=seed,
                n_members=members,
                fit_kwargs={"n_components": n_components},
                **kw,
            )
    except (DataImportError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    _print_report(res.report)


def _print_report(r: dict[str, Any]) -> None:
    imp, tab = r["import"], r["tabular"]
    click.echo(f"== {r['benchmark']} ==")
    click.echo(
        f"import: read {imp['read']}, imported {imp['imported']}, skipped {len(imp['skipped'])}"
    )
    for s in imp["skipped"]:
        click.echo(f"  skipped {s['file']}: {s['reason']}")
    for n in imp["notes"]:
        click.echo(f"  note: {n}")
    f = tab["final_objective"]
    click.echo(
        f"tabular: {tab['path']}: {tab['runs']} runs, {tab['architectures']} architectures, "
        f"E_max {tab['max_epochs']}; final {tab['objective']} ({tab['unit']}) mean {f['mean']:.4g}, "
        f"best {f['best']:.4g}, p10–p90 {f['p10']:.4g}–{f['p90']:.4g}; "
        f"seed std {tab['seed_std_final'] if tab['seed_std_final'] is None else round(tab['seed_std_final'], 5)} "
        f"({tab['multi_seed_architectures']} multi-seed archs); mean full training "
        f"{tab['mean_full_training_time_s']:.4g} s"
    )
    s = r.get("surrogate")
    if s is None:
        click.echo("surrogate: skipped (--tabular-only)")
        return
    sc = s["scores"]

    def fmt(v: Any) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    click.echo(
        f"surrogate: {s['path']} ({s['encoding']} + {s['extra_features'] or 'no extra'} features, "
        f"k={s['n_components']}), trained on {s['train_architectures']} architectures, "
        f"scored on {s['test_architectures']} held-out:"
    )
    click.echo(
        f"  {'metric':16s} {'R2 avg':>7s} {'R2 fin':>7s} {'tau avg':>7s} {'tau fin':>7s} "
        f"{'KL avg':>7s}"
    )
    for m, v in sc["metrics"].items():
        click.echo(
            f"  {m:16s} {fmt(v['r2_avg']):>7s} {fmt(v['r2_final']):>7s} "
            f"{fmt(v['tau_avg']):>7s} {fmt(v['tau_final']):>7s} {fmt(v['kl_avg']):>7s}"
        )
    click.echo(f"report: {Path(tab['path']).parent / 'report.json'}")


@build.command("nb111")
@_common
@click.option(
    "--tfrecord",
    type=click.Path(path_type=Path),
    default=None,
    help="nasbench_full.tfrecord (default: DATA/nasbench_full.tfrecord).",
)
@shows_progress("building NB111")
def build_nb111(data: Path, out: Path, tfrecord: Path | None, **kw: Any) -> None:
    """NB111: NB101 per-epoch curves (E_max 108) + the 4/12/36/108-epoch accuracies as features."""
    _run("nb111", data, out, tfrecord=tfrecord, **kw)


@build.command("nb211")
@_common
@click.option(
    "--trust",
    is_flag=True,
    help="Allow full unpickling of .pth files and pickles naming other globals (they can run "
    "code). NATS-Bench files never need it.",
)
@click.option("--dataset", default=None, help="cifar10-valid (default), cifar100, ImageNet16-120.")
@shows_progress("building NB211")
def build_nb211(data: Path, out: Path, trust: bool, dataset: str | None, **kw: Any) -> None:
    """NB211: NB201 curves (E_max 200), categorical op encoding."""
    kw.pop("skip_malformed", None)
    _run("nb211", data, out, trust=trust, dataset=dataset, **kw)


@build.command("nb311")
@_common
@shows_progress("building NB311")
def build_nb311(data: Path, out: Path, **kw: Any) -> None:
    """NB311: NB301 curves (E_max 98), the 56-value ConfigSpace vector."""
    _run("nb311", data, out, **kw)


@build.command("nlp11")
@_common
@shows_progress("building NLP11")
def build_nlp11(data: Path, out: Path, **kw: Any) -> None:
    """NLP11: NAS-Bench-NLP recipes of <= 12 nodes (E_max 50), first 3 val-loss epochs as features."""
    _run("nlp11", data, out, **kw)


# ---- nas-sim surrogate …: fit, evaluate and inspect surrogates


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group("surrogate")
def surrogate() -> None:
    """Surrogate benchmarks with full learning curves (NAS-Bench-x11 technique)."""


@surrogate.command("fit")
@click.argument("curve_set", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--space", default=None, help="Search space (default: the set's).")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    callback=_checked_out_dir,
)
@click.option("--compression", type=click.Choice(["svd", "vae"]), default="svd", show_default=True)
@click.option(
    "--model", "mean_model", type=click.Choice(["lgb", "mlp"]), default="lgb", show_default=True
)
@click.option(
    "--noise", type=click.Choice(sorted(NOISE_MODELS)), default="window", show_default=True
)
@click.option(
    "--n-components",
    type=click.IntRange(min=1),
    default=None,
    help="Components (default: chosen by held-out reconstruction error).",
)
@click.option(
    "--members",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Bagged ensemble members of the mean model.",
)
@click.option(
    "--extra",
    "extra",
    multiple=True,
    metavar="METRIC=EPOCHS",
    help="Leading epochs of a metric as extra features (x11 NLP: val_loss=3).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--holdout",
    type=click.FloatRange(0.0, 1.0, max_open=True),
    default=0.2,
    show_default=True,
    help="Fraction of architectures held out to measure the worst over-prediction (0: skip).",
)
@click.option(
    "--accuracy-transform",
    type=click.Choice(["raw", *ACCURACY_TRANSFORMS]),
    default="raw",
    show_default=True,
    help="Scale on which accuracies are modelled (logit spreads a table's top).",
)
@shows_progress("fitting the surrogate")
def fit_command(
    curve_set: Path,
    space: str | None,
    out: Path,
    compression: str,
    mean_model: str,
    noise: str,
    n_components: int | None,
    members: int,
    extra: tuple[str, ...],
    seed: int,
    holdout: float,
    accuracy_transform: str,
) -> None:
    """Fit a surrogate to CURVE_SET (.parquet) and write the artifact to --out."""
    from nas_sim.benchmarks.curve_set import CurveSetError, read_curve_set
    from nas_sim.benchmarks.surrogate import SurrogateError, fit_surrogate
    from nas_sim.registry import UnknownPluginError

    extra_spec: dict[str, int] = {}
    for e in extra:
        m, sep, k = e.partition("=")
        if not sep or not k.isdigit():
            raise click.ClickException(f"--extra expects METRIC=EPOCHS, got {e!r}")
        extra_spec[m] = int(k)
    try:
        cs = read_curve_set(curve_set)
        model = fit_surrogate(
            cs,
            space,
            compression=compression,
            model=mean_model,
            noise=noise,
            n_components=n_components,
            extra_features=extra_spec or None,
            seed=seed,
            n_members=members,
            holdout_fraction=holdout,
            accuracy_transform=None if accuracy_transform == "raw" else accuracy_transform,
        )
        model.save(out)
    except (CurveSetError, SurrogateError, UnknownPluginError, ValueError) as exc:
        raise _fail(exc) from exc
    click.echo(
        f"fitted {compression}+{mean_model}+{noise} surrogate "
        f"(k={model.compression_.n_components}) on {cs.n_runs} runs; wrote {out}"
    )
    held = model.info.get("heldout", {}).get("metrics", {}).get(model.objective)
    if held:
        click.echo(
            f"held-out {model.objective} ({model.info['heldout']['n_architectures']} "
            f"architectures): final MAE {held['mae_final']:.4g}, worst over-prediction "
            f"{held['max_over_prediction_final']:.4g} (among the tenth predicted best "
            f"{held['top_tenth_max_over_prediction_final']:.4g})"
        )


@surrogate.command("evaluate")
@click.argument("directory", metavar="DIRECTORY_OR_NAME")
@click.option(
    "--test",
    "test_set",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Learning-curve set of held-out architectures.",
)
@click.option(
    "--samples",
    type=click.IntRange(min=2),
    default=200,
    show_default=True,
    help="Noise draws per architecture for the KL divergence.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@shows_progress("evaluating the surrogate")
def evaluate_command(directory: str, test_set: Path, samples: int, as_json: bool) -> None:
    """Score the surrogate in DIRECTORY (or a registered surrogate benchmark's) on held-out
    architectures (R², Kendall τ, KL, final MAE and worst over-prediction)."""
    from nas_sim.benchmarks.curve_set import CurveSetError, read_curve_set
    from nas_sim.benchmarks.surrogate import SurrogateError, evaluate_surrogate, load_surrogate
    from nas_sim.search_space import InvalidArchitectureError

    try:
        model = load_surrogate(_surrogate_dir(directory))
        res = evaluate_surrogate(model, read_curve_set(test_set), n_samples=samples)
    except (CurveSetError, SurrogateError, InvalidArchitectureError, ValueError) as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(res, indent=2, sort_keys=True))
        return
    click.echo(
        f"{res['n_architectures']} test architectures ({res['n_multi_seed']} with >= 2 seeds)"
    )
    click.echo(
        f"{'metric':16s} {'R2 avg':>8s} {'R2 fin':>8s} {'tau avg':>8s} {'tau fin':>8s} "
        f"{'KL avg':>8s} {'KL fin':>8s} {'MAE fin':>8s} {'over fin':>8s}"
    )

    def f(v: Any) -> str:
        return "     n/a" if v is None else f"{v:8.3f}"

    for m, r in res["metrics"].items():
        click.echo(
            f"{m:16s} {f(r['r2_avg'])} {f(r['r2_final'])} {f(r['tau_avg'])} "
            f"{f(r['tau_final'])} {f(r['kl_avg'])} {f(r['kl_final'])} {f(r['mae_final'])} "
            f"{f(r['max_over_prediction_final'])}"
        )
    click.echo("over fin: the worst over-prediction of a final value (predicted − true)")


def _surrogate_dir(spec: str) -> Path:
    """An artifact directory, or the artifact of a registered surrogate benchmark (the names
    `nas-sim run --benchmark` accepts, e.g. ``mnist1d-surrogate``)."""
    from nas_sim import registry

    path = Path(spec)
    if path.is_dir() or spec not in registry.names("benchmark"):
        return path
    bench = registry.create("benchmark", spec)
    artifact = getattr(bench, "path", None)
    if artifact is None:
        raise click.ClickException(
            f"benchmark {spec!r} is not a surrogate; give a surrogate artifact directory or the "
            "name of a surrogate benchmark (e.g. mnist1d-surrogate)"
        )
    return Path(artifact)


@surrogate.command("info")
@click.argument("directory", metavar="DIRECTORY_OR_NAME")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info_command(directory: str, as_json: bool) -> None:
    """Show a surrogate artifact's manifest (after verifying every file's SHA-256); a registered
    surrogate benchmark's name shows its artifact."""
    from nas_sim.benchmarks.surrogate import SurrogateError, load_surrogate
    from nas_sim.benchmarks.surrogate.artifact import read_manifest

    try:
        path = _surrogate_dir(directory)
        load_surrogate(path)  # verifies hashes and that it loads
        manifest = read_manifest(path)
    except SurrogateError as exc:
        raise _fail(exc) from exc
    summary = {
        k: manifest[k]
        for k in (
            "format",
            "format_version",
            "space",
            "max_epochs",
            "metrics",
            "objective",
            "feature_spec",
            "compression",
            "data_sha256",
            "library_versions",
        )
    }
    summary["mean_model"] = {
        "kind": manifest["parts"]["mean"]["kind"],
        "n_members": manifest["parts"]["mean"]["n_members"],
    }
    summary["noise"] = manifest["parts"]["noise"]["kind"]
    summary["training"] = manifest.get("info", {}).get("training", {})
    summary["heldout"] = manifest.get("info", {}).get("heldout")
    summary["transforms"] = manifest.get("transforms", {})
    summary["files"] = len(manifest["files"])
    if as_json:
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    for k, v in summary.items():
        click.echo(f"{k:18s} {v if not isinstance(v, (dict, list)) else json.dumps(v)}")


# ---- nas-sim data …: the embedded MNIST-1D tables


def _parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter(f"seeds must be comma-separated integers, got {text!r}") from None
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise click.BadParameter(f"seeds must be distinct non-negative integers, got {text!r}")
    return seeds


@click.group("data")
def data() -> None:
    """Generate and assemble benchmark data."""


@data.command("generate-mnist1d")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="run folder (JSON/run)")
@click.option(
    "--design",
    default="v1",
    show_default=True,
    help="a shipped design name (v1, v2, pilot-…) or a design JSON file",
)
@click.option(
    "--shards",
    default=None,
    type=click.Path(path_type=Path),
    help="folder of committed run shards: unpacked into --out first, so a fresh machine resumes",
)
@click.option(
    "--archs",
    default="priority",
    show_default=True,
    help="'priority' (all 6,466 cells, prioritized) or a file of NB201 arch strings, one a line",
)
@click.option("--seeds", default="0,1,2", show_default=True, help="comma-separated training seeds")
@click.option(
    "--epochs", default=None, type=click.IntRange(min=1), help="override the design's epochs"
)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=0))
@click.option("--limit", default=None, type=click.IntRange(min=0), help="train only the first N")
@click.option(
    "--n-train", default=None, type=click.IntRange(min=1), help="(tests) training signals"
)
def generate_mnist1d(
    out: Path,
    design: str,
    shards: Path | None,
    archs: str,
    seeds: str,
    epochs: int | None,
    device: str,
    workers: int,
    limit: int | None,
    n_train: int | None,
) -> None:
    """Train NB201 cells on MNIST-1D; resumable (rerun the same command to continue)."""
    from dataclasses import replace

    from nas_sim.benchmarks.offline.mnist1d.design import load_design
    from nas_sim.benchmarks.offline.mnist1d.generator import GeneratorError, generate
    from nas_sim.benchmarks.offline.mnist1d.plan import file_plan, priority_plan
    from nas_sim.benchmarks.offline.mnist1d.shards import unpack
    from nas_sim.benchmarks.offline.mnist1d.training import resolve_device

    seed_list = _parse_seeds(seeds)
    try:
        resolve_device(device)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--device") from None
    if archs == "priority":
        jobs = priority_plan(seed_list)
    else:
        path = Path(archs)
        if not path.is_file():
            raise click.BadParameter(
                f"{archs!r} is neither 'priority' nor a readable file", param_hint="--archs"
            )
        try:
            jobs = file_plan(path.read_text().splitlines(), seed_list, str(path))
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--archs") from None
    if limit is not None:
        jobs = jobs[:limit]
    try:
        cfg, _ = load_design(design)
        if epochs is not None:
            cfg = replace(cfg, training=replace(cfg.training, epochs=epochs))
        if n_train is not None:
            cfg = replace(cfg, data=replace(cfg.data, n_train=n_train))
        if shards is not None and shards.is_dir():
            click.echo(f"unpacked {unpack(shards, out)} runs from {shards}")
        generate(jobs, out, cfg, device=device, workers=workers)
    except GeneratorError as e:
        raise click.ClickException(str(e)) from None
    except Interrupted as e:
        _interrupted_generation(e, out)


def _interrupted_generation(exc: Interrupted, out: Path) -> NoReturn:
    """SIGINT/SIGTERM during training: the workers are stopped, finished runs are kept."""
    from nas_sim.benchmarks.offline.mnist1d.generator import finished_keys

    click.echo(
        f"{exc}: {len(finished_keys(out))} finished runs are kept in {out}; rerun the same "
        "command to resume",
        err=True,
    )
    raise SystemExit(exc.exit_code)


@data.command("pilot-mnist1d")
@click.option(
    "--design",
    required=True,
    help="a shipped design name (v1, v2, pilot-…) or a design JSON file",
)
@click.option(
    "--out", required=True, type=click.Path(path_type=Path), help="run folder (resumable)"
)
@click.option("--cells", default=100, show_default=True, type=click.IntRange(min=4))
@click.option("--seeds", default="0,1,2", show_default=True, help="comma-separated training seeds")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=0))
@click.option(
    "--sparse/--no-sparse",
    default=True,
    show_default=True,
    help="also train the sparse cells (they widen the cost fit; leave them out of a quick look)",
)
@click.option(
    "--shards",
    default=None,
    type=click.Path(path_type=Path),
    help="folder of committed run shards of this pilot: unpacked into --out first",
)
@click.option("--stats-only", is_flag=True, help="print the statistics of what is already trained")
@click.option("--json", "as_json", is_flag=True, help="print the statistics as JSON")
def pilot_mnist1d(
    design: str,
    out: Path,
    cells: int,
    seeds: str,
    device: str,
    workers: int,
    sparse: bool,
    shards: Path | None,
    stats_only: bool,
    as_json: bool,
) -> None:
    """Train a uniform sample of cells (plus the sparse ones) × seeds for a candidate design and
    print its landscape statistics against the targets; resumable. Writes OUT/pilot_stats.json."""
    import json

    from nas_sim.benchmarks.offline.mnist1d.assemble import AssembleError, load_runs
    from nas_sim.benchmarks.offline.mnist1d.design import load_design
    from nas_sim.benchmarks.offline.mnist1d.generator import GeneratorError, generate
    from nas_sim.benchmarks.offline.mnist1d.landscape import TARGETS, check_targets, landscape_stats
    from nas_sim.benchmarks.offline.mnist1d.plan import pilot_plan, sparse_cell_strings
    from nas_sim.benchmarks.spaces.nb201 import NB201Space

    seed_list = _parse_seeds(seeds)
    if len(seed_list) < 2:
        raise click.BadParameter("a pilot needs at least two seeds", param_hint="--seeds")
    try:
        cfg, description = load_design(design)
        if shards is not None and shards.is_dir():
            from nas_sim.benchmarks.offline.mnist1d.shards import unpack

            click.echo(f"unpacked {unpack(shards, out)} runs from {shards}")
        if not stats_only:
            jobs = pilot_plan(cells, seed_list)
            if not sparse:
                skip = set(sparse_cell_strings())
                jobs = [j for j in jobs if NB201Space().format(j[0]) not in skip]
            generate(jobs, out, cfg, device=device, workers=workers)
        _, records = load_runs(out)
    except (GeneratorError, AssembleError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    except Interrupted as e:
        _interrupted_generation(e, out)
    wanted = set(seed_list)
    records = [r for r in records if r["seed"] in wanted]
    try:
        stats = landscape_stats(
            records, cfg.network.cells_per_stage, sparse_cell_strings(), seed_list
        )
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    stats = {"design": design, "description": description, **stats}
    ok = check_targets(stats)
    stats["targets_met"] = ok
    (out / "pilot_stats.json").write_text(json.dumps(stats, indent=1))
    if as_json:
        click.echo(json.dumps(stats, indent=1))
        return
    click.echo(f"design {design}: {description}")
    click.echo(
        f"{stats['n_cells']} uniform cells x {len(seed_list)} seeds, {stats['epochs']} epochs"
    )
    for key, value in stats.items():
        if isinstance(value, float):
            lo, hi = TARGETS.get(key, (None, None))
            target = ""
            if key in TARGETS:
                rng = (
                    f">= {lo}" if hi is None else (f"< {hi}" if lo is None else f"in [{lo}, {hi}]")
                )
                target = f"  target {rng}: {'met' if ok[key] else 'NOT met'}"
            click.echo(f"  {key:32s} {value:10.4f}{target}")
    click.echo(f"all targets met: {all(ok.values())}")


@data.command("compare-pilots")
@click.argument("folder_a", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("folder_b", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--seeds", default="0,1,2", show_default=True, help="comma-separated training seeds")
@click.option("--json", "as_json", is_flag=True, help="print the comparison as JSON")
def compare_pilots(folder_a: Path, folder_b: Path, seeds: str, as_json: bool) -> None:
    """Compare two designs, paired, on the cells both trained with every seed.

    FOLDER_A and FOLDER_B are run folders (``--out`` of a pilot or generation) or shard folders
    (``generation/pilots/<name>``). Prints a Markdown table of the figures the v2 variants were
    screened by; the better half is design A's.
    """
    import json

    from nas_sim.benchmarks.offline.mnist1d.paired import (
        format_comparison,
        load_pair,
        paired_comparison,
    )
    from nas_sim.benchmarks.offline.mnist1d.plan import sparse_cell_strings

    seed_list = _parse_seeds(seeds)
    try:
        a, b = load_pair(folder_a, folder_b)
        result = paired_comparison(a, b, seed_list, sparse_cell_strings())
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps(result, indent=1))
    else:
        click.echo(format_comparison(result, folder_a.name, folder_b.name))


@data.command("pack-runs")
@click.option("--runs", "runs_folder", required=True, type=click.Path(path_type=Path))
@click.option("--shards", required=True, type=click.Path(path_type=Path), help="shard folder")
def pack_runs(runs_folder: Path, shards: Path) -> None:
    """Pack finished runs that no shard holds into a new shard (commit it to keep the progress)."""
    from nas_sim.benchmarks.offline.mnist1d.generator import GeneratorError
    from nas_sim.benchmarks.offline.mnist1d.shards import pack, packed_keys

    try:
        path = pack(runs_folder, shards)
        total = len(packed_keys(shards))
    except GeneratorError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"{path or 'nothing new to pack'}; {total} runs in shards")


@data.command("build-set")
@click.option("--runs", "runs_folder", required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    default=None,
    type=click.Path(path_type=Path),
    help="output folder (default with --design v1/v2: that version's packaged folder)",
)
@click.option("--command", "command_text", default=None, help="generate command, for the card")
@click.option("--notes", default=None, help="how the generation went (workers, load), for the card")
@click.option(
    "--design",
    default=None,
    help="the design the runs were made with (v2, …): checked, recorded, and --out defaults to "
    "that version's packaged folder",
)
@click.option(
    "--float32", "float32", is_flag=True, help="store curves in single precision (half the size)"
)
@click.option(
    "--shards",
    default=None,
    type=click.Path(path_type=Path, file_okay=False),
    help="packed shards (pack-runs): runs that did not record their machine count as run on the "
    "machine of their shard, for the epoch-time fit's per-machine speed factors",
)
def build_set(
    runs_folder: Path,
    out: Path | None,
    command_text: str | None,
    notes: str | None,
    design: str | None,
    float32: bool,
    shards: Path | None,
) -> None:
    """Assemble finished runs into curves.parquet (+ sidecar), DATA_CARD.md and stats.json."""
    from nas_sim.benchmarks.embedded import MNIST1D_SETS
    from nas_sim.benchmarks.offline.mnist1d.assemble import AssembleError, build
    from nas_sim.benchmarks.offline.mnist1d.generator import GeneratorError

    if out is None:
        if design not in MNIST1D_SETS:
            # never overwrite a shipped table by default with runs of an unnamed design
            raise click.UsageError(
                f"give --out, or --design with one of {', '.join(MNIST1D_SETS)} to write that "
                "version's packaged folder"
            )
        out = MNIST1D_SETS[design].parent
    try:
        paths = build(
            runs_folder,
            out,
            generate_command=command_text,
            notes=notes,
            design=design,
            value_dtype="float32" if float32 else "float64",
            shards=shards,
        )
    except (AssembleError, GeneratorError) as e:
        raise click.ClickException(str(e)) from None
    for p in paths:
        click.echo(str(p))


def main() -> None:
    """``python -m nas_sim.benchmarks.cli GROUP …`` runs one of the groups without nas-sim."""
    cli = click.Group(
        "benchmarks", commands={c.name or "": c for c in (import_group, build, surrogate, data)}
    )
    cli()


if __name__ == "__main__":
    main()

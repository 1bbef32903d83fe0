"""``nas-sim import KIND …``: turn benchmark data into learning-curve sets."""

from __future__ import annotations

from pathlib import Path

import click

from nas_sim import registry


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
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
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
    click.echo(f"imported {cs.n_runs} runs × {cs.max_epochs} epochs into {out}")


def _finish(cs, report, out: Path) -> None:  # type: ignore[no-untyped-def]
    from nas_sim.benchmarks.curve_set import write_curve_set

    write_curve_set(cs, out)
    for line in report.lines():
        click.echo(line, err=bool(report.skipped) and line.startswith("  skipped"))
    click.echo(
        f"wrote {cs.n_runs} runs × {cs.max_epochs} epochs ({len(set(cs.archs))} "
        f"architectures) to {out}"
    )


def _trust_warning(trust: bool, what: str) -> None:
    if not trust:
        raise click.ClickException(
            f"{what} files are Python pickles, which can run arbitrary code when loaded; "
            "pass --trust if you trust the file's origin (e.g. you downloaded it from the "
            "benchmark's official site)"
        )
    click.echo(
        f"warning: loading {what} with pickle (--trust): a malicious file can run code", err=True
    )


_OUT = click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
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
    "--trust",
    is_flag=True,
    help="Allow loading pickle/torch files (they can run code; only trusted files).",
)
def import_nb201_command(path: Path, out: Path, dataset: str | None, trust: bool) -> None:
    """NAS-Bench-201: NASLib *_full_training.pickle, NATS-tss .pickle.pbz2 / -simple dir, or .pth."""
    from nas_sim.benchmarks.offline.importers.nb201 import import_nb201
    from nas_sim.benchmarks.offline.importers.report import DataImportError

    _trust_warning(trust, "NB201")
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the CLI already warned once
            cs, report = import_nb201(path, trust=trust, dataset=dataset)
    except DataImportError as exc:
        raise click.ClickException(str(exc)) from exc
    _finish(cs, report, out)


@import_group.command("nb301")
@click.argument("path", type=click.Path(path_type=Path))
@_OUT
@click.option("--max-epochs", type=click.IntRange(min=1), default=98, show_default=True)
@_SKIP
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
def import_nb101_command(path: Path, out: Path, budget: str) -> None:
    """NAS-Bench-101 tfrecord (read without TensorFlow): halfway and final checkpoints."""
    from nas_sim.benchmarks.offline.importers.nb101 import import_nb101
    from nas_sim.benchmarks.offline.importers.report import DataImportError

    try:
        cs, report = import_nb101(path, budget=int(budget))
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

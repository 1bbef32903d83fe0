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
    from benchmarks.curve_set import write_curve_set
    from benchmarks.importers.csv_table import CsvImportError, import_csv

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

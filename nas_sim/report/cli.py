"""``nas-sim report``: an HTML report (and JSON, and a runs table) of a suite directory."""

from __future__ import annotations

from pathlib import Path

import click

from nas_sim.progress import shows_progress


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML file to write (default: DIRECTORY/report.html).",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Also write the tables and tests as JSON ('-' for stdout).",
)
@click.option(
    "--export",
    "export_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also export every run to a .parquet or .csv table.",
)
@click.option("--no-html", is_flag=True, help="Skip the HTML page (with --json or --export).")
@click.option(
    "--surrogate",
    default="mnist1d-surrogate",
    show_default=True,
    help="Surrogate benchmark of the learning-curve figure (skipped if not registered).",
)
@click.option(
    "--true-benchmark",
    default="mnist1d",
    show_default=True,
    help="The tabular benchmark the surrogate models.",
)
@shows_progress("building the report")
def report(
    directory: Path,
    output: Path | None,
    json_out: str | None,
    export_out: Path | None,
    no_html: bool,
    surrogate: str,
    true_benchmark: str,
) -> None:
    """Report a suite: regret against simulated time, final-value table with ranks, Wilcoxon
    tests, LCE-strategy comparison and learning curves, in one self-contained HTML page."""
    import json

    from nas_sim.atomic import OutputPathError, atomic_write_text, check_output_path
    from nas_sim.report.build import build_report
    from nas_sim.report.html import render_html
    from nas_sim.suite.store import SuiteStoreError

    out = output or directory / "report.html"
    try:  # every destination before the work: a report of a large suite takes a while
        if not no_html:
            check_output_path(out, what="report")
        if json_out not in (None, "-"):
            check_output_path(json_out, what="JSON file")
        if export_out is not None:
            check_output_path(export_out, what="export table")
    except OutputPathError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        if export_out is not None:
            from nas_sim.suite.export import export_runs

            export_runs(directory, export_out)
            click.echo(f"exported runs to {export_out}", err=True)
        if no_html and json_out is None:
            return
        rep = build_report(
            directory, surrogate=surrogate, true_benchmark=true_benchmark, with_figures=not no_html
        )
    except (SuiteStoreError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if not rep.data["settings"]:
        raise click.ClickException(f"{directory} has no finished runs to report")
    if json_out is not None:
        text = json.dumps(rep.data, indent=1, sort_keys=True) + "\n"
        if json_out == "-":
            click.echo(text, nl=False)
        else:
            try:
                atomic_write_text(json_out, text)
            except OutputPathError as exc:
                raise click.ClickException(str(exc)) from exc
            click.echo(f"wrote {json_out}", err=True)
    if not no_html:
        try:
            atomic_write_text(out, render_html(rep))
        except OutputPathError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"wrote {out}", err=True)

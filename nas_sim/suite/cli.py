"""``nas-sim suite``: run a suite file, export its results, list the presets.

``nas-sim suite SUITE.toml ...`` is short for ``nas-sim suite run SUITE.toml ...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from nas_sim.suite.executors import EXECUTORS


def _preset_dir() -> Path:
    """The shipped presets: package data of ``nas_sim.suites`` (the repository's ``suites/``)."""
    from importlib.resources import files

    try:
        return Path(str(files("nas_sim.suites")))
    except ModuleNotFoundError:  # an editable install made before suites/ became package data
        return Path(__file__).resolve().parents[2] / "suites"


PRESET_DIR = _preset_dir()


class _DefaultRunGroup(click.Group):
    """A group whose first argument, when it is not a subcommand, is the suite file of ``run``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _error(msg: str) -> click.ClickException:
    return click.ClickException(msg)


def resolve_suite_file(text: str) -> Path:
    """A path, or the name of a preset in ``suites/`` (``x11_mnist1d``)."""
    path = Path(text)
    if path.exists():
        return path
    preset = PRESET_DIR / f"{text.removesuffix('.toml')}.toml"
    if preset.exists():
        return preset
    presets = ", ".join(sorted(p.stem for p in PRESET_DIR.glob("*.toml")))
    raise _error(f"suite file {text!r} does not exist and is not a preset (presets: {presets})")


@click.group(cls=_DefaultRunGroup, context_settings={"help_option_names": ["-h", "--help"]})
def suite() -> None:
    """Experiment suites: benchmark × optimizer × LCE × E_few × seed × budget × workers.

    \b
      nas-sim suite SUITE.toml --out DIR [--executor local|ray] [--jobs N] [--resume]
      nas-sim suite export DIR --out runs.parquet
      nas-sim suite presets
    """


@suite.command("run")
@click.argument("suite_file", metavar="SUITE.toml")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Suite directory (default: runs/<suite name>).",
)
@click.option(
    "--executor",
    "-e",
    type=click.Choice(EXECUTORS),
    default="local",
    show_default=True,
    help="local: a process pool; ray: Ray tasks (local or --address); serial: in-process.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel runs (default: the CPU count; for Ray, its local CPUs).",
)
@click.option("--address", default=None, help="Ray cluster address (implies --executor ray).")
@click.option("--resume", is_flag=True, help="Continue a suite directory: skip finished runs.")
@click.option(
    "--benchmark-path",
    multiple=True,
    metavar="LABEL=PATH",
    help="Where a preset's benchmark lives (a learning-curve set or surrogate dir).",
)
@click.option(
    "--plugin",
    multiple=True,
    metavar="FILE_OR_MODULE",
    help="Load user code that registers plugins (must also be importable by workers).",
)
@click.option("--dry-run", is_flag=True, help="Print the expanded grid size and stop.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def run_cmd(
    suite_file: str,
    out: Path | None,
    executor: str,
    jobs: int | None,
    address: str | None,
    resume: bool,
    benchmark_path: tuple[str, ...],
    plugin: tuple[str, ...],
    dry_run: bool,
    quiet: bool,
) -> None:
    """Run every cell of SUITE.toml (a file or a preset name) and store one result per run."""
    from nas_sim import registry
    from nas_sim.atomic import OutputPathError
    from nas_sim.interrupt import Interrupted, signals_raise
    from nas_sim.suite.executors import ExecutorError, make_executor
    from nas_sim.suite.lock import SuiteLockedError
    from nas_sim.suite.parse import load_suite
    from nas_sim.suite.spec import SuiteSpecError
    from nas_sim.suite.store import SuiteStoreError

    for p in plugin:
        try:
            registry.load_plugin(p)
        except registry.PluginError as exc:
            raise _error(str(exc)) from exc
    overrides = {}
    for item in benchmark_path:
        label, sep, bench_path = item.partition("=")
        if not sep or not label or not bench_path:
            raise _error(f"--benchmark-path expects LABEL=PATH, got {item!r}")
        overrides[label] = bench_path
    path = resolve_suite_file(suite_file)
    try:
        spec = load_suite(path, benchmark_paths=overrides)
        cells = spec.expand()
    except SuiteSpecError as exc:
        raise _error(str(exc)) from exc
    if address is not None:
        executor = "ray"
    out = out or Path("runs") / spec.name
    click.echo(
        f"suite {spec.name!r}: {len(cells)} runs "
        f"({len(spec.benchmarks)} benchmark(s), {len({c.label for c in cells})} "
        f"optimizer variant(s), {len(spec.seeds)} seed(s)) -> {out}",
        err=True,
    )
    if dry_run:
        from nas_sim.suite.suite_run import check_on_benchmarks

        try:  # the benchmarks' own checks too (e_few < max_epochs, …): a dry run validates
            check_on_benchmarks(spec)
        except (SuiteSpecError, SuiteStoreError) as exc:
            raise _error(str(exc)) from exc
        return
    try:
        ex = make_executor(executor, jobs=jobs, address=address, plugins=plugin)
    except ValueError as exc:
        raise _error(str(exc)) from exc
    try:
        with signals_raise():
            progress = _run_with_progress(spec, out, ex, resume, quiet)
    except (
        SuiteStoreError,
        SuiteSpecError,
        ExecutorError,
        SuiteLockedError,
        OutputPathError,
    ) as exc:
        raise _error(str(exc)) from exc
    except Interrupted as exc:
        from nas_sim.suite.store import ResultsStore

        kept = len(ResultsStore(out).finished_ids() & {c.run_id for c in cells})
        click.echo(
            f"{exc}: stopped the workers; {kept} of {len(cells)} run(s) are stored in {out} "
            f"(runs in flight were dropped, nothing partial is kept). Resume with:\n"
            f"  nas-sim suite {suite_file} --out {out} --resume",
            err=True,
        )
        raise click.exceptions.Exit(exc.exit_code) from None
    for run_id, why in sorted(progress.damaged.items()):
        click.echo(f"warning: {why}; moved to {out / 'damaged'} and run again ({run_id})", err=True)
    click.echo(
        f"{progress.ok} run(s) finished, {len(progress.failed)} failed, "
        f"{progress.skipped} skipped (already finished); results in {out}",
        err=True,
    )
    if progress.failed:
        from collections import Counter

        for err, n in Counter(progress.failed.values()).most_common(5):
            click.echo(f"  {n} run(s) failed with: {err}", err=True)
        click.echo(f"  tracebacks in {out / 'failed'}", err=True)
        # a suite with failed runs is not a success: schedulers and scripts must see it
        raise _error(
            f"{len(progress.failed)} of {progress.total} run(s) failed; fix the cause and rerun "
            f"with --resume --out {out} to retry them"
        )


def _run_with_progress(spec: Any, out: Path, ex: Any, resume: bool, quiet: bool) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from nas_sim.suite.suite_run import run_suite

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=quiet,
    )
    with bar:
        task = bar.add_task(spec.name, total=None, failed=0)

        def on_start(p: Any) -> None:
            bar.update(task, total=p.total - p.skipped, completed=0)

        def on_outcome(outcome: Any, p: Any) -> None:
            bar.update(task, completed=p.done, failed=len(p.failed))

        return run_suite(spec, out, ex, resume=resume, on_outcome=on_outcome, on_start=on_start)


@suite.command("export")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="runs.parquet or runs.csv",
)
@click.option(
    "--trajectories", is_flag=True, help="One row per trajectory point instead of one row per run."
)
def export_cmd(directory: Path, out: Path, trajectories: bool) -> None:
    """Export every run of a suite directory to one Parquet or CSV table."""
    from nas_sim.suite.export import export_runs
    from nas_sim.suite.store import SuiteStoreError

    try:
        path = export_runs(directory, out, trajectories=trajectories)
    except (SuiteStoreError, ValueError) as exc:
        raise _error(str(exc)) from exc
    click.echo(f"exported {directory} to {path}")


@suite.command("presets")
def presets_cmd() -> None:
    """The preset suite files shipped in suites/."""
    from nas_sim.suite.parse import load_suite
    from nas_sim.suite.spec import SuiteSpecError

    for p in sorted(PRESET_DIR.glob("*.toml")):
        try:
            spec = load_suite(p)
            note = f"{len(spec.expand())} runs — {spec.description}"
        except SuiteSpecError as exc:
            note = f"unavailable: {exc}"
        click.echo(f"{p.stem}: {note}")

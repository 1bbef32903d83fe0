"""The ``nas-sim`` command line: ``run``, ``list``, ``benchmarks info``, ``plot``, ``suite`` and
``report`` live in the core; plugin packages add command groups through the ``nas_sim.cli`` entry
points (one module each)."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nas_sim import registry
from nas_sim.defaults import (
    DEFAULT_BENCHMARK,
    DEFAULT_BUDGET,
    DEFAULT_OPTIMIZER,
    DEFAULT_WRAPPER,
    OVERHEAD_MODES,
)

if TYPE_CHECKING:
    from nas_sim.simulator import OverheadMode

# The simulator, benchmarks and the commands' own modules (numpy, pyarrow, ...) are imported by
# the commands that use them, so that ``nas-sim --help`` starts in a fraction of a second.


class NasSimError(click.ClickException):
    """An error shown as ``Error: <message>`` with exit code 1, without a traceback."""


def _load_plugins(plugins: tuple[str, ...]) -> None:
    for spec in plugins:
        try:
            registry.load_plugin(spec)
        except registry.PluginError as exc:
            raise NasSimError(str(exc)) from exc


def _parse_params(params: tuple[str, ...], option: str = "--param") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in params:
        key, sep, raw = p.partition("=")
        if not sep or not key:
            raise NasSimError(f"{option} expects KEY=VALUE, got {p!r}")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


class RegistryOption(click.Option):
    """An option whose help text names the registered plugins of ``kind`` (``{names}`` in the
    help), computed when the help is shown, so it cannot go stale."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        template = self.help
        self.help = (template or "").replace("{names}", ", ".join(registry.names(self.kind)))
        try:
            return super().get_help_record(ctx)
        finally:
            self.help = template


class LazyGroup(click.Group):
    """A group whose subcommands are imported when they are run, not when the CLI starts.

    ``lazy`` maps a command name to ``(load, short_help)``: ``load()`` returns the command; with a
    ``short_help`` the top-level help lists it without importing it (the built-in groups:
    tests/nas_sim/test_cli_and_determinism.py checks the texts against the commands'), without one
    it is loaded to ask it (third-party plugins).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, tuple[Callable[[], click.Command | None], str | None]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            load, _ = self.lazy.pop(cmd_name)
            cmd = load()
            if cmd is not None:
                self.add_command(cmd, name=cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        listed = []
        for name in self.list_commands(ctx):
            short = self.lazy[name][1] if name in self.lazy else None
            cmd = click.Command(name, help=short) if short else self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                listed.append((name, cmd))
        if listed:
            limit = formatter.width - 6 - max(len(name) for name, _ in listed)
            rows = [(name, cmd.get_short_help_str(limit)) for name, cmd in listed]
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nas-sim")
@click.option("-v", "--verbose", count=True, help="Say what long commands do (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors: no progress bars or warnings.")
def main(verbose: int, quiet: bool) -> None:
    """Simulate neural architecture search on benchmarks with full learning curves."""
    from nas_sim.progress import configure_logging

    configure_logging(verbose, quiet)


@main.command()
@click.option(
    "--benchmark",
    "-b",
    default=DEFAULT_BENCHMARK,
    show_default=True,
    cls=RegistryOption,
    kind="benchmark",
    help="Registered benchmark ({names}), learning-curve set (.parquet) or surrogate dir.",
)
@click.option(
    "--optimizer",
    "-o",
    default=DEFAULT_OPTIMIZER,
    show_default=True,
    cls=RegistryOption,
    kind="optimizer",
    help="Registered optimizer: {names}.",
)
@click.option(
    "--param",
    "-p",
    multiple=True,
    metavar="KEY=VALUE",
    help="Optimizer hyperparameter (JSON value), repeatable.",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0))
@click.option(
    "--budget",
    default=DEFAULT_BUDGET,
    show_default=True,
    help="Simulated seconds, or Nx mean full-training times.",
)
@click.option("--workers", "-w", default=1, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--overhead",
    type=click.Choice(OVERHEAD_MODES),
    default="none",
    show_default=True,
    help="How optimizer overhead enters the simulated clock.",
)
@click.option("--max-jobs", type=click.IntRange(min=1), default=None, help="Stop after N jobs.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the result file (JSON) here.",
)
@click.option(
    "--plugin",
    multiple=True,
    metavar="FILE_OR_MODULE",
    help="Load user code that registers plugins, repeatable.",
)
@click.option(
    "--lce",
    "lce_method",
    default=None,
    metavar="METHOD",
    cls=RegistryOption,
    kind="lce",
    help="Compose the optimizer with this registered LCE method ({names}) through --wrapper.",
)
@click.option(
    "--lce-param",
    multiple=True,
    metavar="KEY=VALUE",
    help="With --lce: a parameter of the LCE method (JSON value), repeatable.",
)
@click.option(
    "--lce-method-defaults",
    is_flag=True,
    help="With --lce: the method's own defaults (WPM: Domhan's 100 walkers x 2,500 steps) "
    "instead of the wrapper's affordable ones.",
)
@click.option(
    "--e-few",
    type=click.IntRange(min=1),
    default=None,
    help="With --lce: epochs of partial training before extrapolating.",
)
@click.option(
    "--top-fraction",
    type=float,
    default=None,
    help="With --lce: promote candidates predicted in this top fraction (default 0.5).",
)
@click.option(
    "--lce-target-epoch",
    type=click.IntRange(min=1),
    default=None,
    help="With --lce: epoch to extrapolate to (default: the last).",
)
@click.option(
    "--wrapper",
    default=DEFAULT_WRAPPER,
    show_default=True,
    metavar="NAME",
    cls=RegistryOption,
    kind="wrapper",
    help="With --lce: the registered wrapper that composes optimizer and method ({names}).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def run(
    benchmark: str,
    optimizer: str,
    param: tuple[str, ...],
    seed: int,
    budget: str,
    workers: int,
    overhead: OverheadMode,
    max_jobs: int | None,
    out: Path | None,
    plugin: tuple[str, ...],
    lce_method: str | None,
    lce_param: tuple[str, ...],
    lce_method_defaults: bool,
    e_few: int | None,
    top_fraction: float | None,
    lce_target_epoch: int | None,
    wrapper: str,
    as_json: bool,
    quiet: bool,
) -> None:
    """Simulate one NAS run (default: REA on the embedded MNIST-1D benchmark)."""
    from dataclasses import asdict

    from nas_sim import api
    from nas_sim.atomic import OutputPathError
    from nas_sim.interrupt import signals_raise
    from nas_sim.results import ResultFileError, check_result_path, save_result
    from nas_sim.simulator import OptimizerProtocolError, RunInterrupted, SimulationError

    if out is not None:
        try:  # before the run: a long run must not fail at its end
            check_result_path(out)
        except OutputPathError as exc:
            raise NasSimError(str(exc)) from exc
    _load_plugins(plugin)
    try:
        bench = api.load_benchmark(benchmark)
        if lce_method is not None and e_few is None:
            raise ValueError("--lce needs --e-few (epochs of partial training)")
        if lce_method is None and (
            e_few is not None
            or top_fraction is not None
            or lce_target_epoch is not None
            or lce_param
            or lce_method_defaults
        ):
            raise ValueError(
                "--e-few, --top-fraction, --lce-target-epoch, --lce-param and "
                "--lce-method-defaults need --lce METHOD"
            )
        opt = api.make_optimizer(
            optimizer,
            _parse_params(param),
            lce=lce_method,
            lce_params=_parse_params(lce_param, "--lce-param") or None,
            lce_defaults="method" if lce_method_defaults else "wrapper",
            e_few=e_few,
            wrapper=wrapper,
            wrapper_options=None
            if lce_method is None
            else {
                "top_fraction": 0.5 if top_fraction is None else top_fraction,
                "target_epoch": lce_target_epoch,
            },
        )
        from nas_sim.budget import parse_budget

        parsed_budget = parse_budget(budget)
    except (registry.UnknownPluginError, registry.PluginError, ValueError, TypeError) as exc:
        raise NasSimError(str(exc)) from exc

    progress_cm = _progress(disabled=quiet or as_json)
    with progress_cm as progress:
        task = progress.add_task(f"{opt.name} on {bench.name}", total=1.0)

        def tick(now: float, budget_s: float) -> None:
            progress.update(task, completed=min(now / budget_s, 1.0))

        try:
            with signals_raise():
                result = api.run(
                    bench,
                    opt,
                    seed=seed,
                    budget=parsed_budget,
                    workers=workers,
                    overhead=overhead,
                    max_jobs=max_jobs,
                    progress=tick,  # type: ignore[arg-type]
                )
        except RunInterrupted as exc:
            progress.stop()
            _save_interrupted(exc, out)
        except OptimizerProtocolError as exc:
            if exc.plugin_frames:
                click.echo(
                    "the optimizer's own frames (most recent call last):\n" + exc.plugin_frames,
                    err=True,
                )
            raise NasSimError(str(exc)) from exc
        except (ValueError, SimulationError) as exc:
            raise NasSimError(str(exc)) from exc
    if out is not None:
        try:
            save_result(result, out)
        except (OutputPathError, ResultFileError) as exc:
            raise NasSimError(str(exc)) from exc
    summary = asdict(result.summary)
    summary.update(benchmark=bench.name, optimizer=opt.name, seed=seed, objective=bench.objective)
    if as_json:
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
    else:
        _print_summary(summary, bench.test_metric, out)
    if out is None and not as_json:
        # the summary alone is not the result: say how to keep the file `plot` and `report` read
        suggested = f"results/{_slug(opt.name)}-{_slug(Path(bench.name).stem)}-seed{seed}.json"
        click.echo(
            f"result not saved: rerun with --out {suggested} to keep the result file "
            "(trajectory, configuration, versions)",
            err=True,
        )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text) or "run"


def _save_interrupted(exc: Any, out: Path | None) -> None:
    """A run stopped by SIGINT/SIGTERM: save its partial trajectory (marked ``interrupted`` in
    its config) when ``--out`` was given, say so, and exit with the signal's code."""
    from nas_sim.atomic import OutputPathError
    from nas_sim.interrupt import Interrupted
    from nas_sim.results import ResultFileError, save_result

    cause = exc.__cause__
    what = str(cause) if isinstance(cause, Interrupted) else "interrupted"
    code = cause.exit_code if isinstance(cause, Interrupted) else 130
    s = exc.result.summary
    where = "nothing written (no --out)"
    if out is not None:
        try:
            save_result(exc.result, out)
            where = f"partial trajectory written to {out}, marked interrupted"
        except (OutputPathError, ResultFileError) as err:
            where = f"the partial trajectory could not be written: {err}"
    click.echo(
        f"{what} after {s.jobs} jobs at simulated time {s.simulated_time_s:.6g} s of "
        f"{s.budget_s:.6g} s; {where}",
        err=True,
    )
    raise click.exceptions.Exit(code)


def _progress(disabled: bool) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}% of budget"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=disabled,
    )


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _print_summary(s: dict[str, Any], test_metric: str, out: Path | None) -> None:
    from nas_sim.tables import print_table

    rows = [
        ("incumbent", s["incumbent"]),
        (f"incumbent {s['objective']}", s["incumbent_val"]),
        (f"incumbent {test_metric}", s["incumbent_test"]),
        ("test regret", s["regret"]),
        ("simulated time (s)", s["simulated_time_s"]),
        ("budget (s)", s["budget_s"]),
        ("jobs / runs / full trainings", f"{s['jobs']} / {s['runs']} / {s['full_trainings']}"),
        ("epochs trained", s["epochs_trained"]),
    ]
    title = f"{s['optimizer']} on {s['benchmark']} (seed {s['seed']})"
    print_table(title, ("what", "value"), rows, short=_fmt, header=False)
    if out is not None:
        click.echo(f"result written to {out}")


#: ``nas-sim list KIND`` accepts each registry kind and its plural
_LIST_KINDS = {**{k: k for k in registry.KINDS}, **{f"{k}s": k for k in registry.KINDS}}


@main.command("list")
@click.argument("kind", required=False, type=click.Choice(sorted(_LIST_KINDS)))
@click.option("--plugin", multiple=True, metavar="FILE_OR_MODULE", help="Load user plugins first.")
@click.option("--json", "as_json", is_flag=True, help="Print {kind: [names]} as JSON.")
def list_plugins(kind: str | None, plugin: tuple[str, ...], as_json: bool) -> None:
    """Registered plugins: every kind, or the names of one KIND, one per line."""
    _load_plugins(plugin)
    kinds = list(registry.KINDS) if kind is None else [_LIST_KINDS[kind]]
    found = {k: registry.names(k) for k in kinds}
    if as_json:
        click.echo(json.dumps(found, indent=2))
    elif kind is not None:
        for name in found[kinds[0]]:
            click.echo(name + _needs(kinds[0], name))
    else:
        for k, names in found.items():
            shown = [n + _needs(k, n) for n in names]
            click.echo(f"{k} ({registry.KINDS[k]}): {', '.join(shown) or '-'}")


def _needs(kind: str, name: str) -> str:
    """`` (needs path)`` for factories that cannot be built from the name alone."""
    if kind != "benchmark":
        return ""
    try:
        needs = registry.required_arguments(kind, name)
    except registry.PluginError:
        return ""
    return f" (needs {', '.join(needs)}: pass the file itself)" if needs else ""


@main.group()
def benchmarks() -> None:
    """Registered benchmarks (`nas-sim list benchmark` lists them)."""


@benchmarks.command("info")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def benchmarks_info(name: str, as_json: bool) -> None:
    """Describe a benchmark (registered name or path)."""
    from nas_sim import api

    try:
        info = api.load_benchmark(name).describe()
    except (registry.UnknownPluginError, registry.PluginError, ValueError) as exc:
        raise NasSimError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(info, indent=2, sort_keys=True, default=str))
        return
    for k, v in info.items():
        click.echo(f"{k}: {v}")


@main.command()
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Image file to write (.png, .pdf, .svg).",
)
def plot(results: tuple[Path, ...], output: Path) -> None:
    """Best validation error and regret against simulated time (mean ± s.e. over seeds)."""
    from nas_sim.atomic import OutputPathError
    from nas_sim.plots import check_figure_path, plot_results
    from nas_sim.results import ResultFileError, load_result

    try:
        check_figure_path(output)
    except OutputPathError as exc:
        raise NasSimError(str(exc)) from exc
    files: list[Path] = []
    for r in results:
        files.extend(sorted(r.glob("*.json")) if r.is_dir() else [r])
    loaded = []
    for f in files:
        try:
            loaded.append(load_result(f))
        except ResultFileError as exc:
            click.echo(f"warning: skipped {exc}", err=True)
    if not loaded:
        raise NasSimError("no readable result files given")
    try:
        plot_results(loaded, output)
    except OutputPathError as exc:
        raise NasSimError(str(exc)) from exc
    click.echo(f"plotted {len(loaded)} result(s) to {output}")


#: short help of the built-in command groups, so that ``nas-sim --help`` lists them unloaded
#: (the value of each entry point, or the core module's ``module:attribute``)
BUILT_IN_SHORT_HELP = {
    "nas_sim.suite.cli:suite": "Experiment suites: benchmark × optimizer × LCE × E_few × seed × "
    "budget × workers.",
    "nas_sim.report.cli:report": "Report a suite: regret against simulated time, final-value "
    "table with ranks, Wilcoxon tests, LCE-strategy comparison and learning curves, in one "
    "self-contained HTML page.",
    "nas_sim.lce.cli:lce": "Learning-curve extrapolation (LCE) methods: offline comparison.",
    "nas_sim.benchmarks.cli:import_group": "Import benchmark data into a learning-curve set "
    "(.parquet + .json).",
    "nas_sim.benchmarks.cli:build": "Build the NAS-Bench-x11 benchmarks (tabular + surrogate) "
    "from downloaded official data.",
    "nas_sim.benchmarks.cli:data": "Generate and assemble benchmark data.",
    "nas_sim.benchmarks.cli:surrogate": "Surrogate benchmarks with full learning curves "
    "(NAS-Bench-x11 technique).",
}
CORE_GROUPS = {"suite": "nas_sim.suite.cli:suite", "report": "nas_sim.report.cli:report"}


def _import(target: str) -> Callable[[], click.Command]:
    def load() -> click.Command:
        module, _, attr = target.partition(":")
        cmd: click.Command = getattr(importlib.import_module(module), attr)
        return cmd

    return load


def _add_core_commands() -> None:
    for name, target in CORE_GROUPS.items():
        main.lazy[name] = (_import(target), BUILT_IN_SHORT_HELP[target])


def _add_plugin_commands() -> None:
    for ep in entry_points(group="nas_sim.cli"):
        if ep.name in main.commands or ep.name in main.lazy:
            print(
                f"warning: CLI plugin {ep.name!r} ({ep.value}) would replace the core command "
                "of that name; skipped",
                file=sys.stderr,
            )
            continue

        def load(ep: Any = ep) -> click.Command | None:
            try:
                cmd: click.Command = ep.load()
            except Exception as exc:  # a broken plugin must not take the whole CLI down
                print(f"warning: CLI plugin {ep.name!r} failed to load: {exc}", file=sys.stderr)
                return None
            return cmd

        main.lazy[ep.name] = (load, BUILT_IN_SHORT_HELP.get(ep.value))


_add_core_commands()
_add_plugin_commands()

if __name__ == "__main__":
    main()

"""``nas-sim data …``: generate the MNIST-1D NB201 learning curves and build the curve set."""

from __future__ import annotations

import sys
from pathlib import Path

import click


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
        if not stats_only:
            jobs = pilot_plan(cells, seed_list)
            if not sparse:
                skip = set(sparse_cell_strings())
                jobs = [j for j in jobs if NB201Space().format(j[0]) not in skip]
            generate(jobs, out, cfg, device=device, workers=workers)
        _, records = load_runs(out)
    except (GeneratorError, AssembleError, ValueError) as e:
        raise click.ClickException(str(e)) from None
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
def build_set(
    runs_folder: Path,
    out: Path | None,
    command_text: str | None,
    notes: str | None,
    design: str | None,
    float32: bool,
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
        )
    except (AssembleError, GeneratorError) as e:
        raise click.ClickException(str(e)) from None
    for p in paths:
        click.echo(str(p))


if __name__ == "__main__":
    data(sys.argv[1:])

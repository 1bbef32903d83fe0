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
    "--archs",
    default="priority",
    show_default=True,
    help="'priority' (all 6,466 cells, prioritized) or a file of NB201 arch strings, one a line",
)
@click.option("--seeds", default="0,1,2", show_default=True, help="comma-separated training seeds")
@click.option("--epochs", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=0))
@click.option("--limit", default=None, type=click.IntRange(min=0), help="train only the first N")
@click.option(
    "--n-train", default=None, type=click.IntRange(min=1), help="(tests) training signals"
)
def generate_mnist1d(
    out: Path,
    archs: str,
    seeds: str,
    epochs: int,
    device: str,
    workers: int,
    limit: int | None,
    n_train: int | None,
) -> None:
    """Train NB201 cells on MNIST-1D; resumable (rerun the same command to continue)."""
    from dataclasses import replace

    from nas_sim.benchmarks.mnist1d.generator import GeneratorConfig, GeneratorError, generate
    from nas_sim.benchmarks.mnist1d.plan import file_plan, priority_plan
    from nas_sim.benchmarks.mnist1d.training import resolve_device

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
    cfg = GeneratorConfig()
    cfg = replace(cfg, training=replace(cfg.training, epochs=epochs))
    if n_train is not None:
        cfg = replace(cfg, data=replace(cfg.data, n_train=n_train))
    try:
        generate(jobs, out, cfg, device=device, workers=workers)
    except GeneratorError as e:
        raise click.ClickException(str(e)) from None


@data.command("build-set")
@click.option("--runs", "runs_folder", required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    default=None,
    type=click.Path(path_type=Path),
    help="output folder (default: the packaged benchmarks/data/mnist1d_nb201)",
)
@click.option("--command", "command_text", default=None, help="generate command, for the card")
@click.option("--notes", default=None, help="how the generation went (workers, load), for the card")
def build_set(
    runs_folder: Path, out: Path | None, command_text: str | None, notes: str | None
) -> None:
    """Assemble finished runs into curves.parquet (+ sidecar), DATA_CARD.md and stats.json."""
    from nas_sim.benchmarks.mnist1d import DATA_DIR
    from nas_sim.benchmarks.mnist1d.assemble import AssembleError, build

    try:
        paths = build(runs_folder, out or DATA_DIR, generate_command=command_text, notes=notes)
    except AssembleError as e:
        raise click.ClickException(str(e)) from None
    for p in paths:
        click.echo(str(p))


if __name__ == "__main__":
    data(sys.argv[1:])

"""``nas-sim build nb111|nb211|nb311|nlp11 --data PATH --out DIR``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


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
    f = click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))(f)
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
    if kw.get("trust"):
        click.echo(
            "warning: loading pickle/torch files (--trust): a malicious file can run code", err=True
        )
    try:
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
def build_nb111(data: Path, out: Path, tfrecord: Path | None, **kw: Any) -> None:
    """NB111: NB101 per-epoch curves (E_max 108) + the 4/12/36/108-epoch accuracies as features."""
    _run("nb111", data, out, tfrecord=tfrecord, **kw)


@build.command("nb211")
@_common
@click.option("--trust", is_flag=True, help="Allow pickle/torch files (they can run code).")
@click.option("--dataset", default=None, help="cifar10-valid (default), cifar100, ImageNet16-120.")
def build_nb211(data: Path, out: Path, trust: bool, dataset: str | None, **kw: Any) -> None:
    """NB211: NB201 curves (E_max 200), categorical op encoding."""
    if not trust:
        raise click.ClickException(
            "NB201 files are pickles, which can run code when loaded; pass --trust if you trust "
            "their origin"
        )
    kw.pop("skip_malformed", None)
    _run("nb211", data, out, trust=trust, dataset=dataset, **kw)


@build.command("nb311")
@_common
def build_nb311(data: Path, out: Path, **kw: Any) -> None:
    """NB311: NB301 curves (E_max 98), the 56-value ConfigSpace vector."""
    _run("nb311", data, out, **kw)


@build.command("nlp11")
@_common
def build_nlp11(data: Path, out: Path, **kw: Any) -> None:
    """NLP11: NAS-Bench-NLP recipes of <= 12 nodes (E_max 50), first 3 val-loss epochs as features."""
    _run("nlp11", data, out, **kw)

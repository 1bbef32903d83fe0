"""``nas-sim surrogate fit|evaluate|info``: build, score and inspect surrogate artifacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from nas_sim.benchmarks.surrogate.noise import NOISE_MODELS


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group("surrogate")
def surrogate() -> None:
    """Surrogate benchmarks with full learning curves (NAS-Bench-x11 technique)."""


@surrogate.command("fit")
@click.argument("curve_set", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--space", default=None, help="Search space (default: the set's).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
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
        )
        model.save(out)
    except (CurveSetError, SurrogateError, UnknownPluginError, ValueError) as exc:
        raise _fail(exc) from exc
    click.echo(
        f"fitted {compression}+{mean_model}+{noise} surrogate "
        f"(k={model.compression_.n_components}) on {cs.n_runs} runs; wrote {out}"
    )


@surrogate.command("evaluate")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
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
def evaluate_command(directory: Path, test_set: Path, samples: int, as_json: bool) -> None:
    """Score the surrogate in DIRECTORY on held-out architectures (R², Kendall τ, KL)."""
    from nas_sim.benchmarks.curve_set import CurveSetError, read_curve_set
    from nas_sim.benchmarks.surrogate import SurrogateError, evaluate_surrogate, load_surrogate
    from nas_sim.search_space import InvalidArchitectureError

    try:
        model = load_surrogate(directory)
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
        f"{'KL avg':>8s} {'KL fin':>8s}"
    )

    def f(v: Any) -> str:
        return "     n/a" if v is None else f"{v:8.3f}"

    for m, r in res["metrics"].items():
        click.echo(
            f"{m:16s} {f(r['r2_avg'])} {f(r['r2_final'])} {f(r['tau_avg'])} "
            f"{f(r['tau_final'])} {f(r['kl_avg'])} {f(r['kl_final'])}"
        )


@surrogate.command("info")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info_command(directory: Path, as_json: bool) -> None:
    """Show a surrogate artifact's manifest (after verifying every file's SHA-256)."""
    from nas_sim.benchmarks.surrogate import SurrogateError, load_surrogate
    from nas_sim.benchmarks.surrogate.artifact import read_manifest

    try:
        load_surrogate(directory)  # verifies hashes and that it loads
        manifest = read_manifest(directory)
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
    summary["files"] = len(manifest["files"])
    if as_json:
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    for k, v in summary.items():
        click.echo(f"{k:18s} {v if not isinstance(v, (dict, list)) else json.dumps(v)}")

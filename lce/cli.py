"""``nas-sim lce …``: compare learning-curve extrapolation methods offline."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group("lce")
def lce() -> None:
    """Learning-curve extrapolation (LCE) methods: offline comparison."""


def _int_list(text: str) -> list[int]:
    try:
        out = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}") from None
    if not out:
        raise click.BadParameter("give at least one value")
    return out


@lce.command("evaluate")
@click.option(
    "--curves",
    "curves_spec",
    required=True,
    help="A registered tabular benchmark (e.g. mnist1d), a learning-curve set (.parquet) or a "
    "folder of NAS-Bench-NLP logs.",
)
@click.option("--e-few", default="10,20", show_default=True, help="Comma-separated E_few values.")
@click.option(
    "--methods",
    default="wpm,lcsvr,last",
    show_default=True,
    help="Comma-separated registered LCE methods (see `nas-sim list lce`).",
)
@click.option(
    "--target-epoch",
    type=click.IntRange(min=1),
    default=None,
    help="Epoch to predict (default: the last).",
)
@click.option(
    "--metric",
    default=None,
    help="Metric of the curves (default: the set's objective; val_loss for NLP logs).",
)
@click.option(
    "--train-fraction",
    type=float,
    default=0.5,
    show_default=True,
    help="Fraction of architectures used to fit/calibrate methods.",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--max-curves",
    type=click.IntRange(min=2),
    default=None,
    help="Evaluate on at most N test curves (seeded subsample).",
)
@click.option(
    "--max-train-curves",
    type=click.IntRange(min=2),
    default=None,
    help="Fit methods that learn (LcSVR) on at most N training curves (seeded subsample).",
)
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write predicted-vs-true panels to this image.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def lce_evaluate(
    curves_spec: str,
    e_few: str,
    methods: str,
    target_epoch: int | None,
    metric: str | None,
    train_fraction: float,
    seed: int,
    max_curves: int | None,
    max_train_curves: int | None,
    plot_path: Path | None,
    as_json: bool,
) -> None:
    """MAE, Kendall tau, log-likelihood, 90% coverage and seconds per curve of LCE methods."""
    from nas_sim import registry
    from nas_sim.lce.evaluate import evaluate, load_curves, plot_predictions, rows_as_dicts
    from nas_sim.lce.method import CurveError

    if plot_path is not None:
        from nas_sim.atomic import OutputPathError
        from nas_sim.plots import check_figure_path

        try:  # before the evaluation, which can take minutes
            check_figure_path(plot_path, what="plot")
        except OutputPathError as exc:
            raise click.ClickException(str(exc)) from exc
    names = [m.strip() for m in methods.split(",") if m.strip()]
    valid = registry.names("lce")
    for name in names:
        if name not in valid:
            raise click.ClickException(
                f"unknown LCE method {name!r}; choose from: {', '.join(valid)}"
            )
    from nas_sim.progress import steps

    try:
        data = load_curves(curves_spec, metric)
        preds: dict = {}
        e_values = _int_list(e_few)
        with steps("LCE evaluate", len(names) * len(e_values)) as advance:
            rows = evaluate(
                data,
                names,
                e_values,
                target_epoch=target_epoch,
                train_fraction=train_fraction,
                seed=seed,
                max_curves=max_curves,
                max_train_curves=max_train_curves,
                predictions=preds,
                on_step=lambda what: advance(description=f"LCE evaluate: {what} done"),
            )
    except (ValueError, CurveError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    for file, reason in data.skipped:
        click.echo(f"skipped {file}: {reason}", err=True)
    if plot_path is not None:
        try:
            plot_predictions(data, preds, rows, plot_path)
        except ValueError as exc:  # OutputPathError: the destination changed meanwhile
            raise click.ClickException(str(exc)) from exc
    if as_json:
        out = {
            "curves": data.name,
            "metric": data.metric,
            "n_curves": int(data.curves.shape[0]),
            "skipped": [{"file": f, "reason": r} for f, r in data.skipped],
            "results": rows_as_dicts(rows),
        }
        click.echo(json.dumps(out, indent=2))
        return
    from nas_sim.tables import print_table

    columns = (
        "method",
        "E_few",
        "target",
        "train/test",
        "MAE",
        "Kendall tau",
        "log-lik",
        "cov 90%",
        "fit s",
        "s/curve",
        "fallbacks",
    )
    table = [
        (
            r.method,
            r.e_few,
            r.target_epoch,
            f"{r.n_train}/{r.n_test}",
            float(r.mae),
            float(r.kendall_tau),
            float(r.log_likelihood),
            float(r.coverage_90),
            float(r.fit_s),
            float(r.predict_s_per_curve),
            r.n_fallback,
        )
        for r in rows
    ]

    def short(v: object) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    title = f"LCE on {data.name} ({data.metric}, {data.curves.shape[0]} curves)"
    print_table(title, columns, table, short=short)
    if plot_path is not None:
        click.echo(f"plot written to {plot_path}")

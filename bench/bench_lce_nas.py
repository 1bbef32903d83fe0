"""Does LCE help NAS? Plain optimizers vs. the same optimizers wrapped in LCE, same simulated budget.

NAS-Bench-x11 found REA/LS/BANANAS + LcSVR beat their single-fidelity versions. This script is a
thin driver of the library: it writes a suite (every optimizer with and without each LCE method,
many seeds, one run per checkpoint budget; seeds 0–29 for reporting, 1000+ for any tuning), runs
it with :func:`nas_sim.suite.run_suite` (resumable: rerun the same command to finish it) and
prints the report's LCE table per budget (:func:`nas_sim.report.build_report`): mean test regret ±
standard error over seeds, the change against the plain optimizer and the paired Wilcoxon p.

    python bench/bench_lce_nas.py --optimizers rea,bananas --lce lcsvr --seeds 0-29 --budget 40x
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def suite_dict(args: argparse.Namespace) -> dict[str, Any]:
    """The suite this comparison is: budgets are the checkpoints (a run's trajectory up to a
    smaller budget is the same whatever the budget, so each checkpoint is its own run)."""
    params = json.loads(args.params)
    bench = Path(args.benchmark)
    lce: dict[str, Any] = {"top_fraction": args.top_fraction}
    if args.target_epoch is not None:
        lce["target_epoch"] = args.target_epoch
    return {
        "suite": {
            "name": "lce_nas",
            "description": "plain vs LCE-wrapped optimizers (bench/bench_lce_nas.py)",
            "seeds": _seeds(args.seeds),
            "budget": sorted(set(args.checkpoints.split(",")) | {args.budget}, key=_multiple),
            "workers": 1,
            "e_few": [args.e_few],
        },
        "lce": lce,
        "benchmark": [
            {"path": str(bench.resolve()), "label": bench.stem}
            if bench.suffix == ".parquet" or bench.is_dir()
            else {"name": args.benchmark}
        ],
        "optimizer": [
            {"name": o, "params": params.get(o, {}), "lce": ["none", *args.lce.split(",")]}
            for o in args.optimizers.split(",")
        ],
    }


def _multiple(budget: str) -> float:
    return float(budget.rstrip("x")) if budget.endswith("x") else float("inf")


def lce_tables(report_data: dict[str, Any]) -> str:
    out = []
    for setting, rows in report_data["lce"].items():
        out.append(f"\n## {setting}: test regret (mean ± s.e. over seeds; lower is better)")
        out.append(
            "| optimizer | n | mean | s.e. | vs plain | Wilcoxon p | full trainings | runs |"
        )
        out.append("|---|---|---|---|---|---|---|---|")
        for r in rows:
            vs = "" if r["vs_base_pct"] is None else f"{r['vs_base_pct']:+.1f} %"
            p = "" if r["p_vs_base"] is None else f"{r['p_vs_base']:.3g}"
            out.append(
                f"| {r['label']} | {r['n']} | {r['final_mean']:.5f} | {r['final_se']:.5f} | {vs} "
                f"| {p} | {r['full_trainings']:.1f} | {r['runs_started']:.1f} |"
            )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmark", default="mnist1d", help="registered name or .parquet / dir")
    ap.add_argument("--optimizers", default="rea,bananas")
    ap.add_argument("--lce", default="lcsvr", help="comma-separated LCE methods")
    ap.add_argument("--e-few", type=int, default=10)
    ap.add_argument("--top-fraction", type=float, default=0.5)
    ap.add_argument("--target-epoch", type=int, default=None)
    ap.add_argument("--seeds", default="0-29")
    ap.add_argument("--budget", default="40x")
    ap.add_argument("--checkpoints", default="10x,20x,40x")
    ap.add_argument("--workers", type=int, default=2, help="local processes")
    ap.add_argument("--out", default="/tmp/nas_sim_bench/lce_nas", help="suite directory")
    ap.add_argument(
        "--params",
        default="{}",
        help='optimizer hyperparameters as JSON, e.g. \'{"bananas": {"train_epochs": 50}}\'',
    )
    args = ap.parse_args()

    from nas_sim.report import build_report
    from nas_sim.suite import make_executor, parse_suite, run_suite

    spec = parse_suite(suite_dict(args), source="bench_lce_nas")
    out = Path(args.out)
    progress = run_suite(
        spec,
        out,
        make_executor("local", jobs=args.workers),
        resume=(out / "manifest.json").is_file(),
        on_outcome=lambda o, p: print(f"{o.run_id}: {o.status} ({o.wall_s:.1f} s)", flush=True),
    )
    if progress.failed:
        print(f"{len(progress.failed)} runs failed; see {out}/failed/")
    print(lce_tables(build_report(out, with_figures=False).data))


if __name__ == "__main__":
    main()

"""Does LCE help NAS? Plain optimizers vs. the same optimizers wrapped in LCE, same simulated budget.

NAS-Bench-x11 found REA/LS/BANANAS + LcSVR beat their single-fidelity versions. This script
runs ``optimizer`` and ``LCE(optimizer, method, **preset)`` on one benchmark for many seeds
(seeds 0–29 for reporting; use 1000+ for any tuning), and reports the test regret at several
budgets: mean ± standard error over seeds and a paired Wilcoxon signed-rank test (same seeds).

Results are appended to a JSON-lines file, one line per (config, seed), so an interrupted run
resumes where it stopped.

    python bench/bench_lce_nas.py --optimizers rea,bananas --lce lcsvr --seeds 0-29 --budget 40x
"""

from __future__ import annotations

import argparse
import json
import math
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def run_one(job: dict) -> dict:
    from nas_sim import api

    bench = api.load_benchmark(job["benchmark"])
    opt = api.make_optimizer(
        job["optimizer"],
        job["params"].get(job["optimizer"], {}),
        lce=job["lce"] or None,
        e_few=job["e_few"] if job["lce"] else None,
        wrapper_options={"top_fraction": job["top_fraction"], "target_epoch": job["target_epoch"]}
        if job["lce"]
        else None,
    )
    t0 = time.perf_counter()
    res = api.run(bench, opt, seed=job["seed"], budget=job["budget"])
    wall = time.perf_counter() - t0
    mean_full = bench.mean_full_training_time_s
    traj = res.trajectory
    regret_at = {}
    for cp in job["checkpoints"]:
        limit = float(cp.rstrip("x")) * mean_full
        reg = None
        for t, r in zip(traj.time_s, traj.regret):
            if t > limit:
                break
            reg = r
        regret_at[cp] = reg
    return {
        **job,
        "regret_at": regret_at,
        "full_trainings": res.summary.full_trainings,
        "jobs": res.summary.jobs,
        "epochs_trained": res.summary.epochs_trained,
        "wall_s": wall,
    }


def summarize(lines: list[dict], checkpoints: list[str]) -> str:
    from scipy import stats

    by: dict[tuple[str, str], dict[int, dict]] = {}
    for r in lines:
        by.setdefault((r["optimizer"], r["lce"] or "-"), {})[r["seed"]] = r
    out = []
    for cp in checkpoints:
        out.append(f"\n## test regret at {cp} budget (mean ± s.e. over seeds; lower is better)")
        out.append("| optimizer | LCE | n | mean regret | s.e. | full trainings | jobs |")
        out.append("|---|---|---|---|---|---|---|")
        for (o, m), runs in sorted(by.items()):
            v = np.array(
                [
                    np.nan if r["regret_at"][cp] is None else r["regret_at"][cp]
                    for r in runs.values()
                ]
            )
            full = np.mean([r["full_trainings"] for r in runs.values()])
            jobs = np.mean([r["jobs"] for r in runs.values()])
            se = np.nanstd(v, ddof=1) / math.sqrt(np.isfinite(v).sum()) if len(v) > 1 else np.nan
            out.append(
                f"| {o} | {m} | {len(v)} | {np.nanmean(v):.5f} | {se:.5f} | {full:.1f} | "
                f"{jobs:.1f} |"
            )
        for o in sorted({k[0] for k in by}):
            plain = by.get((o, "-"), {})
            for m in sorted({k[1] for k in by if k[0] == o and k[1] != "-"}):
                lce = by[(o, m)]
                common = sorted(set(plain) & set(lce))
                a = np.array([plain[s]["regret_at"][cp] for s in common], dtype=float)
                b = np.array([lce[s]["regret_at"][cp] for s in common], dtype=float)
                ok = np.isfinite(a) & np.isfinite(b)
                d = b[ok] - a[ok]
                if ok.sum() < 2 or np.all(d == 0):
                    out.append(f"- {o}+{m} vs {o}: {ok.sum()} paired seeds, no difference to test")
                    continue
                w = stats.wilcoxon(b[ok], a[ok])
                out.append(
                    f"- {o}+{m} vs {o}: mean difference {d.mean():+.5f} ± {d.std(ddof=1) / math.sqrt(len(d)):.5f} "
                    f"(LCE − plain), LCE better on {(d < 0).sum()}, worse on {(d > 0).sum()}, tied "
                    f"{(d == 0).sum()} of {len(d)} seeds; paired Wilcoxon p = {w.pvalue:.3g}"
                )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmark", default="mnist1d")
    ap.add_argument("--optimizers", default="rea,bananas")
    ap.add_argument("--lce", default="lcsvr", help="comma-separated LCE methods")
    ap.add_argument("--e-few", type=int, default=10)
    ap.add_argument("--top-fraction", type=float, default=0.5)
    ap.add_argument("--target-epoch", type=int, default=None)
    ap.add_argument("--seeds", default="0-29")
    ap.add_argument("--budget", default="40x")
    ap.add_argument("--checkpoints", default="10x,20x,40x")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="/tmp/nas_sim_bench/lce_nas.jsonl")
    ap.add_argument(
        "--params",
        default="{}",
        help='optimizer hyperparameters as JSON, e.g. \'{"bananas": {"train_epochs": 50}}\'',
    )
    args = ap.parse_args()

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done: list[dict] = []
    if out.exists():
        done = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]

    def key(j: dict) -> tuple:
        return (
            j["benchmark"],
            j["optimizer"],
            j["lce"],
            j["seed"],
            j["budget"],
            json.dumps(j.get("params", {}).get(j["optimizer"], {}), sort_keys=True),
        )

    have = {key(r) for r in done}
    checkpoints = args.checkpoints.split(",")
    jobs = []
    for o in args.optimizers.split(","):
        for m in [None, *args.lce.split(",")]:
            for s in _seeds(args.seeds):
                j = dict(
                    benchmark=args.benchmark,
                    optimizer=o,
                    lce=m,
                    seed=s,
                    budget=args.budget,
                    e_few=args.e_few,
                    top_fraction=args.top_fraction,
                    target_epoch=args.target_epoch,
                    checkpoints=checkpoints,
                    params=json.loads(args.params),
                )
                if key(j) not in have:
                    jobs.append(j)
    # cheap configurations first so partial results cover every optimizer early
    jobs.sort(key=lambda j: (j["optimizer"] == "bananas", j["seed"]))
    print(f"{len(jobs)} runs to do, {len(done)} already in {out}", flush=True)
    with ProcessPoolExecutor(args.workers) as pool, out.open("a") as f:
        for r in pool.map(run_one, jobs):
            f.write(json.dumps(r) + "\n")
            f.flush()
            done.append(r)
            print(
                f"{r['optimizer']}+{r['lce']} seed {r['seed']}: regret {r['regret_at']} "
                f"({r['wall_s']:.1f} s)",
                flush=True,
            )
    mine = [r for r in done if r["benchmark"] == args.benchmark and r["budget"] == args.budget]
    print(summarize(mine, checkpoints))


if __name__ == "__main__":
    main()

"""nas-sim's WPM against a straightforward emcee implementation of the same model (issue 18).

Both sample Domhan et al.'s posterior (11 curve families, 100 walkers x 2,500 steps, 500 burn-in,
thin 20) on NAS-Bench-NLP validation-loss curves, observed for ``--e-few`` epochs, predicting
epoch 50:

- ``emcee``: ``WPM(sampler="emcee")``, one ``emcee.EnsembleSampler(vectorize=True)`` per curve,
  the straightforward implementation (the log-posterior of all walkers in one numpy call);
- ``batched numpy``: ``WPM()``, nas-sim's batched stretch move (float32), one curve and a batch;
- ``batched torch``: ``WPM(backend="torch")`` on a batch, after one warm-up call that compiles.

Runs are interleaved and repeated; prints seconds per curve (median; wall and this process's CPU
time, since the machine may be shared) and the mean absolute error of the predicted final loss
against the observed one. ``--big N`` adds numpy and torch on one batch of N curves (64: WPM's
default batch), which the emcee side does not run (10 s per curve). The NAS-Bench-NLP logs are read from
``--data`` (a directory of ``log_stats_model_*.json``); without them the script says so and stops.

    python bench/compare_wpm.py --data DIR [--curves 8] [--repeats 2] [--big 64]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def load(data: Path, n: int, e_max: int = 50) -> np.ndarray:
    rows = []
    for f in sorted(data.glob("log_stats_model_*.json")):
        d = json.loads(f.read_text())
        v = d.get("val_losses", [])
        if d.get("status") == "OK" and len(v) >= e_max and np.isfinite(v[:e_max]).all():
            rows.append(v[:e_max])
        if len(rows) == n:
            break
    return np.asarray(rows, dtype=np.float64)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--curves", type=int, default=8)
    ap.add_argument("--e-few", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--big", type=int, default=0, help="also one batch of this many curves")
    args = ap.parse_args()
    curves = load(args.data, max(args.curves, args.big))
    big_partial, big_truth = curves[: args.big, : args.e_few], curves[: args.big, -1]
    curves = curves[: args.curves]
    if len(curves) == 0:
        sys.exit(f"compare_wpm: no NAS-Bench-NLP logs with 50 epochs under {args.data}")
    from nas_sim.lce.wpm import WPM

    partial, truth = curves[:, : args.e_few], curves[:, -1]
    small = (partial, truth)
    methods = {
        "emcee (per curve)": (WPM(sampler="emcee"), True, small),
        "batched numpy (per curve)": (WPM(), True, small),
        "batched numpy (one batch)": (WPM(), False, small),
    }
    if args.big:
        methods[f"batched numpy ({args.big} curves)"] = (WPM(), False, (big_partial, big_truth))
    if not args.no_torch:
        torch_wpm = WPM(backend="torch")
        t0 = time.perf_counter()
        torch_wpm.predict(partial, 50, metric="val_loss")  # compiles for this batch size
        print(f"torch first call (compilation included): {time.perf_counter() - t0:.1f} s")
        methods["batched torch (one batch)"] = (torch_wpm, False, small)
        if args.big:
            t0 = time.perf_counter()
            torch_wpm.predict(big_partial, 50, metric="val_loss")  # a new batch size compiles
            print(f"torch first call, {args.big} curves: {time.perf_counter() - t0:.1f} s")
            methods[f"batched torch ({args.big} curves)"] = (
                torch_wpm,
                False,
                (big_partial, big_truth),
            )
    seconds: dict[str, list[float]] = {k: [] for k in methods}
    cpu: dict[str, list[float]] = {k: [] for k in methods}
    errors: dict[str, list[float]] = {k: [] for k in methods}
    for rep in range(args.repeats):
        for name, (wpm, one_by_one, (x, y)) in methods.items():
            rng = np.random.default_rng(rep)
            t0, c0 = time.perf_counter(), time.process_time()
            if one_by_one:
                means = np.array(
                    [wpm.predict(c[None], 50, metric="val_loss", rng=rng).mean[0] for c in x]
                )
            else:
                means = wpm.predict(x, 50, metric="val_loss", rng=rng).mean
            seconds[name].append((time.perf_counter() - t0) / len(x))
            cpu[name].append((time.process_time() - c0) / len(x))
            errors[name].append(float(np.mean(np.abs(means - y))))
    print(
        f"{len(partial)} NAS-Bench-NLP curves, E_few={args.e_few} -> epoch 50, Domhan's settings; "
        f"medians of {args.repeats} interleaved repeats"
    )
    base = statistics.median(seconds["emcee (per curve)"])
    for name in methods:
        s = statistics.median(seconds[name])
        print(
            f"{name:<30} {s:7.3f} s/curve ({base / s:5.1f}x emcee), "
            f"CPU {statistics.median(cpu[name]):6.3f} s/curve  "
            f"MAE of the final val loss {statistics.median(errors[name]):.4f}"
        )


if __name__ == "__main__":
    main()

"""WPM's accuracy against its cost per curve for several MCMC chains (docs/lce.md, "Inside the
LCE wrapper"): MAE and seconds per curve on curves of the embedded MNIST-1D set, predicting one
curve per call as the LCE wrapper does.

    python bench/bench_lce_wpm_chains.py [--curves 60] [--e-few 10]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from nas_sim.benchmarks.curve_set import read_curve_set
from nas_sim.benchmarks.embedded import MNIST1D_SET
from nas_sim.lce.wpm import WPM

#: (walkers, steps, burn-in, thin[, LM iterations]); the first is WPM.wrapper_defaults, the last
#: Domhan's settings (WPM's own defaults)
CHAINS: dict[str, dict[str, int]] = {
    "wrapper": dict(WPM.wrapper_defaults),
    "16x50": {"n_walkers": 16, "n_steps": 50, "burn_in": 25, "thin": 2, "lm_iterations": 10},
    "20x100": {"n_walkers": 20, "n_steps": 100, "burn_in": 50, "thin": 5},
    "32x300": {"n_walkers": 32, "n_steps": 300, "burn_in": 150, "thin": 10},
    "50x500": {"n_walkers": 50, "n_steps": 500, "burn_in": 250, "thin": 10},
    "domhan": {},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--curves", type=int, default=60)
    ap.add_argument("--e-few", type=int, default=10)
    args = ap.parse_args()
    y = read_curve_set(MNIST1D_SET).metrics["val_accuracy"]
    idx = np.random.default_rng(0).choice(len(y), args.curves, replace=False)
    last = float(np.mean(np.abs(y[idx, args.e_few - 1] - y[idx, -1])))
    print(json.dumps({"setting": "last value", "mae": last}))
    for name, chain in CHAINS.items():
        method = WPM(**chain)
        errors = []
        t0, c0 = time.perf_counter(), time.process_time()
        for i in idx:
            p = method.predict(
                y[i : i + 1, : args.e_few],
                y.shape[1],
                metric="val_accuracy",
                rng=np.random.default_rng(int(i)),
            )
            errors.append(abs(float(p.mean[0]) - float(y[i, -1])))
        n = len(idx)
        row = {
            "setting": name,
            **chain,
            "mae": float(np.mean(errors)),
            "s_per_curve_wall": (time.perf_counter() - t0) / n,
            "s_per_curve_cpu": (time.process_time() - c0) / n,
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

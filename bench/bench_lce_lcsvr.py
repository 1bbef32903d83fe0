"""LcSVR: cost and quality of the hyperparameter search size (x11: 1,000 configs × 3-fold per fit).

On the NAS-Bench-NLP logs (or any curve set), E_few = 10, target = last epoch, the seeded
architecture split of :mod:`lce.evaluate`: fit seconds, MAE, Kendall τ and 90 % coverage for
``n_configs`` in {10, 100, 1000}, with the last-value baseline measured in the same run.

    python bench/bench_lce_lcsvr.py [--curves PATH] [--configs 10,100,1000]
"""

from __future__ import annotations

import argparse
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "nas-bench-nlp-wikitext2"


def main() -> None:
    from nas_sim.lce.baselines import LastValue
    from nas_sim.lce.evaluate import evaluate, load_curves
    from nas_sim.lce.lcsvr import LcSVR

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curves", default=str(SHARED))
    ap.add_argument("--configs", default="10,100,1000")
    ap.add_argument("--e-few", type=int, default=10)
    ap.add_argument("--seeds", default="0,1,2", help="split seeds (averaged)")
    args = ap.parse_args()
    data = load_curves(args.curves)
    seeds = [int(s) for s in args.seeds.split(",")]
    print(
        f"{data.name}: {data.curves.shape[0]} curves of {data.metric}; E_few={args.e_few}; "
        f"split seeds {seeds}"
    )
    print("| method | n_configs | fit s | MAE | Kendall tau | cov 90% | log-lik |")
    print("|---|---|---|---|---|---|---|")
    variants = [("last", None)] + [("lcsvr", int(c)) for c in args.configs.split(",")]
    for name, n_configs in variants:
        rows = []
        for s in seeds:
            method = (
                LastValue() if n_configs is None else LcSVR(n_configs=n_configs, random_state=s)
            )
            rows += evaluate(data, [method], [args.e_few], seed=s)

        def mean(f: str, rows: list = rows) -> float:
            return sum(getattr(r, f) for r in rows) / len(rows)

        print(
            f"| {name} | {n_configs or '-'} | {mean('fit_s'):.2f} | {mean('mae'):.4f} | "
            f"{mean('kendall_tau'):.3f} | {mean('coverage_90'):.2f} | "
            f"{mean('log_likelihood'):.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

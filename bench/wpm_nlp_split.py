"""WPM's accuracy on the NAS-Bench-NLP split, with the log-posterior fused and family by family.

The numpy sampler evaluates the 11 curve families fused (:mod:`lce.fused_families`) when a batch
holds at most ``FUSED_MAX_WALKERS`` walkers per call (one curve, as the LCE wrapper predicts, or a
few) and family by family above it. Both are the same model; this runs ``nas-sim lce evaluate``'s
split (seed 0, half the architectures for training, target epoch 50) with Domhan's settings
twice, ``WPM()`` (batches of 64: family by family) and ``WPM(batch_size=2)`` (fused), and prints
MAE, Kendall tau and 90 % coverage per ``E_few``, with the seconds per curve.

    python bench/wpm_nlp_split.py --data DIR [--e-few 10,20]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--e-few", default="10,20")
    args = ap.parse_args()
    from nas_sim.lce.evaluate import evaluate, load_curves
    from nas_sim.lce.wpm import FUSED_MAX_WALKERS, WPM

    data = load_curves(args.data)
    e_few = [int(e) for e in args.e_few.split(",")]
    fused_batch = max(1, FUSED_MAX_WALKERS // (WPM().n_walkers // 2))
    for label, wpm in (
        ("family by family (batch 64)", WPM()),
        (f"fused (batch {min(2, fused_batch)})", WPM(batch_size=min(2, fused_batch))),
    ):
        t0 = time.process_time()
        rows = evaluate(data, [wpm], e_few)
        cpu = time.process_time() - t0
        for r in rows:
            print(
                f"{label:<28} E_few={r.e_few:<3} MAE {r.mae:.4f}  tau {r.kendall_tau:.3f}  "
                f"coverage {r.coverage_90:.2f}  {r.predict_s_per_curve:.3f} s/curve wall "
                f"(CPU {cpu / (len(rows) * r.n_test):.3f} s/curve over both E_few)"
            )


if __name__ == "__main__":
    main()

"""The peer side of ``bench/compare_simulators.py``: runs mfhpo-simulator and Syne Tune's simulator
backend in the peers' own environment (it never imports nas_sim).

Reads one JSON request per line on stdin (``{"system", "optimizer", "workers", "evaluations",
"seed"}``), answers one line ``RESULT {"seconds": ...}`` with the wall time of the
simulation alone (set-up excluded), until stdin closes. The table is an ``.npz`` written by the
comparison script: ``final`` (final validation accuracy per NB201 cell index, 15,625) and
``runtime_s`` (its full-training time), both from one stored run per cell.

Random search and REA here are the same logic as nas-sim's ``rs`` and ``rea-plain`` and the bare
loop in the comparison script: six i.i.d. ops per sample; population 20, tournament of 10 drawn
with replacement, one edge changed to a different op, the oldest member leaves.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
import warnings
from collections import deque
from typing import Any

import numpy as np

N_EDGES, N_OPS = 6, 5
POPULATION, SAMPLE = 20, 10


def cell_index(ops: tuple[int, ...]) -> int:
    i = 0
    for o in ops:
        i = i * N_OPS + o
    return i


class Proposer:
    """RS or plain REA over NB201 cells, with a numpy generator (same draws as nas-sim's)."""

    def __init__(self, optimizer: str, seed: int) -> None:
        self.rea = optimizer == "rea"
        self.rng = np.random.default_rng(seed)
        self.archs: deque[tuple[int, ...]] = deque(maxlen=POPULATION)
        self.scores: deque[float] = deque(maxlen=POPULATION)
        self.asked = 0

    def propose(self) -> tuple[int, ...]:
        rng = self.rng
        self.asked += 1
        if not self.rea or self.asked <= POPULATION or not self.scores:
            return tuple(rng.integers(0, N_OPS, size=N_EDGES).tolist())
        scores = self.scores
        picks = rng.integers(len(scores), size=SAMPLE).tolist()
        parent = self.archs[max(picks, key=scores.__getitem__)]
        edge = int(rng.integers(N_EDGES))
        child = list(parent)
        child[edge] = (parent[edge] + 1 + int(rng.integers(N_OPS - 1))) % N_OPS
        return tuple(child)

    def observe(self, arch: tuple[int, ...], score: float) -> None:
        if self.rea:
            self.archs.append(arch)
            self.scores.append(score)


def run_mfhpo(table: Any, optimizer: str, workers: int, evaluations: int, seed: int) -> float:
    from benchmark_simulator import AbstractAskTellOptimizer, ObjectiveFuncWrapper

    final, runtime = table["final"], table["runtime_s"]

    def objective(eval_config: dict[str, Any], fidels: Any = None, seed: Any = None, **_: Any):
        i = eval_config["cell"]
        return {"loss": 1.0 - final[i], "runtime": runtime[i]}

    class Opt(AbstractAskTellOptimizer):
        def __init__(self) -> None:
            self.proposer = Proposer(optimizer, seed)

        def ask(self):  # type: ignore[no-untyped-def]
            arch = self.proposer.propose()
            return {"arch": arch, "cell": cell_index(arch)}, None, None

        def tell(self, eval_config, results, *, fidels=None, config_id=None):  # type: ignore[no-untyped-def]
            self.proposer.observe(eval_config["arch"], -results["loss"])

    with tempfile.TemporaryDirectory() as tmp:
        wrapper = ObjectiveFuncWrapper(
            obj_func=objective,
            ask_and_tell=True,
            save_dir_name="compare",
            tmp_dir=tmp,
            n_workers=workers,
            n_evals=evaluations,
            n_actual_evals_in_opt=evaluations + workers,
            obj_keys=["loss"],
            runtime_key="runtime",
        )
        opt = Opt()
        t0 = time.perf_counter()
        wrapper.simulate(opt)
        return time.perf_counter() - t0


def run_syne_tune(table: Any, optimizer: str, workers: int, evaluations: int, seed: int) -> float:
    import logging

    import pandas as pd
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback
    from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular
    from syne_tune.blackbox_repository.simulated_tabular_backend import UserBlackboxBackend
    from syne_tune.config_space import choice, randint
    from syne_tune.optimizer.scheduler import TrialScheduler, TrialSuggestion

    logging.getLogger("syne_tune").setLevel(logging.ERROR)
    final, runtime = table["final"], table["runtime_s"]
    n = len(final)
    cells = np.arange(n)
    ops = np.stack([(cells // N_OPS**k) % N_OPS for k in range(N_EDGES - 1, -1, -1)], axis=1)
    hps = pd.DataFrame({f"e{k}": ops[:, k] for k in range(N_EDGES)})
    space = {f"e{k}": choice(list(range(N_OPS))) for k in range(N_EDGES)}
    # (configs, seeds, fidelities, objectives): one fidelity, the final value and its runtime
    evals = np.stack([1.0 - final, runtime], axis=1)[:, None, None, :]
    blackbox = BlackboxTabular(
        hyperparameters=hps,
        configuration_space=space,
        fidelity_space={"epoch": randint(1, 1)},
        objectives_evaluations=evals,
        fidelity_values=np.array([1]),
        objectives_names=["loss", "runtime"],
    )
    backend = UserBlackboxBackend(blackbox=blackbox, elapsed_time_attr="runtime")
    proposer = Proposer(optimizer, seed)

    class Scheduler(TrialScheduler):  # the same proposals as the other systems
        def suggest(self):  # type: ignore[no-untyped-def]
            arch = proposer.propose()
            return TrialSuggestion.start_suggestion({f"e{k}": arch[k] for k in range(N_EDGES)})

        def on_trial_result(self, trial, result):  # type: ignore[no-untyped-def]
            arch = tuple(int(trial.config[f"e{k}"]) for k in range(N_EDGES))
            proposer.observe(arch, -float(result["loss"]))
            return "CONTINUE"

        def metric_names(self):  # type: ignore[no-untyped-def]
            return ["loss"]

        def metric_mode(self):  # type: ignore[no-untyped-def]
            return "min"

    tuner = Tuner(
        trial_backend=backend,
        scheduler=Scheduler(random_seed=seed),
        stop_criterion=StoppingCriterion(max_num_trials_finished=evaluations),
        n_workers=workers,
        sleep_time=0,
        callbacks=[SimulatorCallback()],
        print_update_interval=10**9,
        save_tuner=False,
        suffix_tuner_name=False,
        tuner_name=f"compare-{time.time_ns()}",
    )
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries the answers
        tuner.run()
    return time.perf_counter() - t0


RUNNERS = {"mfhpo": run_mfhpo, "syne-tune": run_syne_tune}


def main() -> None:
    warnings.simplefilter("ignore")  # mfhpo warns about n_workers > cores and its sampler mode
    table = dict(np.load(sys.argv[1]))
    scratch = tempfile.mkdtemp(prefix="peers-")
    os.environ["SYNETUNE_FOLDER"] = scratch  # Syne Tune's results, not the user's home
    for line in sys.stdin:
        req = json.loads(line)
        seconds = RUNNERS[req["system"]](
            table, req["optimizer"], req["workers"], req["evaluations"], req["seed"]
        )
        print("RESULT " + json.dumps({"seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()

"""Contract kits: checks a plugin runs against itself, the same ones every built-in passes.

- optimizers: :func:`check_optimizer`, :data:`OPTIMIZER_CHECKS` (:mod:`nas_sim.testing.optimizers`)
- benchmarks: :func:`check_benchmark`, :data:`BENCHMARK_CHECKS` (:mod:`nas_sim.testing.benchmarks`)
- LCE methods: ``nas_sim.lce.testing`` (next to the LCE method interface it checks)

Each ``check_*`` runner raises :class:`ContractError` listing every broken rule; each check in the
``*_CHECKS`` tuples is one rule, to parametrise a pytest test over.
"""

from __future__ import annotations

from nas_sim.testing._common import CheckSkipped, ContractError, run_checks
from nas_sim.testing.benchmarks import BENCHMARK_CHECKS, check_benchmark
from nas_sim.testing.optimizers import (
    DEFAULT_N_JOBS,
    OPTIMIZER_CHECKS,
    check_blind_to_test_metrics,
    check_deterministic,
    check_hyperparameters_json,
    check_optimizer,
    check_parallel_workers,
    check_reproducible_in_fresh_process,
    check_requests_valid,
    check_seeds_differ,
    check_stopped_results,
)

__all__ = [
    "BENCHMARK_CHECKS",
    "DEFAULT_N_JOBS",
    "OPTIMIZER_CHECKS",
    "CheckSkipped",
    "ContractError",
    "check_benchmark",
    "check_blind_to_test_metrics",
    "check_deterministic",
    "check_hyperparameters_json",
    "check_optimizer",
    "check_parallel_workers",
    "check_reproducible_in_fresh_process",
    "check_requests_valid",
    "check_seeds_differ",
    "check_stopped_results",
    "run_checks",
]

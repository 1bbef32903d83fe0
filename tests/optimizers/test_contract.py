"""Every registered optimizer passes the plugin contract (nas_sim.testing) on the synthetic and
the embedded benchmark."""

from __future__ import annotations

from pathlib import Path

import pytest

from nas_sim import registry
from nas_sim.benchmarks.embedded import MNIST1D_SET
from nas_sim.testing import OPTIMIZER_CHECKS, check_reproducible_in_fresh_process

#: every optimizer the registry knows at collection time (the built-ins and installed plugins)
REGISTERED = registry.names("optimizer")
N_JOBS = 30
#: smaller start-up phases so that the model-based part runs within N_JOBS jobs
KWARGS = {"bananas": {"num_init": 8, "k": 4, "train_epochs": 30}, "bohb": {"num_samples": 32}}


#: a fresh interpreter importing torch / hpbandster takes 10-15 s on a loaded machine
HEAVY_IMPORTS = ("bananas", "bohb")
SYNTHETIC_CASES = [
    pytest.param(
        name,
        check,
        id=f"{name}-{check.__name__}",
        marks=[pytest.mark.slow]
        if check is check_reproducible_in_fresh_process and name in HEAVY_IMPORTS
        else [],
    )
    for name in REGISTERED
    for check in OPTIMIZER_CHECKS
]


@pytest.mark.parametrize(("name", "check"), SYNTHETIC_CASES)
def test_contract_synthetic(name: str, check, synthetic_set_path: Path) -> None:
    check(name, synthetic_set_path, kwargs=KWARGS.get(name), n_jobs=N_JOBS)


#: on the embedded benchmark the fresh-process replay (two interpreters per optimizer) is slow
MNIST1D_CHECKS = [
    pytest.param(c, marks=pytest.mark.slow) if c is check_reproducible_in_fresh_process else c
    for c in OPTIMIZER_CHECKS
]


@pytest.mark.skipif(not MNIST1D_SET.is_file(), reason="embedded mnist1d data not generated yet")
@pytest.mark.parametrize("check", MNIST1D_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", REGISTERED)
def test_contract_mnist1d(name: str, check) -> None:
    check(name, "mnist1d", kwargs=KWARGS.get(name), n_jobs=N_JOBS)

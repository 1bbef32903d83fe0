"""Experiment suites: a TOML grid of runs, executed locally or on Ray, stored resumably.

>>> from nas_sim.suite import load_suite, run_suite, make_executor
>>> spec = load_suite("suites/x11_mnist1d.toml")
>>> run_suite(spec, "runs/x11_mnist1d", make_executor("local", jobs=2), resume=True)
"""

from __future__ import annotations

from nas_sim.suite.executors import EXECUTORS, ExecutorError, make_executor
from nas_sim.suite.export import export_runs, runs_table
from nas_sim.suite.parse import load_suite, parse_suite
from nas_sim.suite.runner import LCEUnavailableError, Outcome, execute
from nas_sim.suite.spec import RunSpec, SuiteSpec, SuiteSpecError
from nas_sim.suite.store import ResultsStore, SuiteStoreError
from nas_sim.suite.suite_run import SuiteProgress, run_suite

__all__ = [
    "EXECUTORS",
    "ExecutorError",
    "LCEUnavailableError",
    "Outcome",
    "ResultsStore",
    "RunSpec",
    "SuiteProgress",
    "SuiteSpec",
    "SuiteSpecError",
    "SuiteStoreError",
    "execute",
    "export_runs",
    "load_suite",
    "make_executor",
    "parse_suite",
    "run_suite",
    "runs_table",
]

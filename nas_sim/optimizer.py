"""The optimizer interface (ask/tell) and the values that cross it.

Lifecycle, as the simulator drives it:

1. The constructor only stores hyperparameters (and validates them).
2. ``setup(problem, rng)`` is called once before the run: the search space, ``max_epochs``, the
   objective, the number of workers, and a ``numpy.random.Generator`` derived from the run's seed.
   Every random choice of the optimizer must come from that generator.
3. ``ask()`` is called whenever a worker is free. It returns a :class:`Request` (train a new run of
   an architecture to some epoch, or resume one of its earlier runs), or ``None`` when it has
   nothing to start until it hears back (the worker then waits for the next ``tell``).
4. ``tell(result)`` is called when a job finishes, with the observed partial curve (training and
   validation metrics only: test metrics never reach an optimizer).

With ``W > 1`` workers several requests are in flight; ``tell`` comes in order of simulated finish
time. An optimizer is free to ``ask`` again before every outstanding job has been told. Returning
``None`` while nothing is in flight ends the run early (nothing would ever call ``tell``).

A run's identity (``Result.run_id``) is first known at ``tell``; optimizers that resume runs
(Hyperband) keep it from there. Runs the LCE framework stopped early arrive with
``stopped=True`` and the method's ``extrapolated`` value; their ``score`` is the partial one.

``nas_sim.testing.check_optimizer`` checks a new optimizer against these rules (valid requests,
same seed same trajectory in a fresh process, blind to test metrics, several workers, stopped
runs); ``examples/optimizer_template.py`` is a starting point.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from nas_sim.params import JSON_SCALARS_AND_SEQUENCES, init_params
from nas_sim.search_space import Architecture, SearchSpace


@dataclass(frozen=True)
class Problem:
    """What an optimizer is told about the task before it starts.

    objective : validation metric being optimised, e.g. ``"val_accuracy"``.
    maximize : whether larger objective values are better. :attr:`Result.score` is already
        oriented so that larger is better, so most optimizers can ignore this.
    """

    space: SearchSpace
    max_epochs: int
    objective: str
    maximize: bool
    n_workers: int = 1


@dataclass(frozen=True)
class Request:
    """Train ``arch`` up to epoch ``to_epoch`` (1-based count of epochs, ``<= max_epochs``).

    With ``resume`` set to the ``run_id`` of an earlier, paused run of the same architecture, the run
    continues from where it stopped (same curve, only the new epochs are paid). Without it a new run
    starts from scratch, with its own training noise.
    """

    arch: Architecture
    to_epoch: int
    resume: int | None = None


@dataclass(frozen=True)
class Result:
    """What an optimizer learns when a job finishes.

    run_id : identifies the run; pass it as ``Request.resume`` to continue training it.
    epochs : epochs trained so far in this run (the length of every array in ``curve``).
    curve : observed metric → array of shape ``(epochs,)``; training and validation metrics only.
    value : the objective metric after the last trained epoch.
    score : ``value`` oriented so that larger is better (``-value`` for losses).
    finished_s : simulated time at which the job finished.
    stopped : True when the LCE framework decided not to train this run further.
    extrapolated : the LCE framework's prediction of the objective at its target epoch (stopped
        runs), oriented like ``value``; None when no extrapolation was made.
    """

    run_id: int
    arch: Architecture
    epochs: int
    curve: Mapping[str, NDArray[np.float64]]
    value: float
    score: float
    finished_s: float
    stopped: bool = False
    extrapolated: float | None = None


_new_object = object.__new__


def finished_result(
    run_id: int,
    arch: Architecture,
    epochs: int,
    curve: Mapping[str, NDArray[np.float64]],
    value: float,
    score: float,
    finished_s: float,
) -> Result:
    """``Result(...)`` of a job that simply finished (not stopped, nothing extrapolated), built
    without the frozen dataclass's generated ``__init__``.

    That ``__init__`` only stores the fields, one ``object.__setattr__`` call each: ~1.2 µs of a
    simulated job that costs ~10 µs in all, against ~0.3 µs to fill the instance's dict. The
    instance is the same one (equal, same fields); ``test_finished_result_is_the_constructors``
    compares the two field by field, so a field added to :class:`Result` must be added here.
    """
    r = _new_object(Result)
    d = r.__dict__
    d["run_id"] = run_id
    d["arch"] = arch
    d["epochs"] = epochs
    d["curve"] = curve
    d["value"] = value
    d["score"] = score
    d["finished_s"] = finished_s
    d["stopped"] = False
    d["extrapolated"] = None
    return r


class Optimizer(ABC):
    """Base class of every NAS optimizer plugin. Subclasses implement :meth:`ask` and :meth:`tell`.

    Set ``self.problem`` and ``self.rng`` in :meth:`setup` (call ``super().setup``) and keep all
    learned state in attributes ending in ``_`` (scikit-learn style).
    """

    #: registry name, filled in by registration
    name: str = ""
    #: True for optimizers that decide themselves how many epochs to train (HB, BOHB, LCE): the
    #: LCE wrapper refuses to wrap them.
    multi_fidelity: bool = False

    problem: Problem
    rng: np.random.Generator

    def setup(self, problem: Problem, rng: np.random.Generator) -> None:
        """Called once, before the first :meth:`ask`."""
        self.problem = problem
        self.rng = rng

    @abstractmethod
    def ask(self) -> Request | None:
        """The next job to run, or None to wait for a result."""

    @abstractmethod
    def tell(self, result: Result) -> None:
        """A job finished."""

    def modeled_cost_s(self, operation: str) -> float:
        """Simulated seconds an ``"ask"`` or ``"tell"`` costs under ``overhead="modeled"``.

        The default charges nothing; optimizers with real model fitting override it with a
        deterministic estimate of their cost.
        """
        return 0.0

    def hyperparameters(self) -> dict[str, object]:
        """The JSON-able constructor parameters (read back from the attributes ``__init__`` stores
        under their own names; see :mod:`nas_sim.params`), recorded in result files."""
        return init_params(self, JSON_SCALARS_AND_SEQUENCES)


def check_positive_int(name: str, value: object, minimum: int = 1) -> int:
    """Validate an integer hyperparameter, naming it in the error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_fraction(name: str, value: object, *, open_low: bool = True) -> float:
    """Validate a hyperparameter in (0, 1] (or [0, 1] with ``open_low=False``)."""
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    if ok:
        v = float(value)  # type: ignore[arg-type]
        ok = (0 < v <= 1) if open_low else (0 <= v <= 1)
    if not ok:
        interval = "(0, 1]" if open_low else "[0, 1]"
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    return float(value)  # type: ignore[arg-type]

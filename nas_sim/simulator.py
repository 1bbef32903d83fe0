"""The event-driven NAS simulator on a simulated wall clock.

``W`` identical workers train jobs; a job trains one run from epoch ``a`` to ``b`` and costs the sum
of that run's ``epoch_time_s[a:b]``. Finished jobs are events in a heap keyed by
``(finish time, sequence number)``, so ties resolve first-in-first-out. The optimizer is asked
whenever a worker is free and told whenever a job finishes.

A run's whole curve is fixed when the run starts (``benchmark.curve(arch, mix(seed, run_id))``);
resuming reveals later epochs of that same curve and pays only the new epochs. A job that would
finish after the budget is cancelled: the simulation ends at the budget, and epochs of cancelled
jobs are not counted.

Optimizer overhead is accounted for explicitly: ``none`` (the default, bit-reproducible),
``measured`` (real seconds spent in ``ask``/``tell`` are added to the clock, as NAS-Bench-x11 did)
or ``modeled`` (``optimizer.modeled_cost_s`` per call). The optimizer is one process: its calls are
serialised on its own clock, and a job starts when the ``ask`` that created it returns.
"""

from __future__ import annotations

import heapq
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nas_sim.benchmark import Benchmark
from nas_sim.budget import Budget, parse_budget
from nas_sim.defaults import OVERHEAD_MODES, OverheadMode
from nas_sim.learning_curve import LearningCurve
from nas_sim.optimizer import Optimizer, Problem, Request, finished_result
from nas_sim.search_space import Architecture, InvalidArchitectureError
from nas_sim.seeding import generators, mixer


class SimulationError(RuntimeError):
    """An optimizer broke the protocol (bad request, resuming a busy run, …)."""


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by SIGINT/SIGTERM; ``result`` is its trajectory up to the last finished job,
    with ``config["interrupted"] = True`` (the summary counts those jobs only)."""

    def __init__(self, result: SimulationResult) -> None:
        super().__init__(f"interrupted after {result.summary.jobs} jobs")
        self.result = result


class OptimizerProtocolError(SimulationError):
    """An optimizer plugin broke the ask/tell protocol, or raised inside one of its calls.

    The message names the optimizer, where its code comes from, the step (the number of calls
    made to it) and the simulated time. ``plugin_frames`` holds the plugin's own stack frames when
    it raised (the simulator's frames left out: they say nothing about the bug), "" otherwise.
    """

    def __init__(self, message: str, plugin_frames: str = "") -> None:
        super().__init__(message)
        self.plugin_frames = plugin_frames


def optimizer_origin(opt: object) -> str:
    """Where an optimizer's class comes from: its source file, or its module."""
    import inspect
    import sys

    cls = type(opt)
    module = sys.modules.get(cls.__module__)
    path = getattr(module, "__file__", None)
    if path and not cls.__module__.startswith("nas_sim."):
        return str(path)
    try:
        return inspect.getsourcefile(cls) or cls.__module__
    except TypeError:
        return cls.__module__


def _plugin_frames(exc: BaseException) -> str:
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    lines = traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


@dataclass(slots=True)
class _Run:
    run_id: int
    arch: Architecture
    curve: LearningCurve
    epochs: int = 0
    busy: bool = False


@dataclass
class Trajectory:
    """One point per finished job, as parallel lists (column-oriented for cheap appends/JSON).

    time_s : simulated time the job finished; epochs : epochs trained so far over all runs;
    jobs : finished jobs so far; incumbent_val / incumbent_test : objective of the best run trained
    to ``max_epochs`` so far (validation, its test twin; None before the first); regret : best-known
    expected test objective minus the incumbent architecture's (None when the optimum is unknown).
    """

    time_s: list[float] = field(default_factory=list)
    epochs: list[int] = field(default_factory=list)
    jobs: list[int] = field(default_factory=list)
    incumbent_val: list[float | None] = field(default_factory=list)
    incumbent_test: list[float | None] = field(default_factory=list)
    regret: list[float | None] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[Any]]:
        return dict(vars(self))


@dataclass(frozen=True)
class Summary:
    incumbent: str | None
    incumbent_val: float | None
    incumbent_test: float | None
    regret: float | None
    simulated_time_s: float
    budget_s: float
    jobs: int
    runs: int
    full_trainings: int
    epochs_trained: int
    overhead_s: float


@dataclass(frozen=True)
class SimulationResult:
    """One simulated run: its configuration, trajectory and summary. ``versions`` holds the
    library versions of a result read back from a file (a fresh run's are written on save)."""

    config: dict[str, Any]
    trajectory: Trajectory
    summary: Summary
    versions: dict[str, str] = field(default_factory=dict)


class OverheadClock:
    """The optimizer's own clock: it is one process, so its calls are serialised, and each call
    starts when both the simulation has reached ``now`` and the previous call has returned.

    How much simulated time a call costs is the overhead mode: ``none`` (nothing), ``measured``
    (the real seconds the call took) or ``modeled`` (``optimizer.modeled_cost_s(operation)``).
    """

    def __init__(self, mode: OverheadMode, optimizer: Optimizer) -> None:
        self.mode = mode
        self.optimizer = optimizer
        self.free_at_s = 0.0  # when the optimizer is next available
        self.total_s = 0.0  # overhead charged so far

    def next_free_s(self, now: float) -> float:
        return max(now, self.free_at_s)

    def call(self, fn: Callable[..., Any], operation: str, now: float, *args: Any) -> Any:
        start = max(now, self.free_at_s)
        if self.mode == "none":
            out = fn(*args)
            cost = 0.0
        elif self.mode == "measured":
            t0 = time.perf_counter()
            out = fn(*args)
            cost = time.perf_counter() - t0
        else:
            out = fn(*args)
            cost = float(self.optimizer.modeled_cost_s(operation))
        self.free_at_s = start + cost
        self.total_s += cost
        return out


class IncumbentTracker:
    """The best run trained to ``max_epochs`` by validation objective, its test twin, and its
    regret against ``benchmark.best_known`` (the incumbent's expected final test objective, so
    regret does not reward seed luck)."""

    def __init__(self, benchmark: Benchmark) -> None:
        self.benchmark = benchmark
        self.sign = 1.0 if benchmark.maximize else -1.0
        self.best = benchmark.best_known
        self.run: _Run | None = None
        self.score = float("-inf")
        self.val: float | None = None
        self.test: float | None = None
        self.regret: float | None = None
        self.full_trainings = 0

    def offer(self, run: _Run, value: float) -> None:
        """A run has just been trained to ``max_epochs`` with objective ``value``."""
        self.full_trainings += 1
        if self.sign * value > self.score:
            bench = self.benchmark
            self.score, self.run = self.sign * value, run
            self.val = value
            values = run.curve.values  # a table imported without a test metric has none
            test = values.get(bench.test_metric)
            self.test = None if test is None else float(test[bench.max_epochs - 1])
            if self.best is not None:
                exp_test = bench.expected_final(run.arch)[1]
                self.regret = self.sign * (self.best.test - exp_test)


class Simulator:
    """Simulate one NAS run of ``optimizer`` on ``benchmark``.

    Parameters
    ----------
    budget : simulated seconds, or a :class:`Budget` / ``"100x"`` string (multiples of the
        benchmark's mean full-training time).
    n_workers : asynchronous workers, ``>= 1``.
    overhead : ``"none"``, ``"measured"`` or ``"modeled"``.
    seed : the run's seed; the optimizer's generator and every run's training seed derive from it.
    max_jobs : optional cap on finished jobs (for tests and benchmarks).
    """

    def __init__(
        self,
        benchmark: Benchmark,
        optimizer: Optimizer,
        *,
        budget: Budget | str | float,
        n_workers: int = 1,
        overhead: OverheadMode = "none",
        seed: int = 0,
        max_jobs: int | None = None,
    ) -> None:
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
            raise ValueError(f"n_workers must be an integer >= 1, got {n_workers!r}")
        if overhead not in OVERHEAD_MODES:
            raise ValueError(
                f"unknown overhead mode {overhead!r}; choose from: {', '.join(OVERHEAD_MODES)}"
            )
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if max_jobs is not None and max_jobs < 1:
            raise ValueError(f"max_jobs must be >= 1 or None, got {max_jobs!r}")
        self.benchmark = benchmark
        self.optimizer = optimizer
        self.budget = parse_budget(budget)
        self.n_workers = n_workers
        self.overhead = overhead
        self.seed = seed
        self.max_jobs = max_jobs

    # ------------------------------------------------------------------ run
    def run(self, progress: Callable[[float, float], None] | None = None) -> SimulationResult:
        """Run to the end of the budget; ``progress(now_s, budget_s)`` is called per job.

        Whenever a worker is free the optimizer is asked for a job (on its own clock, which
        overhead accounting advances); the earliest-finishing job is popped from the heap, its
        run advanced, the incumbent updated from runs trained to ``max_epochs``, the optimizer
        told, and a trajectory point recorded. Jobs that would end after the budget are cancelled.
        """
        bench, opt = self.benchmark, self.optimizer
        e_max, objective = bench.max_epochs, bench.objective
        budget_s = self.budget.resolve_s(
            bench.mean_full_training_time_s if self.budget.multiple is not None else 0.0
        )
        (opt_rng,) = generators(self.seed, 1)
        # Which call of the optimizer is running ("" when none): an exception raised in it is a
        # fault of the plugin, reported as such. Counting and naming cost two stores per call,
        # where wrapping each call in a function would undo the loop's tuning below.
        calls, stage, now = 1, "setup", 0.0

        def broke(what: str, frames: str = "") -> OptimizerProtocolError:
            name = opt.name or type(opt).__name__
            return OptimizerProtocolError(
                f"optimizer {name!r} (from {optimizer_origin(opt)}) broke the protocol: {what} "
                f"(step {calls}, simulated time {now:.6g} s)",
                frames,
            )

        problem = Problem(
            space=bench.space,
            max_epochs=e_max,
            objective=objective,
            maximize=bench.maximize,
            n_workers=self.n_workers,
        )
        try:
            opt.setup(problem, opt_rng)
        except ValueError:
            raise  # setup() refusing the problem (e_few >= max_epochs, …): a bad input
        except Exception as exc:
            raise broke(f"setup() raised {type(exc).__name__}: {exc}", _plugin_frames(exc)) from exc
        clock = OverheadClock(self.overhead, opt)
        # Without overhead accounting the optimizer's clock is the simulation's (a call costs
        # nothing, so it is free at ``now``): call ask/tell directly, skipping the clock's
        # bookkeeping, which was a tenth of a tabular random-search simulation.
        timed = self.overhead != "none"
        ask, tell = opt.ask, opt.tell
        incumbent = IncumbentTracker(bench)
        sign = incumbent.sign
        runs: list[_Run] = []
        starter = _JobStarter(bench, self.seed, runs, e_max)
        start_job = starter.start
        heap: list[tuple[float, int, _Run, int]] = []
        seq = 0
        free = self.n_workers
        epochs_total = jobs = 0
        traj = Trajectory()
        # the trajectory's columns, appended to directly (six method look-ups per job saved)
        t_time, t_epochs, t_jobs = traj.time_s.append, traj.epochs.append, traj.jobs.append
        t_val, t_test = traj.incumbent_val.append, traj.incumbent_test.append
        t_regret = traj.regret.append
        max_jobs = self.max_jobs

        try:
            while True:
                # Give every free worker a job, as long as the optimizer has one.
                while free > 0 and (clock.next_free_s(now) if timed else now) < budget_s:
                    calls += 1
                    stage = "ask"
                    req = clock.call(ask, "ask", now) if timed else ask()
                    stage = ""
                    if req is None:
                        break
                    stage = "start"
                    run, start_epoch, to_epoch = start_job(req)
                    stage = ""
                    end = (clock.free_at_s if timed else now) + run.curve.cost_s(
                        start_epoch, to_epoch
                    )
                    heapq.heappush(heap, (end, seq, run, to_epoch))
                    seq += 1
                    free -= 1
                if not heap:
                    break
                end, _, run, to_epoch = heapq.heappop(heap)
                if end > budget_s:
                    break  # this and every later job finish after the budget: cancelled
                now = end
                epochs_total += to_epoch - run.epochs
                run.epochs = to_epoch
                run.busy = False
                free += 1
                jobs += 1
                curve = run.curve
                value = curve.value_at(objective, to_epoch)
                if to_epoch == e_max:
                    incumbent.offer(run, value)
                result = finished_result(
                    run.run_id,
                    run.arch,
                    to_epoch,
                    curve.observed(to_epoch),
                    value,
                    sign * value,
                    now,
                )
                calls += 1
                stage = "tell"
                if timed:
                    clock.call(tell, "tell", now, result)
                else:
                    tell(result)
                stage = ""
                t_time(now)
                t_epochs(epochs_total)
                t_jobs(jobs)
                t_val(incumbent.val)
                t_test(incumbent.test)
                t_regret(incumbent.regret)
                if progress is not None:
                    progress(now, budget_s)
                if max_jobs is not None and jobs >= max_jobs:
                    break
        except KeyboardInterrupt as exc:
            # SIGINT (or SIGTERM through nas_sim.interrupt): the trajectory so far is a valid
            # partial result; hand it over, marked, to whoever saves it
            n = len(traj.time_s)
            partial = Summary(
                incumbent=None if incumbent.run is None else bench.space.format(incumbent.run.arch),
                incumbent_val=incumbent.val,
                incumbent_test=incumbent.test,
                regret=incumbent.regret,
                simulated_time_s=traj.time_s[-1] if n else 0.0,
                budget_s=budget_s,
                jobs=n,
                runs=len(runs),
                full_trainings=incumbent.full_trainings,
                epochs_trained=traj.epochs[-1] if n else 0,
                overhead_s=clock.total_s,
            )
            config = {**self._config(budget_s), "interrupted": True}
            raise RunInterrupted(SimulationResult(config, traj, partial)) from exc
        except Exception as exc:
            if stage == "start" and isinstance(exc, (SimulationError, InvalidArchitectureError)):
                raise broke(str(exc)) from None  # a request against the rules
            if stage in ("ask", "tell"):
                raise broke(
                    f"{stage}() raised {type(exc).__name__}: {exc}", _plugin_frames(exc)
                ) from exc
            raise  # the simulator's or the benchmark's own fault: as it is

        summary = Summary(
            incumbent=None if incumbent.run is None else bench.space.format(incumbent.run.arch),
            incumbent_val=incumbent.val,
            incumbent_test=incumbent.test,
            regret=incumbent.regret,
            simulated_time_s=now,
            budget_s=budget_s,
            jobs=jobs,
            runs=len(runs),
            full_trainings=incumbent.full_trainings,
            epochs_trained=epochs_total,
            overhead_s=clock.total_s,
        )
        return SimulationResult(config=self._config(budget_s), trajectory=traj, summary=summary)

    def _config(self, budget_s: float) -> dict[str, Any]:
        bench, opt = self.benchmark, self.optimizer
        return {
            "benchmark": bench.name,
            "benchmark_version": bench.version,
            "benchmark_data_sha256": bench.data_sha256,
            "optimizer": opt.name or type(opt).__name__,
            "optimizer_hyperparameters": opt.hyperparameters(),
            "seed": self.seed,
            "budget": str(self.budget),
            "budget_s": budget_s,
            "n_workers": self.n_workers,
            "overhead": self.overhead,
            "max_jobs": self.max_jobs,
            "objective": bench.objective,
            "maximize": bench.maximize,
            "max_epochs": bench.max_epochs,
        }


class _JobStarter:
    """Checks a request and starts (or resumes) the run it names.

    Architectures are validated once each (a set remembers those that passed): most requests
    name architectures the space itself sampled, and re-validating them was 5 % of a run.
    """

    def __init__(self, benchmark: Benchmark, seed: int, runs: list[_Run], e_max: int) -> None:
        self.space = benchmark.space
        self.curve = benchmark.curve
        self.run_seed = mixer(seed)  # run_seed(run_id) == mix(seed, run_id)
        self.runs = runs
        self.e_max = e_max
        self.valid: set[Architecture] = set()

    def start(self, req: Request) -> tuple[_Run, int, int]:
        """The run a request trains, the epoch it starts from and the one it trains to."""
        if not isinstance(req, Request):
            raise SimulationError(
                f"ask() must return a Request or None, got {type(req).__name__} {req!r:.200}"
            )
        e_max, runs = self.e_max, self.runs
        to: int | None = req.to_epoch
        if type(to) is not int:  # the usual case skips the call
            to = _as_int(to)
        if to is None or not 1 <= to <= e_max:
            raise SimulationError(
                f"Request.to_epoch must be an integer in [1, {e_max}], got {req.to_epoch!r}"
            )
        if req.resume is None:
            arch = req.arch
            try:
                known = arch in self.valid
            except TypeError:  # unhashable: not an architecture; validate() says why
                known = False
            if not known:
                self.space.validate(arch)
                self.valid.add(arch)
            run_id = len(runs)
            run = _Run(run_id=run_id, arch=arch, curve=self.curve(arch, self.run_seed(run_id)))
            runs.append(run)
        else:
            resume = _as_int(req.resume)
            if resume is None or not 0 <= resume < len(runs):
                ids = f"ids 0..{len(runs) - 1}" if runs else "no run has started yet"
                raise SimulationError(
                    f"Request.resume={req.resume!r} is not a known run id ({ids})"
                )
            run = runs[resume]
            if req.arch != run.arch:
                raise SimulationError(
                    f"Request.resume={run.run_id} names a run of another architecture "
                    f"({req.arch!r} != {run.arch!r})"
                )
            if run.busy:
                raise SimulationError(f"run {run.run_id} is still training; it cannot be resumed")
            if to <= run.epochs:
                raise SimulationError(
                    f"run {run.run_id} is already trained to epoch {run.epochs}; resume it to a "
                    f"later epoch (got to_epoch={to})"
                )
        run.busy = True
        return run, run.epochs, to


def _as_int(value: object) -> int | None:
    """``value`` as an int when it is an integer of any kind (``np.int64(50)`` is a valid epoch
    in any user's code), else None; bools and floats (even 50.0) are not integers here."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return int(value)

"""Plugins for the suite tests, loaded by file path (``--plugin``) so worker processes see them."""

from __future__ import annotations

from typing import Any

from nas_sim.lce.baselines import LastValue as BuiltInLastValue
from nas_sim.optimizer import Optimizer, Request, Result
from nas_sim.registry import PluginError, register


@register("optimizer", "test-boom")
class Boom(Optimizer):
    """Raises after ``after`` requests: a plugin bug, recorded as a failed run."""

    def __init__(self, after: int = 3) -> None:
        self.after = after

    def setup(self, problem: Any, rng: Any) -> None:
        super().setup(problem, rng)
        self.asked_ = 0

    def ask(self) -> Request:
        self.asked_ += 1
        if self.asked_ > self.after:
            raise RuntimeError(f"boom after {self.after} requests")
        return Request(self.problem.space.sample(self.rng), self.problem.max_epochs)

    def tell(self, result: Result) -> None:
        pass


@register("optimizer", "test-multi-fidelity")
class MultiFidelityRS(Optimizer):
    """Random search at a random number of epochs: stands in for HB/BOHB."""

    multi_fidelity = True

    def ask(self) -> Request:
        return Request(
            self.problem.space.sample(self.rng),
            int(self.rng.integers(1, self.problem.max_epochs + 1)),
        )

    def tell(self, result: Result) -> None:
        pass


@register("lce", "test-last")
class LastValue(BuiltInLastValue):
    """The built-in last-value rule under another name, with a parameter for the suite to pass."""

    name = "test-last"

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale


@register("lce", "test-unloadable")
def unloadable_lce() -> None:
    """An LCE method whose package is broken: creating it fails like a failing entry point."""
    raise PluginError("lce plugin 'test-unloadable' failed to load: No module named 'missing'")


@register("wrapper", "test-recording")
class RecordingLCE(Optimizer):
    """A stand-in LCE wrapper: trains every candidate fully (so results equal the inner
    optimizer's) and records how the suite called it."""

    calls: list[dict[str, Any]] = []

    def __init__(self, inner: Optimizer, method: Any, e_few: int, **options: Any) -> None:
        self.inner = inner
        self.method = method
        self.e_few = e_few
        self.options = options
        RecordingLCE.calls.append({"method": type(method).__name__, "e_few": e_few, **options})
        self.name = f"lce({inner.name})"

    def setup(self, problem: Any, rng: Any) -> None:
        super().setup(problem, rng)
        self.inner.setup(problem, rng)

    def ask(self) -> Request | None:
        return self.inner.ask()

    def tell(self, result: Result) -> None:
        self.inner.tell(result)


@register("benchmark", "test-broken-bench")
def broken_benchmark() -> Any:
    """A registered benchmark whose data file is missing."""
    raise FileNotFoundError("curves.parquet does not exist (run the generator first)")

"""Optimizer plugins that break the ask/tell protocol, one way each, for the fault tests
(loaded with ``--plugin``). ``rel-np-epoch`` is not broken: NumPy integers are valid epochs."""

from __future__ import annotations

import math

import numpy as np

from nas_sim.optimizer import Optimizer, Request, Result
from nas_sim.registry import register


class _Base(Optimizer):
    def ask(self) -> Request | None:
        return Request(self.problem.space.sample(self.rng), self.problem.max_epochs)

    def tell(self, result: Result) -> None:
        pass


@register("optimizer", "rel-raise-setup")
class RaiseInSetup(_Base):
    def setup(self, problem, rng):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom in setup")


@register("optimizer", "rel-raise-ask")
class RaiseInAsk(_Base):
    def ask(self) -> Request | None:
        raise RuntimeError("boom in ask")


@register("optimizer", "rel-raise-tell")
class RaiseInTell(_Base):
    def tell(self, result: Result) -> None:
        raise KeyError("boom in tell")


def _epoch_plugin(name: str, epoch_of: object) -> None:
    class BadEpoch(_Base):
        def ask(self) -> Request | None:
            e = epoch_of(self.problem.max_epochs)  # type: ignore[operator]
            return Request(self.problem.space.sample(self.rng), e)

    BadEpoch.__name__ = f"BadEpoch_{name}"
    register("optimizer", f"rel-epoch-{name}")(BadEpoch)


_epoch_plugin("zero", lambda e: 0)
_epoch_plugin("past-end", lambda e: e + 1)
_epoch_plugin("float", lambda e: float(e))
_epoch_plugin("nan", lambda e: math.nan)
_epoch_plugin("np-int", lambda e: np.int64(e))  # valid


@register("optimizer", "rel-resume-unknown")
class ResumeUnknown(_Base):
    def ask(self) -> Request | None:
        return Request(self.problem.space.sample(self.rng), 1, resume=999)


class _AfterFirstTell(_Base):
    """New runs to epoch 1 until the first result, then a resume of run 0."""

    def setup(self, problem, rng):  # type: ignore[no-untyped-def]
        super().setup(problem, rng)
        self.first_: Result | None = None

    def ask(self) -> Request | None:
        if self.first_ is None:
            return Request(self.problem.space.sample(self.rng), 1)
        return self.resume_request(self.first_)

    def tell(self, result: Result) -> None:
        if self.first_ is None:
            self.first_ = result

    def resume_request(self, first: Result) -> Request:
        raise NotImplementedError


@register("optimizer", "rel-resume-busy")
class ResumeBusy(_AfterFirstTell):
    def resume_request(self, first: Result) -> Request:
        return Request(first.arch, self.problem.max_epochs, resume=first.run_id)


@register("optimizer", "rel-resume-other-arch")
class ResumeOtherArch(_AfterFirstTell):
    def resume_request(self, first: Result) -> Request:
        other = self.problem.space.sample(self.rng)
        while other == first.arch:
            other = self.problem.space.sample(self.rng)
        return Request(other, self.problem.max_epochs, resume=first.run_id)


@register("optimizer", "rel-returns-dict")
class ReturnsDict(_Base):
    def ask(self):  # type: ignore[no-untyped-def]
        return {"arch": self.problem.space.sample(self.rng), "to_epoch": 1}


@register("optimizer", "rel-returns-tuple")
class ReturnsTuple(_Base):
    def ask(self):  # type: ignore[no-untyped-def]
        return (self.problem.space.sample(self.rng), 1)


@register("optimizer", "rel-writes-curve")
class WritesIntoTheCurve(_Base):
    """Writes into what it is told: the stored benchmark table behind it must not change."""

    def tell(self, result: Result) -> None:
        result.curve["val_accuracy"][:] = 1.0


@register("optimizer", "rel-slow")
class SlowWhenAsked(_Base):
    """Random architectures, trained fully; with ``NAS_SIM_TEST_SLOW`` set each ask also sleeps
    that many seconds of real time (the results do not change), so a test can catch a suite
    mid-run however fast the machine."""

    def ask(self) -> Request | None:
        import os
        import time

        time.sleep(float(os.environ.get("NAS_SIM_TEST_SLOW", "0")))
        return super().ask()

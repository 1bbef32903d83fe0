"""BOHB: Hyperband whose new configurations come from hpbandster's KDE model (Falkner et al. 2018)."""

from __future__ import annotations

import logging
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from nas_sim.optimizer import Problem, Result, check_fraction, check_positive_int
from nas_sim.optimizers._unseen import sample_unseen
from nas_sim.optimizers.hyperband import Hyperband
from nas_sim.search_space import Architecture, InvalidArchitectureError

#: hpbandster warns on every KDE draw it cannot score (a categorical level absent from the good
#: set); that is expected on small data, so its messages go to a logger that is quiet by default.
LOGGER = logging.getLogger("nas_sim.optimizers.bohb.hpbandster")
if LOGGER.level == logging.NOTSET:
    LOGGER.setLevel(logging.ERROR)


class BOHB(Hyperband):
    """BOHB (Falkner, Klein, Hutter, "BOHB: Robust and Efficient Hyperparameter Optimization at
    Scale", ICML 2018).

    :class:`~nas_sim.optimizers.hyperband.Hyperband`'s brackets and promotions (resumed runs, ``eta``,
    ``min_epochs``, ``asynchronous`` as there), with rung-0 configurations proposed by the original
    implementation's model: ``hpbandster.optimizers.config_generators.bohb.BOHB``, a pair of
    kernel density estimators (good / bad configurations, ``top_n_percent`` split) per budget,
    fitted on the largest budget with at least ``min_points_in_model`` results; each proposal is
    the best of ``num_samples`` draws by the density ratio, or a random configuration with
    probability ``random_fraction``. Budgets are epochs.

    The model works on the search space's ConfigSpace view (``space.to_configspace`` /
    ``to_config`` / ``from_config``). A proposal the space rejects (a tabular benchmark covers only
    part of the space) is replaced by a covered neighbour of it, or by a random architecture.

    hpbandster draws from NumPy's global generator and the ConfigSpace's own; both are seeded
    from the optimizer's generator around every call into it (and the global state restored
    afterwards), so a seed still fixes the trajectory.

    Defaults follow NAS-Bench-x11's NB201 setting: eta 3, min_points_in_model = dimensions + 1
    (7 for NB201), top_n_percent 10, num_samples 128, random_fraction 1/3, bandwidth_factor 3,
    min_bandwidth 1e-3.
    """

    def __init__(
        self,
        eta: float = 3,
        min_epochs: int | None = None,
        n_brackets: int | None = None,
        resume: bool = True,
        asynchronous: bool = False,
        min_points_in_model: int | None = None,
        top_n_percent: int = 10,
        num_samples: int = 128,
        random_fraction: float = 1 / 3,
        bandwidth_factor: float = 3,
        min_bandwidth: float = 1e-3,
    ) -> None:
        super().__init__(
            eta=eta,
            min_epochs=min_epochs,
            n_brackets=n_brackets,
            resume=resume,
            asynchronous=asynchronous,
        )
        self.min_points_in_model = (
            None
            if min_points_in_model is None
            else check_positive_int("min_points_in_model", min_points_in_model)
        )
        self.top_n_percent = check_positive_int("top_n_percent", top_n_percent)
        if self.top_n_percent >= 100:
            raise ValueError(f"top_n_percent must be an integer in [1, 99], got {top_n_percent!r}")
        self.num_samples = check_positive_int("num_samples", num_samples)
        self.random_fraction = check_fraction("random_fraction", random_fraction, open_low=False)
        for name, value in (
            ("bandwidth_factor", bandwidth_factor),
            ("min_bandwidth", min_bandwidth),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a number > 0, got {value!r}")
        self.bandwidth_factor = float(bandwidth_factor)
        self.min_bandwidth = float(min_bandwidth)

    def setup(self, problem: Problem, rng: np.random.Generator) -> None:
        super().setup(problem, rng)
        try:
            self.configspace_ = problem.space.to_configspace()
        except NotImplementedError as exc:
            raise ValueError(f"BOHB needs a ConfigSpace view of the search space: {exc}") from exc
        from hpbandster.optimizers.config_generators.bohb import BOHB as KDEConfigGenerator

        n_dims = len(list(self.configspace_.values()))
        with self._hpbandster_rng():
            self.generator_ = KDEConfigGenerator(
                self.configspace_,
                # hpbandster raises smaller values to dimensions + 1 itself, with a warning
                min_points_in_model=max(self.min_points_in_model or 0, n_dims + 1),
                top_n_percent=self.top_n_percent,
                num_samples=self.num_samples,
                random_fraction=self.random_fraction,
                bandwidth_factor=self.bandwidth_factor,
                min_bandwidth=self.min_bandwidth,
                logger=LOGGER,
            )

    @contextmanager
    def _hpbandster_rng(self) -> Iterator[None]:
        seed = int(self.rng.integers(2**32))
        state = np.random.get_state()
        np.random.seed(seed)
        self.configspace_.seed(seed)
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                # hpbandster 0.7.4 calls ConfigSpace methods deprecated (not removed) in 1.x, and
                # statsmodels' categorical kernel divides by zero for single-level data (hpbandster
                # handles the resulting non-finite densities itself)
                for category in (DeprecationWarning, FutureWarning, RuntimeWarning):
                    warnings.simplefilter("ignore", category)
                yield
        finally:
            np.random.set_state(state)

    # ------------------------------------------------------------- hooks
    def _sample_new(self, epochs: int) -> Architecture:
        space = self.problem.space
        with self._hpbandster_rng():
            config, _ = self.generator_.get_config(float(epochs))
        try:
            arch = space.from_config(config)
            space.validate(arch)
            return arch
        except InvalidArchitectureError:
            return self._repair(arch)

    def _repair(self, arch: Architecture) -> Architecture:
        space = self.problem.space
        try:
            near = space.neighbors(arch, self.rng)
        except InvalidArchitectureError:
            near = []
        for n in near:
            if space.canonical(n) not in self.seen_:
                return n
        return near[0] if near else sample_unseen(space, self.rng, self.seen_)

    def _observe(self, result: Result) -> None:
        # hpbandster minimises a loss; a job is anything with .result, .kwargs and .exception
        job: Any = types.SimpleNamespace(
            result={"loss": -result.score},
            kwargs={
                "budget": float(result.epochs),
                "config": self.problem.space.to_config(result.arch),
            },
            exception=None,
        )
        with self._hpbandster_rng():
            self.generator_.new_result(job)

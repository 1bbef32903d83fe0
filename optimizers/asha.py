"""ASHA: asynchronous successive halving (Li et al. 2020)."""

from __future__ import annotations

from nas_sim.optimizers.hyperband import Hyperband


class ASHA(Hyperband):
    """ASHA (Li, Jamieson, Rostamizadeh, Gonina, Ben-tzur, Hardt, Recht, Talwalkar, "A System for
    Massively Parallel Hyperparameter Tuning", MLSys 2020).

    One asynchronous successive-halving bracket, the most aggressive Hyperband bracket
    (rungs from ``min_epochs`` to ``max_epochs``): ``Hyperband(asynchronous=True, n_brackets=1)``.
    Whenever a worker is free it promotes (resuming the run) the best configuration in the top
    ``1/eta`` of the highest rung that has one not yet promoted, else starts a random
    configuration at the lowest rung. Use ``hb`` / ``bohb`` with ``asynchronous=true`` for
    asynchronous Hyperband over all brackets.
    """

    def __init__(self, eta: float = 3, min_epochs: int | None = None, resume: bool = True) -> None:
        super().__init__(
            eta=eta, min_epochs=min_epochs, n_brackets=1, resume=resume, asynchronous=True
        )

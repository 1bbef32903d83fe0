"""Checks of a parsed suite that need the registered plugins: every distinct LCE configuration
is built once, as its runs will build it, so bad options are errors of the file."""

from __future__ import annotations

from nas_sim import registry
from nas_sim.suite.spec import RunSpec, SuiteSpecError, canonical_json


def check_lce_cells(cells: list[RunSpec], source: str) -> None:
    """Construct each distinct LCE configuration once (with :func:`nas_sim.api.make_optimizer`,
    as the runs will), so bad LCE options or method parameters are errors of the file. A method
    or wrapper that is not installed is skipped: its cells are then recorded as failed runs with
    a clear error, and the other cells are still checked."""
    from nas_sim import api

    seen: set[str] = set()
    for c in cells:
        if c.lce is None or c.lce not in registry.names("lce"):
            continue
        key = canonical_json(
            [
                c.optimizer,
                c.optimizer_params,
                c.lce,
                c.lce_params,
                c.e_few,
                c.lce_options,
                c.lce_wrapper,
            ]
        )
        if key in seen:
            continue
        seen.add(key)
        try:
            api.make_optimizer(
                c.optimizer,
                c.optimizer_params,
                lce=c.lce,
                lce_params=c.lce_params,
                e_few=c.e_few,
                wrapper=c.lce_wrapper or api.DEFAULT_WRAPPER,
                wrapper_options=c.lce_options,
            )
        except (registry.UnknownPluginError, registry.PluginError):
            continue
        except api.CompositionError as exc:
            if exc.part == "lce":
                raise SuiteSpecError(
                    f"{source}: [lce.params.{c.lce}]: invalid parameters for LCE method "
                    f"{c.lce!r}: {exc.cause}"
                ) from exc
            raise SuiteSpecError(
                f"{source}: LCE options {c.lce_options} with e_few={c.e_few} for {c.label!r} "
                f"(set in [lce], [[benchmark]] or [[optimizer]] lce_options): {exc.cause}"
            ) from exc

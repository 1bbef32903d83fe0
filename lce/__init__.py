"""Learning-curve extrapolation: methods (WPM, LcSVR, baselines) and the LCE framework wrapper.

>>> from nas_sim.lce import LCE, WPM
>>> from nas_sim.optimizers import RegularizedEvolution
>>> opt = LCE(RegularizedEvolution(), WPM(), e_few=10, top_fraction=0.5)

Names are imported on first access, so importing the package (as ``nas-sim --help`` does through
the ``lce`` command group) does not pull in scipy, emcee or torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nas_sim.lazy import lazy_exports

if TYPE_CHECKING:
    from nas_sim.lce.baselines import LastValue, PowerLaw
    from nas_sim.lce.conformal import ConformalWPM, SplitConformal
    from nas_sim.lce.framework import LCE
    from nas_sim.lce.lcsvr import LcSVR
    from nas_sim.lce.method import CurveError, LCEMethod, Prediction
    from nas_sim.lce.presets import PRESETS, LCEPreset, preset
    from nas_sim.lce.wpm import WPM

__all__ = [
    "LCE",
    "WPM",
    "ConformalWPM",
    "SplitConformal",
    "LcSVR",
    "LastValue",
    "PowerLaw",
    "LCEMethod",
    "Prediction",
    "CurveError",
    "PRESETS",
    "LCEPreset",
    "preset",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "LCE": "framework",
        "WPM": "wpm",
        "ConformalWPM": "conformal",
        "SplitConformal": "conformal",
        "LcSVR": "lcsvr",
        "LastValue": "baselines",
        "PowerLaw": "baselines",
        "LCEMethod": "method",
        "Prediction": "method",
        "CurveError": "method",
        "PRESETS": "presets",
        "LCEPreset": "presets",
        "preset": "presets",
    },
)

"""Learning-curve extrapolation: methods (WPM, LcSVR, baselines) and the LCE framework wrapper.

>>> from nas_sim.lce import LCE, WPM
>>> from nas_sim.optimizers.regularized_evolution import RegularizedEvolution
>>> opt = LCE(RegularizedEvolution(), WPM(), e_few=10, top_fraction=0.5)
"""

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

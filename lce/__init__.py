"""Learning-curve extrapolation: methods (WPM, LcSVR, baselines) and the LCE framework wrapper.

>>> from lce import LCE, WPM
>>> from optimizers.regularized_evolution import RegularizedEvolution
>>> opt = LCE(RegularizedEvolution(), WPM(), e_few=10, top_fraction=0.5)
"""

from lce.baselines import LastValue, PowerLaw
from lce.conformal import ConformalWPM, SplitConformal
from lce.framework import LCE
from lce.lcsvr import LcSVR
from lce.method import CurveError, LCEMethod, Prediction
from lce.presets import PRESETS, LCEPreset, preset
from lce.wpm import WPM

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

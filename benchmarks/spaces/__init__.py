"""Search spaces: NB201 (and, through their own modules, NB101, DARTS, NAS-Bench-NLP)."""

from nas_sim.benchmarks.spaces.nb201 import NB201Space

__all__ = ["NB201Space"]

"""Offline producers: code that makes benchmark data, never run during a simulation.

``importers/`` turns NAS benchmark files into learning-curve sets; ``x11/`` builds the
NAS-Bench-x11 tabular and surrogate benchmarks from them; ``surrogates.py`` refits the surrogates
shipped in the package. (The MNIST-1D generator still lives in
``benchmarks/mnist1d/``.) Everything else in ``benchmarks/`` is runtime code.
"""

"""Offline producers: code that makes benchmark data, never run during a simulation.

``importers/`` turns NAS benchmark files into learning-curve sets; ``x11/`` builds the
NAS-Bench-x11 tabular and surrogate benchmarks from them; ``surrogates.py`` refits the surrogates
shipped in the package; ``mnist1d/`` generates the embedded MNIST-1D tables (network, trainers,
designs, pilots, shards, assembly, data card). Everything else in ``benchmarks/`` is runtime code,
and ``benchmarks/shipped.py`` owns the paths of every file the package ships.
"""

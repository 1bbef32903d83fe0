"""The preset suite files (``nas-sim suite presets``), installed as ``nas_sim.suites`` package data
so that ``nas-sim suite quick_mnist1d`` works outside a git checkout too."""

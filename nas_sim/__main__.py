"""``python -m nas_sim``: the ``nas-sim`` command line."""

from nas_sim.cli import main

if __name__ == "__main__":
    main(prog_name="nas-sim")

"""An example nas-sim optimizer plugin package."""

from nas_sim_example_plugin.tournament import TournamentEvolution

__all__ = ["TournamentEvolution"]

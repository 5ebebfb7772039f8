"""The hackattic plugin for the challenge dockerized_solutions (see its README.md)."""

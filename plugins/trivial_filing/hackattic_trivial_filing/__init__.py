"""The hackattic plugin for the challenge trivial_filing (see its README.md)."""

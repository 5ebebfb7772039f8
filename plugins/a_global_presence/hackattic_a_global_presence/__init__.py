"""The hackattic plugin for the challenge a_global_presence (see its README.md)."""

"""The hackattic plugin for the challenge visual_basic_math (see its README.md)."""

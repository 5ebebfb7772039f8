"""The hackattic plugin for the challenge collision_course (see its README.md)."""

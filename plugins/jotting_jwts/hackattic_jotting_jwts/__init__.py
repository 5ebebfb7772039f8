"""The hackattic plugin for the challenge jotting_jwts (see its README.md)."""

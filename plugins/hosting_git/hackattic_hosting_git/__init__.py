"""The hackattic plugin for the challenge hosting_git (see its README.md)."""

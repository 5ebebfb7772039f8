"""The hackattic plugin for the challenge backup_restore (see its README.md)."""

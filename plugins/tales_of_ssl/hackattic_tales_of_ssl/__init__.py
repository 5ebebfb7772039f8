"""The hackattic plugin for the challenge tales_of_ssl (see its README.md)."""

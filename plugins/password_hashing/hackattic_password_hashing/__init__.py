"""The hackattic plugin for the challenge password_hashing (see its README.md)."""

"""The hackattic plugin for the challenge reading_qr (see its README.md)."""

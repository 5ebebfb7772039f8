"""The hackattic plugin for the challenge touch_tone_dialing (see its README.md)."""

"""The hackattic plugin for the challenge help_me_unpack (see its README.md)."""

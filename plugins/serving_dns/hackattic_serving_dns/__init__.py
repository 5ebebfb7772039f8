"""The hackattic plugin for the challenge serving_dns (see its README.md)."""

"""The hackattic plugin for the challenge mini_miner (see its README.md)."""

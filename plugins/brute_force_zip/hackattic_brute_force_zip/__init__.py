"""The hackattic plugin for the challenge brute_force_zip (see its README.md)."""

"""Sample plugins for the tests, importable as ``tests.plugins.<name>``."""

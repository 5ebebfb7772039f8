"""What reading a dump can go wrong with; the solver turns these into a ProblemError."""

from __future__ import annotations


class DumpError(ValueError):
    """The dump is not what pg_dump writes; the message says what is wrong, in one line."""


class DumpTooLarge(DumpError):
    """The dump decompresses to more than the bound allows (a gzip bomb, say)."""

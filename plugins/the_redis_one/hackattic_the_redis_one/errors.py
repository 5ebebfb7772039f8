"""What reading a snapshot can go wrong with; the solver turns these into a ProblemError."""

from __future__ import annotations


class RdbError(ValueError):
    """The bytes are not an RDB snapshot Redis could load; the message says why, in one line."""


class RdbLimitExceeded(RdbError):
    """The snapshot asks for more than a bound allows (a string expanding past the limit)."""

    def __init__(self, message: str, *, setting: str) -> None:
        super().__init__(f"{message} ({setting} sets the bound)")
        self.setting = setting

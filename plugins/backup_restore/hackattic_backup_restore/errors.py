"""What reading a dump can go wrong with; the solver turns these into a ProblemError."""

from __future__ import annotations


class DumpError(ValueError):
    """The dump is not what pg_dump writes; the message says what is wrong, in one line."""


class DumpLimitExceeded(DumpError):
    """Part of the dump is larger than a limit allows (a setting): refused the moment the
    limit is crossed, before it costs more. The solver turns it into the core's
    ``CostLimitExceeded`` (one line, exit 3)."""

    def __init__(self, *, field: str, value: int, limit: int, setting: str, unit: str) -> None:
        super().__init__(f"{field} is {value:,} {unit}, over the limit of {limit:,} ({setting})")
        self.field = field
        self.value = value
        self.limit = limit
        self.setting = setting
        self.unit = unit


class DumpTooLarge(DumpLimitExceeded):
    """The dump decompresses to more than the bound allows (a gzip bomb, say)."""

    def __init__(self, produced: int, max_bytes: int) -> None:
        super().__init__(
            field="decompressed dump",
            value=produced,
            limit=max_bytes,
            setting="HACKATTIC_BACKUP_RESTORE_MAX_DUMP_BYTES",
            unit="bytes",
        )

"""How much of a dump the reader accepts: every size and count it would hold or loop over.

Hackattic's dumps are about 11 KB of text: 70-odd rows of one line each, a COPY line of
about 100 characters naming 8 columns. The defaults are far above that and still keep a
hostile dump to a few hundred MiB and a few seconds; each is a setting
(``HACKATTIC_BACKUP_RESTORE_<NAME>``) of :class:`~.challenge.BackupRestoreSettings`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DumpLimitExceeded

MIB = 1024 * 1024
PREFIX = "HACKATTIC_BACKUP_RESTORE_"

DEFAULT_MAX_DUMP_BYTES = 64 * MIB
"""The decompressed dump: stops a gzip bomb."""
DEFAULT_MAX_LINE_BYTES = 1 * MIB
"""One line of the dump, and one row of a COPY block with its escaped newlines."""
DEFAULT_MAX_COPY_STATEMENT_BYTES = 256 * 1024
"""A ``COPY ... FROM stdin;`` line: the longest pg_dump can write (1600 columns of 63-byte
names, quoted, every character a doubled quote) is about 210 KB."""
DEFAULT_MAX_COLUMNS = 1600
"""PostgreSQL's own limit on the columns of a table (MaxHeapAttributeNumber)."""
DEFAULT_MAX_LINES_PER_ROW = 1000
"""Lines one row spans (a backslash before a newline continues the row)."""
DEFAULT_MAX_ROWS = 1_000_000
"""Rows of the table (hackattic sends 70 to 90)."""


@dataclass(frozen=True)
class DumpLimits:
    """The bounds one read of a dump works within."""

    max_dump_bytes: int = DEFAULT_MAX_DUMP_BYTES
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    max_copy_statement_bytes: int = DEFAULT_MAX_COPY_STATEMENT_BYTES
    max_columns: int = DEFAULT_MAX_COLUMNS
    max_lines_per_row: int = DEFAULT_MAX_LINES_PER_ROW
    max_rows: int = DEFAULT_MAX_ROWS

    def exceeded(self, name: str, field: str, value: int, unit: str) -> DumpLimitExceeded:
        """The error for ``value`` over the limit ``name`` (a field of this class)."""
        return DumpLimitExceeded(
            field=field,
            value=value,
            limit=getattr(self, name),
            setting=PREFIX + name.upper(),
            unit=unit,
        )

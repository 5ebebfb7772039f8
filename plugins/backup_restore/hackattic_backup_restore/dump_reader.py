"""One table's rows out of a plain-text pg_dump, read line by line without a database.

A plain dump is SQL, except after each ``COPY <table> (<columns>) FROM stdin;`` line: there
the table's rows follow in COPY's text format (see :mod:`.copy_text`) up to a line holding
only ``\\.``, as psql reads them when it restores the dump. Every COPY block is stepped
over; the rows of the wanted table are decoded, and only the wanted columns of each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from .copy_statement import CopyStatement, parse_copy_statement, starts_copy_data
from .copy_text import END_OF_DATA, ends_inside_an_escape, split_fields, unescape_field
from .errors import DumpError
from .limits import DumpLimits

Row = tuple[str | None, ...]

ENCODING = "utf-8"
"""pg_dump writes ``SET client_encoding = 'UTF8'`` for a UTF-8 database, hackattic's case."""


def read_table(
    lines: Iterable[bytes],
    table: str,
    columns: Sequence[str],
    *,
    schema: str = "public",
    limits: DumpLimits | None = None,
) -> Iterator[Row]:
    """The values of ``columns`` in every row of ``table``, in the dump's order.

    ``table`` is matched in ``schema`` or unqualified; the rows of every COPY block of it
    are yielded, as a restore would load them all. Raises DumpError (lazily, as the rows
    are read) when the table has no COPY block, a block lacks one of ``columns``, a row
    has the wrong number of fields or is not UTF-8, or a block has no ``\\.`` line; and
    DumpLimitExceeded as soon as the dump crosses one of ``limits``.
    """
    limits = limits or DumpLimits()
    numbered = enumerate(lines, start=1)
    found = False
    rows = _RowCount(limits)
    for number, line in numbered:
        if line[:4].upper() != b"COPY":
            continue
        if len(line) > limits.max_copy_statement_bytes:
            raise limits.exceeded(
                "max_copy_statement_bytes",
                f"COPY statement on line {number}",
                len(line),
                "bytes",
            )
        text = _decode(line, f"line {number}")
        if not starts_copy_data(text):
            continue
        statement = parse_copy_statement(text, limits)
        if statement.table == table and statement.schema in (None, schema):
            found = True
            yield from _read_rows(numbered, statement, number, columns, limits, rows)
        else:
            _skip_rows(numbered, statement, number)
    if not found:
        raise DumpError(f"no COPY ... FROM stdin for the table {schema}.{table}")


def _read_rows(
    numbered: Iterator[tuple[int, bytes]],
    statement: CopyStatement,
    statement_line: int,
    columns: Sequence[str],
    limits: DumpLimits,
    rows: _RowCount,
) -> Iterator[Row]:
    name = statement.qualified_name
    if statement.columns is None:
        raise DumpError(f"the COPY for {name} on line {statement_line} names no columns")
    missing = [column for column in columns if column not in statement.columns]
    if missing:
        raise DumpError(
            f"the COPY for {name} on line {statement_line} has no column "
            f"{', '.join(missing)} (it has {_listed(statement.columns)})"
        )
    positions = [statement.columns.index(column) for column in columns]
    row_number = 0
    # A row whose newlines are escaped spans lines: they are gathered in one buffer that
    # grows in place, within max_line_bytes (never a list of lines, never a re-copy).
    continued = bytearray()
    row_lines = 0  # lines gathered in ``continued``
    row_line = 0
    for number, line in numbered:
        if line == END_OF_DATA:
            if row_lines:
                raise DumpError(
                    f"row {row_number + 1} of {name} (line {row_line}) ends with a lone backslash"
                )
            return
        if not row_lines:
            row_line = number
        open_escape = ends_inside_an_escape(line)
        if not open_escape and not row_lines:
            raw = line  # the usual case: a row on one line
        else:
            if row_lines:
                continued += b"\n"
            continued += line
            row_lines += 1
            if len(continued) > limits.max_line_bytes:
                raise limits.exceeded(
                    "max_line_bytes",
                    f"row {row_number + 1} of {name} (line {row_line})",
                    len(continued),
                    "bytes",
                )
            if open_escape:
                if row_lines >= limits.max_lines_per_row:
                    raise limits.exceeded(
                        "max_lines_per_row",
                        f"row {row_number + 1} of {name} (line {row_line})",
                        row_lines + 1,
                        "lines",
                    )
                continue  # a backslash before the newline: the newline is data
            raw = bytes(continued)
            continued.clear()
            row_lines = 0
        row_number += 1
        rows.add()
        fields = split_fields(raw, len(statement.columns))
        if len(fields) != len(statement.columns):
            wanted = len(statement.columns)
            count = len(fields) if len(fields) < wanted else f"more than {wanted}"
            raise DumpError(
                f"row {row_number} of {name} (line {row_line}) has {count} fields, "
                f"the COPY names {len(statement.columns)} columns"
            )
        yield tuple(
            _decode_field(fields[position], f"row {row_number} of {name}, column {column}")
            for position, column in zip(positions, columns, strict=True)
        )
    raise _unterminated(statement, statement_line)


class _RowCount:
    """The rows of the table read so far, against ``max_rows``."""

    def __init__(self, limits: DumpLimits) -> None:
        self.limits = limits
        self.count = 0

    def add(self) -> None:
        self.count += 1
        if self.count > self.limits.max_rows:
            raise self.limits.exceeded("max_rows", "row count of the table", self.count, "rows")


LISTED_AT_MOST = 12
"""Column names a message lists (a hostile COPY may name thousands)."""


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(name[:63] for name in names[:LISTED_AT_MOST])
    return shown if len(names) <= LISTED_AT_MOST else f"{shown}, … ({len(names):,} in all)"


def _skip_rows(
    numbered: Iterator[tuple[int, bytes]], statement: CopyStatement, statement_line: int
) -> None:
    # psql ends the data at the first line that is exactly \. whatever came before it.
    for _, line in numbered:
        if line == END_OF_DATA:
            return
    raise _unterminated(statement, statement_line)


def _unterminated(statement: CopyStatement, statement_line: int) -> DumpError:
    return DumpError(
        f"the COPY for {statement.qualified_name} on line {statement_line} "
        "is not ended by a \\. line"
    )


def _decode_field(field: bytes, where: str) -> str | None:
    value = unescape_field(field)
    return None if value is None else _decode(value, where)


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode(ENCODING)
    except UnicodeDecodeError as exc:
        raise DumpError(f"{where} is not valid UTF-8 (byte {exc.start})") from None

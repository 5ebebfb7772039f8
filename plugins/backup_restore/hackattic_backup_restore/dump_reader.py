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

Row = tuple[str | None, ...]

ENCODING = "utf-8"
"""pg_dump writes ``SET client_encoding = 'UTF8'`` for a UTF-8 database, hackattic's case."""


def read_table(
    lines: Iterable[bytes],
    table: str,
    columns: Sequence[str],
    *,
    schema: str = "public",
) -> Iterator[Row]:
    """The values of ``columns`` in every row of ``table``, in the dump's order.

    ``table`` is matched in ``schema`` or unqualified; the rows of every COPY block of it
    are yielded, as a restore would load them all. Raises DumpError (lazily, as the rows
    are read) when the table has no COPY block, a block lacks one of ``columns``, a row
    has the wrong number of fields or is not UTF-8, or a block has no ``\\.`` line.
    """
    numbered = enumerate(lines, start=1)
    found = False
    for number, line in numbered:
        if line[:4].upper() != b"COPY":
            continue
        text = _decode(line, f"line {number}")
        if not starts_copy_data(text):
            continue
        statement = parse_copy_statement(text)
        if statement.table == table and statement.schema in (None, schema):
            found = True
            yield from _read_rows(numbered, statement, number, columns)
        else:
            _skip_rows(numbered, statement, number)
    if not found:
        raise DumpError(f"no COPY ... FROM stdin for the table {schema}.{table}")


def _read_rows(
    numbered: Iterator[tuple[int, bytes]],
    statement: CopyStatement,
    statement_line: int,
    columns: Sequence[str],
) -> Iterator[Row]:
    name = statement.qualified_name
    if statement.columns is None:
        raise DumpError(f"the COPY for {name} on line {statement_line} names no columns")
    missing = [column for column in columns if column not in statement.columns]
    if missing:
        raise DumpError(
            f"the COPY for {name} on line {statement_line} has no column "
            f"{', '.join(missing)} (it has {', '.join(statement.columns)})"
        )
    positions = [statement.columns.index(column) for column in columns]
    row_number = 0
    pieces: list[bytes] = []  # the lines of a row whose newlines are escaped, so far
    row_line = 0
    for number, line in numbered:
        if line == END_OF_DATA:
            if pieces:
                raise DumpError(
                    f"row {row_number + 1} of {name} (line {row_line}) ends with a lone backslash"
                )
            return
        if not pieces:
            row_line = number
        pieces.append(line)
        if ends_inside_an_escape(line):
            continue  # a backslash before the newline: the newline is data
        raw = b"\n".join(pieces)
        pieces.clear()
        row_number += 1
        fields = split_fields(raw)
        if len(fields) != len(statement.columns):
            raise DumpError(
                f"row {row_number} of {name} (line {row_line}) has {len(fields)} fields, "
                f"the COPY names {len(statement.columns)} columns"
            )
        yield tuple(
            _decode_field(fields[position], f"row {row_number} of {name}, column {column}")
            for position, column in zip(positions, columns, strict=True)
        )
    raise _unterminated(statement, statement_line)


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

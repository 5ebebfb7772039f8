"""The ``COPY <table> (<columns>) FROM stdin;`` line that starts a block of table data.

pg_dump writes one such line before each table's rows, always on one line, always with the
column list, e.g. ``COPY public.criminal_records (id, name, ssn) FROM stdin;``. Identifiers
follow SQL's rules: unquoted ones are folded to lower case, ``"Quoted"`` ones are kept as
written, with ``""`` standing for one ``"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import DumpError

_START = re.compile(r"COPY\s", re.IGNORECASE)
_END = re.compile(r"\sFROM\s+stdin\s*;\s*\Z", re.IGNORECASE)
_TOKEN = re.compile(
    r"""\s*(?:
        "(?P<quoted>(?:[^"]|"")*)"
      | (?P<word>[^\W\d][\w$]*)
      | (?P<punct>[().,;])
      | (?P<other>\S)
    )""",
    re.VERBOSE,
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class CopyStatement:
    """What a ``COPY ... FROM stdin`` line says: the table, and the order of its columns."""

    schema: str | None
    table: str
    columns: tuple[str, ...] | None
    """The column list, in the order of the fields of each row; None when it names none."""

    @property
    def qualified_name(self) -> str:
        return self.table if self.schema is None else f"{self.schema}.{self.table}"


def starts_copy_data(line: str) -> bool:
    """Whether ``line`` is a ``COPY ... FROM stdin;`` statement (table data follows it)."""
    return bool(_START.match(line)) and bool(_END.search(line))


def parse_copy_statement(line: str) -> CopyStatement:
    """The table and columns of a line for which :func:`starts_copy_data` holds.

    Raises DumpError when the line is not ``COPY [schema.]table [(column, ...)] FROM stdin;``.
    """
    tokens = _tokens(line)
    try:
        return _parse(tokens)
    except (IndexError, ValueError):
        raise DumpError(f"cannot read the COPY statement {line.strip()!r}") from None


def _tokens(line: str) -> list[tuple[str, str]]:
    """(kind, value) pairs: kind is ``name`` (an identifier or keyword) or ``punct``."""
    tokens = []
    position = 0
    stripped = line.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match["other"] is not None:
            raise DumpError(f"cannot read the COPY statement {line.strip()!r}")
        position = match.end()
        if match["quoted"] is not None:
            tokens.append(("name", match["quoted"].replace('""', '"')))
        elif match["word"] is not None:
            tokens.append(("name", match["word"].translate(_ASCII_LOWER)))
        else:
            tokens.append(("punct", match["punct"]))
    return tokens


def _parse(tokens: list[tuple[str, str]]) -> CopyStatement:
    # Keywords are compared folded; a quoted "copy" is a name, not the keyword, but pg_dump
    # never writes one and the start of the line was checked already.
    position = 1  # past COPY
    names = [_name(tokens, position)]
    position += 1
    if tokens[position] == ("punct", "."):
        names.append(_name(tokens, position + 1))
        position += 2
    columns: tuple[str, ...] | None = None
    if tokens[position] == ("punct", "("):
        column_names = []
        position += 1
        while True:
            column_names.append(_name(tokens, position))
            separator = tokens[position + 1]
            position += 2
            if separator == ("punct", ")"):
                break
            if separator != ("punct", ","):
                raise ValueError(separator)
        columns = tuple(column_names)
    if tokens[position:] != [("name", "from"), ("name", "stdin"), ("punct", ";")]:
        raise ValueError(tokens[position:])
    schema, table = (None, names[0]) if len(names) == 1 else (names[0], names[1])
    return CopyStatement(schema=schema, table=table, columns=columns)


def _name(tokens: list[tuple[str, str]], position: int) -> str:
    kind, value = tokens[position]
    if kind != "name":
        raise ValueError(value)
    return value

"""The ``COPY <table> (<columns>) FROM stdin;`` line that starts a block of table data.

pg_dump writes one such line before each table's rows, always on one line, always with the
column list, e.g. ``COPY public.criminal_records (id, name, ssn) FROM stdin;``. Identifiers
follow SQL's rules: unquoted ones are folded to lower case, ``"Quoted"`` ones are kept as
written, with ``""`` standing for one ``"``.

The line comes from the network: it is read by a hand-written scanner that looks at each
character a bounded number of times (a regular expression for a quoted identifier
backtracks over an unclosed one), and the columns are counted as they are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import DumpError
from .limits import DumpLimits

_START = re.compile(r"COPY\s", re.IGNORECASE)
_END = re.compile(r"\sFROM\s+stdin\s*;\Z", re.IGNORECASE)
_END_WINDOW = 64
"""Characters at the end of the line where ``FROM stdin;`` is looked for (pg_dump writes
it with single spaces): the search never runs over the whole line."""
_WORD = re.compile(r"[^\W\d][\w$]*")  # one character class repeated: no backtracking
_SPACE = re.compile(r"\s*")
_PUNCTUATION = frozenset("().,;")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
QUOTED_AT_MOST = 120
"""Characters of a bad line quoted in an error message."""

Token = tuple[str, str]
"""(kind, value): kind is ``name`` (an identifier or keyword) or ``punct``."""


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
    if not _START.match(line):
        return False
    return bool(_END.search(line.rstrip()[-_END_WINDOW:]))


def parse_copy_statement(line: str, limits: DumpLimits | None = None) -> CopyStatement:
    """The table and columns of a line for which :func:`starts_copy_data` holds.

    Raises DumpError when the line is not ``COPY [schema.]table [(column, ...)] FROM
    stdin;``, and DumpLimitExceeded when it names more columns than ``limits`` allow.
    """
    limits = limits or DumpLimits()
    try:
        return _parse(_tokens(line), limits, line)
    except (StopIteration, ValueError) as exc:
        if isinstance(exc, DumpError):
            raise
        raise DumpError(f"cannot read the COPY statement {quoted(line)}") from None


def quoted(line: str) -> str:
    """``line`` for a message: stripped, cut to QUOTED_AT_MOST characters (length said)."""
    text = line.strip()
    if len(text) <= QUOTED_AT_MOST:
        return repr(text)
    return f"{text[:QUOTED_AT_MOST]!r}… ({len(text):,} characters)"


def _tokens(line: str) -> Iterator[Token]:
    """The tokens of ``line``, one at a time: a column list is counted as it is read."""
    stripped = line.rstrip()
    position = 0
    while True:
        space = _SPACE.match(stripped, position)
        assert space is not None  # \s* always matches
        position = space.end()
        if position >= len(stripped):
            return
        character = stripped[position]
        if character == '"':
            value, position = _quoted_identifier(stripped, position, line)
            yield ("name", value)
        elif character in _PUNCTUATION:
            yield ("punct", character)
            position += 1
        else:
            word = _WORD.match(stripped, position)
            if word is None:
                raise DumpError(f"cannot read the COPY statement {quoted(line)}")
            yield ("name", word.group().translate(_ASCII_LOWER))
            position = word.end()


def _quoted_identifier(text: str, position: int, line: str) -> tuple[str, int]:
    """The identifier quoted at ``position`` (a ``"``) and where it ends; ``""`` is ``"``."""
    parts = []
    start = position + 1
    while True:
        end = text.find('"', start)
        if end == -1:
            raise DumpError(
                f"cannot read the COPY statement {quoted(line)}: a quoted identifier at "
                f"character {position + 1} is never closed"
            )
        parts.append(text[start:end])
        if text.startswith('"', end + 1):  # a doubled quote stands for one
            parts.append('"')
            start = end + 2
            continue
        return "".join(parts), end + 1


_END_OF_TOKENS: Token = ("end", "")


def _parse(tokens: Iterator[Token], limits: DumpLimits, line: str) -> CopyStatement:
    # Keywords are compared folded; a quoted "copy" is a name, not the keyword, but pg_dump
    # never writes one and the start of the line was checked already.
    next(tokens)  # COPY
    names = [_name(tokens)]
    token = next(tokens, _END_OF_TOKENS)
    if token == ("punct", "."):
        names.append(_name(tokens))
        token = next(tokens, _END_OF_TOKENS)
    columns: tuple[str, ...] | None = None
    if token == ("punct", "("):
        column_names = []
        while True:
            column_names.append(_name(tokens))
            if len(column_names) > limits.max_columns:
                raise limits.exceeded(
                    "max_columns",
                    "COPY statement's column list",
                    # About how many it names (commas in quoted names count too): one
                    # pass in C, never the tokens of the rest of a huge list.
                    max(len(column_names), line.count(",") + 1),
                    "names",
                )
            separator = next(tokens, _END_OF_TOKENS)
            if separator == ("punct", ")"):
                break
            if separator != ("punct", ","):
                raise ValueError(separator)
        columns = tuple(column_names)
        token = next(tokens, _END_OF_TOKENS)
    rest = [token, next(tokens, _END_OF_TOKENS), next(tokens, _END_OF_TOKENS)]
    if rest != [("name", "from"), ("name", "stdin"), ("punct", ";")]:
        raise ValueError(rest)
    if next(tokens, _END_OF_TOKENS) != _END_OF_TOKENS:
        raise ValueError("more after FROM stdin;")
    schema, table = (None, names[0]) if len(names) == 1 else (names[0], names[1])
    return CopyStatement(schema=schema, table=table, columns=columns)


def _name(tokens: Iterator[Token]) -> str:
    kind, value = next(tokens, _END_OF_TOKENS)
    if kind != "name":
        raise ValueError(value)
    return value

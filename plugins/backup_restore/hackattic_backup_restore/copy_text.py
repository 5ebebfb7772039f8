"""Rows in PostgreSQL's COPY text format, as ``COPY ... FROM stdin`` reads them.

The format (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format"): one row
a line, fields separated by a tab, ``\\N`` alone for NULL, and backslash escapes::

    \\b \\f \\n \\r \\t \\v    backspace, form feed, newline, carriage return, tab, vertical tab
    \\\\                  a backslash
    \\7 \\07 \\007         the byte with that octal value (1 to 3 digits)
    \\x7 \\x07            the byte with that hexadecimal value (1 or 2 digits)
    \\ and anything else that character itself (so ``\\<tab>`` is a tab inside a field,
                       and a backslash before the line's newline puts a newline in the data)

A line holding only ``\\.`` ends the data. Escapes stand for bytes, so fields are unescaped
as bytes and only then decoded from the dump's encoding.
"""

from __future__ import annotations

import re

END_OF_DATA = b"\\."
NULL = b"\\N"

_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)
_FIELD = re.compile(rb"(?:[^\\\t]++|\\(?s:.))*+")
"""One field: runs of anything but a backslash or a tab, and escapes (a backslash and any
one byte, an escaped tab included)."""
_SIMPLE_ESCAPES = {
    b"b": b"\b",
    b"f": b"\f",
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"v": b"\v",
}


def ends_inside_an_escape(raw: bytes) -> bool:
    """Whether ``raw`` ends with a backslash that escapes what follows it.

    Every escape is a backslash and one character (then digits, never a backslash), so a
    run of backslashes pairs up from its start: an odd run leaves the last one open.
    """
    return (len(raw) - len(raw.rstrip(b"\\"))) % 2 == 1


def split_fields(raw: bytes, max_fields: int | None = None) -> list[bytes]:
    """The still-escaped fields of one row: split at each tab that is not escaped.

    Linear in ``raw``, in C: each field is one match of a pattern whose every quantifier is
    possessive (it never gives back what it took, so it cannot backtrack), then cut once;
    nothing grows piece by piece. With ``max_fields``, stops after ``max_fields + 1``
    fields: the row is wrong already.
    """
    limit = len(raw) + 1 if max_fields is None else max_fields + 1
    if b"\\" not in raw:
        return raw.split(b"\t", limit - 1)
    fields: list[bytes] = []
    start = 0
    while len(fields) < limit:
        match = _FIELD.match(raw, start)
        assert match is not None  # the pattern matches the empty string
        end = match.end()
        if not raw.startswith(b"\t", end):  # the end of the row (or a lone last backslash)
            fields.append(raw[start:])
            break
        fields.append(raw[start:end])
        start = end + 1
    return fields


def unescape_field(field: bytes) -> bytes | None:
    """The bytes a field stands for, or None for ``\\N``."""
    if field == NULL:
        return None
    if b"\\" not in field:
        return field
    return _ESCAPE.sub(_unescape_one, field)


def _unescape_one(match: re.Match[bytes]) -> bytes:
    octal, hexadecimal, other = match.groups()
    if octal is not None:
        return bytes([int(octal, 8) & 0xFF])  # \777 is 511: PostgreSQL keeps the low byte
    if hexadecimal is not None:
        return bytes([int(hexadecimal, 16)])
    return _SIMPLE_ESCAPES.get(other, other)

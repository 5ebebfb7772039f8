"""COPY's text format, field by field, on rows written out by hand."""

from __future__ import annotations

import pytest
from hackattic_backup_restore.copy_text import (
    ends_inside_an_escape,
    split_fields,
    unescape_field,
)
from hackattic_backup_restore.pg_dump_writer import copy_line, encode_field

# (escaped field, the bytes it stands for): every rule of the format. PostgreSQL itself
# agrees on each: see test_postgres.py.
ESCAPES = [
    (rb"plain text", b"plain text"),
    (rb"\b\f\n\r\t\v", b"\b\f\n\r\t\v"),
    (rb"back\\slash", b"back\\slash"),
    (rb"\101\60\7", b"A0\x07"),  # octal, 1 to 3 digits
    (rb"\1011", b"A1"),  # at most 3 octal digits
    (rb"\08", b"\x008"),  # 8 is not octal
    (rb"\377\777", b"\xff\xff"),  # \777 keeps its low byte, as PostgreSQL does
    (rb"\x41\x4\x4g\x414", b"A\x04\x04gA4"),  # hex, 1 or 2 digits
    (rb"\xg\X41", b"xgX41"),  # \x without a hex digit, and \X, are letters
    (rb"\q\.\N\ ", b"q.N "),  # anything else stands for itself
    (rb"Zo\303\253 \xc3\xa9", "Zoë é".encode()),  # escapes are bytes, in the encoding
    (b"tab\\\tinside", b"tab\tinside"),  # a backslash before a real tab
    (b"line\\\nbreak", b"line\nbreak"),  # ... and before a real newline
    (b"caf\xc3\xa9", "café".encode()),  # UTF-8 as is
    (rb"\\N", b"\\N"),  # not NULL: an escaped backslash, then N
]


@pytest.mark.parametrize(("field", "expected"), ESCAPES)
def test_unescapes_every_rule_of_the_format(field: bytes, expected: bytes) -> None:
    assert unescape_field(field) == expected


def test_backslash_n_alone_is_null() -> None:
    assert unescape_field(rb"\N") is None
    assert unescape_field(b"") == b""  # an empty string is not NULL


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        (b"1\ttwo\t\\N", [b"1", b"two", b"\\N"]),
        (b"\t\t", [b"", b"", b""]),
        (b"a\\\tb\tc", [b"a\\\tb", b"c"]),  # an escaped tab is data
        (b"a\\\\\tb", [b"a\\\\", b"b"]),  # an escaped backslash, then a real tab
        (b"a\\\\\\\tb", [b"a\\\\\\\tb"]),  # three backslashes: the tab is escaped
        (b"a\\t\tb", [b"a\\t", b"b"]),
    ],
)
def test_splits_at_tabs_that_are_not_escaped(raw: bytes, fields: list[bytes]) -> None:
    assert split_fields(raw) == fields


@pytest.mark.parametrize(
    ("line", "open_escape"),
    [
        (b"abc", False),
        (b"abc\\", True),
        (b"abc\\\\", False),
        (b"abc\\\\\\", True),
        (b"\\", True),
        (b"", False),
        (b"\\n", False),
    ],
)
def test_knows_a_line_that_ends_inside_an_escape(line: bytes, open_escape: bool) -> None:
    assert ends_inside_an_escape(line) is open_escape


def test_the_writer_escapes_as_postgresql_does() -> None:
    assert encode_field(None) == "\\N"
    assert encode_field("\\N") == "\\\\N"
    assert encode_field("a\tb\nc\rd\\e\bf\fg\vh") == "a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh"
    assert encode_field("\x01 é '\"") == "\x01 é '\""  # other characters as they are
    assert copy_line(["1", None, "x\ty"]) == "1\t\\N\tx\\ty"


@pytest.mark.parametrize(
    "value", ["", "\\", "\\N", "a\tb", "\\\t\\", "line\r\nnext", "\b\f\v\x01", "Łódź \\x41"]
)
def test_what_the_writer_writes_reads_back(value: str) -> None:
    (field,) = split_fields(encode_field(value).encode())
    assert unescape_field(field) == value.encode()

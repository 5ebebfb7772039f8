"""The dump reader and the answer on dumps written out by hand, and on hostile ones."""

from __future__ import annotations

import gzip

import pytest
from hackattic_backup_restore.alive_ssns import find_alive_ssns
from hackattic_backup_restore.copy_statement import (
    CopyStatement,
    parse_copy_statement,
    starts_copy_data,
)
from hackattic_backup_restore.dump_reader import read_table
from hackattic_backup_restore.errors import DumpError

MIB = 1024 * 1024

HEADER = """--
-- PostgreSQL database dump
--

SET client_encoding = 'UTF8';
SET default_with_oids = true;

"""
# An unrelated table first, whose data holds a line that looks like the COPY we want.
UNRELATED = """COPY public.notes (id, body) FROM stdin;
1\tCOPY public.criminal_records (ssn, status) FROM stdin;
COPY public.criminal_records (ssn, status) FROM stdin;
\\.

"""
# The columns in another order than the table's, the identifiers quoted, every escape in
# the other columns, NULLs, and a row whose newline is escaped by a backslash.
CRIMINAL_RECORDS = (
    ('COPY "public"."criminal_records" (status, "SSN", ssn, id, home_address, name) FROM stdin;\n')
    + """alive\\tnot\t\\N\t579-29-0060\t1\t5990 Decker Neck\\nSuite 006\tRodney Goodwin
alive\tx\t141-85-4255\t2\t\\N\tZo\\303\\253 \\x41dams
terminated\tx\t622-57-2228\t3\ta\\\\b\\tc\\rd\tJames Lee
alive\tx\t267-81-0916\t4\tfirst line\\
second line\t\\N
missing\tx\t\\N\t5\t\\N\t\\N
alive\tx\t057-91-9762\t6\t\\\\N\tMaria\\ Lopez
\\.

"""
)
FOOTER = """SELECT pg_catalog.setval('public.criminal_records_id_seq', 6, true);

--
-- PostgreSQL database dump complete
--
"""
DUMP = HEADER + UNRELATED + CRIMINAL_RECORDS + FOOTER


def lines(text: str) -> list[bytes]:
    return text.encode().split(b"\n")


def test_reads_the_columns_asked_for_in_the_dumps_order() -> None:
    rows = list(read_table(lines(DUMP), "criminal_records", ("id", "ssn", "status", "name")))
    assert rows == [
        ("1", "579-29-0060", "alive\tnot", "Rodney Goodwin"),
        ("2", "141-85-4255", "alive", "Zoë Adams"),
        ("3", "622-57-2228", "terminated", "James Lee"),
        ("4", "267-81-0916", "alive", None),
        ("5", None, "missing", None),
        ("6", "057-91-9762", "alive", "Maria Lopez"),
    ]
    addresses = [row[0] for row in read_table(lines(DUMP), "criminal_records", ["home_address"])]
    assert addresses == [
        "5990 Decker Neck\nSuite 006",
        None,
        "a\\b\tc\rd",
        "first line\nsecond line",
        None,
        "\\N",
    ]


def test_the_answer_is_the_alive_ssns_in_table_order() -> None:
    answer = find_alive_ssns(gzip.compress(DUMP.encode()), MIB)
    # Row 1's status is "alive<tab>not": not alive. Quoted "SSN" is another column.
    assert answer.ssns == ["141-85-4255", "267-81-0916", "057-91-9762"]
    assert answer.rows == 6


def test_rows_of_every_copy_of_the_table_in_order() -> None:
    again = CRIMINAL_RECORDS.replace('"public"."criminal_records"', "criminal_records")
    rows = list(read_table(lines(DUMP + again), "criminal_records", ["id"]))
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5", "6"] * 2


@pytest.mark.parametrize(
    "statement",
    [
        "COPY public.criminal_records (id, ssn, status) FROM stdin;",
        "COPY criminal_records (id, ssn, status) FROM stdin;",
        'COPY "criminal_records" ("id", "ssn", "status") FROM stdin;',
        "copy PUBLIC.Criminal_Records (ID, SSN, Status) from STDIN ;",
    ],
)
def test_finds_the_table_however_it_is_named(statement: str) -> None:
    dump = f"{statement}\n1\t123-45-6789\talive\n\\.\n"
    assert find_alive_ssns(gzip.compress(dump.encode()), MIB).ssns == ["123-45-6789"]


@pytest.mark.parametrize(
    "statement",
    [
        'COPY public."Criminal_Records" (id, ssn, status) FROM stdin;',  # quoted: another
        "COPY archive.criminal_records (id, ssn, status) FROM stdin;",  # another schema
        "COPY public.criminal_records_old (id, ssn, status) FROM stdin;",
    ],
)
def test_other_tables_are_skipped(statement: str) -> None:
    other = f"{statement}\n1\t999-99-9999\talive\n\\.\n"
    dump = other + "COPY public.criminal_records (id, ssn, status) FROM stdin;\n\\.\n"
    assert find_alive_ssns(gzip.compress(dump.encode()), MIB).ssns == []


@pytest.mark.parametrize(
    ("line", "statement"),
    [
        (
            "COPY public.criminal_records (id, name, ssn) FROM stdin;",
            CopyStatement("public", "criminal_records", ("id", "name", "ssn")),
        ),
        (
            'COPY "My ""odd"" schema".t FROM stdin;',
            CopyStatement('My "odd" schema', "t", None),
        ),
        (
            'COPY t ("a,b", "Ünïcode", ünïcode, "user") FROM stdin;  ',
            CopyStatement(None, "t", ("a,b", "Ünïcode", "ünïcode", "user")),
        ),
    ],
)
def test_reads_copy_statements(line: str, statement: CopyStatement) -> None:
    assert starts_copy_data(line)
    assert parse_copy_statement(line) == statement


@pytest.mark.parametrize(
    "line",
    [
        "COPY public.criminal_records TO stdout;",
        "COPY public.criminal_records (id) FROM '/etc/passwd';",
        "COPYRIGHT 2018 FROM stdin;",
        "-- COPY public.criminal_records (id) FROM stdin;",
    ],
)
def test_other_lines_do_not_start_copy_data(line: str) -> None:
    assert not starts_copy_data(line)


@pytest.mark.parametrize(
    "line",
    [
        "COPY public.criminal_records (id, ssn FROM stdin;",
        "COPY public.criminal_records (id,, ssn) FROM stdin;",
        "COPY public.criminal_records (id) WITH x FROM stdin;",
        'COPY public."criminal_records (id) FROM stdin;',
        "COPY a.b.c (id) FROM stdin;",
    ],
)
def test_a_broken_copy_statement_is_named(line: str) -> None:
    with pytest.raises(DumpError, match="cannot read the COPY statement 'COPY public"):
        parse_copy_statement(line.replace("a.b.c", "public.b.c"))


COPY_LINE = "COPY public.criminal_records (id, ssn, status) FROM stdin;"


@pytest.mark.parametrize(
    ("dump", "reason"),
    [
        (
            HEADER + UNRELATED + FOOTER,
            "no COPY ... FROM stdin for the table public.criminal_records",
        ),
        (
            "COPY public.criminal_records (id, name) FROM stdin;\n\\.\n",
            "the COPY for public.criminal_records on line 1 has no column ssn, status "
            r"\(it has id, name\)",
        ),
        (
            "COPY public.criminal_records FROM stdin;\n\\.\n",
            "the COPY for public.criminal_records on line 1 names no columns",
        ),
        (
            f"{COPY_LINE}\n1\t123-45-6789\talive\n2\t123-45-6780\n\\.\n",
            r"row 2 of public.criminal_records \(line 3\) has 2 fields, the COPY names 3",
        ),
        (
            f"{COPY_LINE}\n1\t123-45-6789\talive\textra\n\\.\n",
            r"row 1 of public.criminal_records \(line 2\) has more than 3 fields",
        ),
        (
            f"{COPY_LINE}\n1\t123-45-6789\talive\n",
            r"the COPY for public.criminal_records on line 1 is not ended by a \\. line",
        ),
        (
            "COPY public.other (a) FROM stdin;\n1\n",
            r"the COPY for public.other on line 1 is not ended by a \\. line",
        ),
        (
            f"{COPY_LINE}\n1\t123-45-6789\talive\\\n\\.\n",
            r"row 1 of public.criminal_records \(line 2\) ends with a lone backslash",
        ),
        (
            f"{COPY_LINE}\n1\t123-45-67\\37789\talive\n\\.\n",
            "row 1 of public.criminal_records, column ssn is not valid UTF-8",
        ),
        (f"{COPY_LINE}\n1\t\\N\talive\n\\.\n", "row 1 of criminal_records is alive but its ssn"),
        ("COPY public.criminal_records (id, ssn) FROM stdin\n", "no COPY ... FROM stdin"),
        ("COPY public.criminal_records (id ssn) FROM stdin;\n", "cannot read the COPY"),
    ],
)
def test_a_hostile_dump_is_refused_naming_what_is_wrong(dump: str, reason: str) -> None:
    with pytest.raises(DumpError, match=reason):
        find_alive_ssns(gzip.compress(dump.encode()), MIB)


def test_a_line_that_is_not_utf8_outside_the_data_is_named() -> None:
    dump = b"COPY public.criminal_records (id, \xff) FROM stdin;\n\\.\n"
    with pytest.raises(DumpError, match="line 1 is not valid UTF-8"):
        find_alive_ssns(gzip.compress(dump), MIB)

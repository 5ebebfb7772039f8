"""The sandbox's default dump against a real one: line layout, table, key, row content.

``fixtures/real_dump_excerpt.sql`` is a dump hackattic.com served (pg_dump 10.19), as a
solver committed it to a public repository, cut to nine of its 69 rows. Another real dump
seen has the same lines but its rows (the COPY on line 95, the rows from line 96, in both).
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import re
from pathlib import Path
from typing import Any

from hackattic_backup_restore.alive_ssns import find_alive_ssns
from hackattic_backup_restore.challenge import BackupRestoreChallenge
from hackattic_backup_restore.records import MAX_ROWS, MIN_ROWS

REAL = (Path(__file__).parent / "fixtures" / "real_dump_excerpt.sql").read_text()
COPY_LINE = 95
DUMPS = 10

# What every value of a real row looks like, column by column.
ROW_SHAPES = {
    "id": r"[1-9]\d*",
    "name": r"(?:(?:Mr\.|Mrs\.|Ms\.|Dr\.|Miss) )?[A-Z][a-z]+ [A-Z][a-z]+"
    r"(?: (?:Jr\.|Sr\.|II|III|IV|V|PhD|MD|DDS|DVM))?",
    "felony": r"Animal cruelty|Arson|Burglary|Check fraud|Larceny|Manslaughter|"
    r"Obstruction of justice|Perjury|Tax evasion|Vehicular homicide",
    "ssn": r"(?!666|000)\d{3}-(?!00)\d{2}-(?!0000)\d{4}",
    "home_address": r"\d{3,5} [A-Z][a-z]+ [A-Z][a-z]+(?: (?:Apt\.|Suite) \d{3})?|"
    r"(?:USS|USNS|USNV|USCGC) [A-Z][a-z]+|PSC \d{4}, Box \d{4}",
    "entry": r"(?:19[7-9]\d|20[0-2]\d)-\d\d-\d\d 00:00:00",
    "city": r"(?:(?:North|East|West|South|New|Lake|Port) )?[A-Z][a-z]+, [A-Z]{2} \d{5}"
    r"(?:-\d{4})?|[AF]PO A[AEP] \d{5}(?:-\d{4})?",
    "status": r"alive|missing|terminated",
}
ROW = re.compile("\t".join(f"(?P<{name}>{shape})" for name, shape in ROW_SHAPES.items()))


def skeleton(text: str) -> list[str]:
    """The dump's lines without its rows and without the sequence's last value."""
    lines = text.split("\n")
    end = lines.index("\\.")
    kept = lines[:COPY_LINE] + lines[end:]
    return [re.sub(r"_id_seq', \d+, true", "_id_seq', N, true", line) for line in kept]


def rows(text: str) -> list[str]:
    lines = text.split("\n")
    return lines[COPY_LINE : lines.index("\\.")]


def issue_dumps(hackattic_emulation: Any, count: int = DUMPS) -> list[tuple[str, list[str]]]:
    emulation = hackattic_emulation(BackupRestoreChallenge)
    dumps = []
    for _ in range(count):
        issued = asyncio.run(emulation.new_problem())
        text = gzip.decompress(base64.b64decode(issued.problem["dump"])).decode("ascii")
        dumps.append((text, issued.state.alive_ssns))
    return dumps


def test_the_real_excerpt_is_what_the_issue_describes() -> None:
    lines = REAL.split("\n")
    assert lines[COPY_LINE - 1].startswith("COPY public.criminal_records (id, name, felony,")
    assert "SET xmloption = content;" in lines
    assert all(ROW.fullmatch(row) for row in rows(REAL)), rows(REAL)


def test_the_default_dump_has_the_real_dumps_lines_around_its_rows(
    hackattic_emulation: Any,
) -> None:
    for text, _ in issue_dumps(hackattic_emulation):
        assert skeleton(text) == skeleton(REAL)
        assert text.split("\n")[COPY_LINE - 1].startswith("COPY ")  # line 95, rows from 96


def test_the_default_table_is_the_real_one(hackattic_emulation: Any) -> None:
    text, _ = issue_dumps(hackattic_emulation, 1)[0]
    create = text[text.index("CREATE TABLE") : text.index(");", text.index("CREATE TABLE"))]
    assert create == REAL[REAL.index("CREATE TABLE") : REAL.index(");", REAL.index("CREATE TABLE"))]
    assert create.count("NOT NULL") == 8
    assert "name character varying(120) NOT NULL" in create
    assert "ADD CONSTRAINT criminal_records_pk PRIMARY KEY (id);" in text
    assert "_pkey" not in text


def test_default_rows_look_like_real_rows(hackattic_emulation: Any) -> None:
    statuses: set[str] = set()
    for text, alive in issue_dumps(hackattic_emulation):
        table = rows(text)
        assert MIN_ROWS <= len(table) <= MAX_ROWS
        matches = [ROW.fullmatch(row) for row in table]
        assert all(matches), [row for row, m in zip(table, matches, strict=True) if not m]
        assert [int(m["id"]) for m in matches if m] == list(range(1, len(table) + 1))
        # No NULL, no escape sequence, ASCII only: nothing a naive reader gets wrong.
        assert "\\" not in "".join(table)
        assert text.isascii()
        assert f"_id_seq', {len(table)}, true" in text
        statuses |= {m["status"] for m in matches if m}
        assert find_alive_ssns(gzip.compress(text.encode()), 1 << 26).ssns == alive
    assert statuses == {"alive", "missing", "terminated"}


def test_our_solver_reads_the_real_excerpt() -> None:
    answer = find_alive_ssns(gzip.compress(REAL.encode()), 1 << 26)
    assert answer.rows == 9
    assert answer.ssns == ["166-43-8046", "794-87-3215"]


def test_the_wide_dump_keeps_the_layout_but_not_the_content(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(BackupRestoreChallenge, breadth="wide")
    issued = asyncio.run(emulation.new_problem())
    text = gzip.decompress(base64.b64decode(issued.problem["dump"])).decode()
    assert text.split("\n")[COPY_LINE - 1].startswith("COPY public.criminal_records")
    assert "\\N" in text
    assert "\\t" in text
    assert "    felony character varying(30),\n" in text  # nullable: it holds NULLs

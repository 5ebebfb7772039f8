"""The sandbox emulation: dumps like hackattic's, and a checker that names what is wrong."""

from __future__ import annotations

import asyncio
import base64
import gzip
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hackattic_backup_restore.alive_ssns import find_alive_ssns
from hackattic_backup_restore.challenge import BackupRestoreChallenge
from hackattic_backup_restore.dump_reader import read_table
from hackattic_backup_restore.emulation import (
    IssuedDump,
    check_alive_ssns,
    gzip_bomb,
)
from hackattic_backup_restore.errors import DumpLimitExceeded
from hackattic_backup_restore.records import COLUMNS, MAX_ROWS, MIN_ROWS, STATUSES

from hackattic_core import Emulation, Issued

MIB = 1024 * 1024
EXPECTED = ["111-11-1111", "222-22-2222", "333-33-3333", "444-44-4444", "555-55-5555"]
NOT_ALIVE = ["666-00-0001", "777-00-0002", "888-00-0003", "899-00-0004"]

Build = Callable[..., Emulation]


def issue(emulation: Emulation) -> tuple[Issued, IssuedDump, bytes]:
    issued = asyncio.run(emulation.new_problem())
    assert set(issued.problem) == {"dump"}
    return issued, issued.state, base64.b64decode(issued.problem["dump"], validate=True)


def check(emulation: Emulation, issued: Issued, solution: dict[str, Any]) -> str | None:
    return asyncio.run(emulation.check(issued, solution))


def test_dumps_look_like_pg_dump_10s(hackattic_emulation: Build) -> None:
    _, _, compressed = issue(hackattic_emulation(BackupRestoreChallenge))
    text = gzip.decompress(compressed).decode()
    assert text.startswith("--\n-- PostgreSQL database dump\n--\n")
    assert "-- Dumped from database version 10." in text
    assert "SET default_with_oids = true;" in text
    assert "CREATE TABLE public.criminal_records (\n    id integer NOT NULL," in text
    assert (
        "COPY public.criminal_records (id, name, felony, ssn, home_address, entry, city, status)"
        " FROM stdin;\n" in text
    )
    assert text.endswith("--\n-- PostgreSQL database dump complete\n--\n\n")


@pytest.mark.parametrize("breadth", ["hackattic", "wide"])
def test_the_dump_holds_the_rows_the_checker_knows(
    hackattic_emulation: Build, breadth: str
) -> None:
    emulation = hackattic_emulation(BackupRestoreChallenge, breadth=breadth)
    for _ in range(5):
        issued, state, compressed = issue(emulation)
        records = state.records
        assert MIN_ROWS <= len(records) <= MAX_ROWS
        lines = gzip.decompress(compressed).split(b"\n")
        assert list(read_table(lines, "criminal_records", COLUMNS)) == [
            record.values() for record in records
        ]
        assert find_alive_ssns(compressed, MIB).ssns == state.alive_ssns
        assert check(emulation, issued, {"alive_ssns": state.alive_ssns}) is None


def test_every_wide_table_has_what_a_reader_must_get_right(hackattic_emulation: Build) -> None:
    emulation = hackattic_emulation(BackupRestoreChallenge, breadth="wide")
    for _ in range(5):
        records = issue(emulation)[1].records
        ids = [record.id for record in records]
        assert ids == sorted(set(ids))
        assert len({record.ssn for record in records}) == len(records)
        assert set(Counter(record.status for record in records)) == set(STATUSES)
        addresses = [record.home_address for record in records]
        for needs_escaping in ("\n", "\r", "\t", "\\"):
            assert any(needs_escaping in (address or "") for address in addresses)
        assert "\\N" in addresses
        assert None in addresses


def test_problems_are_random_and_reproducible(hackattic_emulation: Build) -> None:
    first = [issue(hackattic_emulation(BackupRestoreChallenge))[0].problem for _ in range(2)]
    assert first[0] == first[1]  # two emulations, the same seed
    emulation = hackattic_emulation(BackupRestoreChallenge)
    assert issue(emulation)[0].problem != issue(emulation)[0].problem


def test_a_gzip_bomb_is_small_and_large() -> None:
    bomb = gzip_bomb(256 * MIB)
    assert len(bomb) < 400_000
    with pytest.raises(DumpLimitExceeded):
        find_alive_ssns(bomb, 64 * MIB)


# ---- the checker -------------------------------------------------------------------------


def reason(got: object, *, check_order: bool = False) -> str | None:
    return check_alive_ssns(EXPECTED, {"alive_ssns": got}, check_order=check_order)


def test_the_right_ssns_pass_in_any_order() -> None:
    assert reason(EXPECTED) is None
    assert reason(list(reversed(EXPECTED))) is None
    assert reason(EXPECTED, check_order=True) is None


def test_order_is_checked_when_asked() -> None:
    shuffled = [EXPECTED[0], EXPECTED[2], EXPECTED[1], *EXPECTED[3:]]
    assert reason(shuffled, check_order=True) == (
        "wrong alive_ssns: not in table order: at position 1 got 333-33-3333, expected 222-22-2222"
    )


def test_names_missing_ssns() -> None:
    assert reason(EXPECTED[:2]) == (
        "wrong alive_ssns: missing 3 alive ssns, e.g. 333-33-3333, 444-44-4444, 555-55-5555"
    )
    assert reason([]) == (
        "wrong alive_ssns: missing 5 alive ssns, e.g. 111-11-1111, 222-22-2222, 333-33-3333, …"
    )
    assert reason(EXPECTED[1:]) == "wrong alive_ssns: missing 1 alive ssn, e.g. 111-11-1111"


def test_names_ssns_that_are_not_alive() -> None:
    assert reason([*EXPECTED, *NOT_ALIVE[:2]]) == (
        "wrong alive_ssns: 2 ssns that are not alive: 666-00-0001, 777-00-0002"
    )
    assert reason([*EXPECTED, NOT_ALIVE[0], NOT_ALIVE[0]]) == (
        "wrong alive_ssns: 1 ssn that is not alive: 666-00-0001"
    )


def test_names_duplicates() -> None:
    assert reason([*EXPECTED, EXPECTED[3], EXPECTED[1], EXPECTED[3]]) == (
        "wrong alive_ssns: 2 ssns listed more than once: 222-22-2222, 444-44-4444"
    )


def test_names_everything_wrong_at_once() -> None:
    got = [EXPECTED[0], EXPECTED[0], *NOT_ALIVE]
    assert reason(got, check_order=True) == (
        "wrong alive_ssns: missing 4 alive ssns, e.g. 222-22-2222, 333-33-3333, 444-44-4444, …; "
        "4 ssns that are not alive: 666-00-0001, 777-00-0002, 888-00-0003, …; "
        "1 ssn listed more than once: 111-11-1111"
    )


@pytest.mark.parametrize(
    ("solution", "expected"),
    [
        ({}, "missing field 'alive_ssns'"),
        ({"ssns": EXPECTED}, "missing field 'alive_ssns'"),
        ({"alive_ssns": "111-11-1111"}, "wrong alive_ssns: expected a list of strings, got str"),
        ({"alive_ssns": None}, "wrong alive_ssns: expected a list of strings, got NoneType"),
        ({"alive_ssns": {"a": 1}}, "wrong alive_ssns: expected a list of strings, got dict"),
        (
            {"alive_ssns": [*EXPECTED[:4], 5555555]},
            "wrong alive_ssns: expected a list of strings, it holds 5555555",
        ),
    ],
)
def test_names_a_missing_or_malformed_field(solution: dict[str, Any], expected: str) -> None:
    assert check_alive_ssns(EXPECTED, solution, check_order=False) == expected


def test_the_emulation_checks_with_its_condition(hackattic_emulation: Build) -> None:
    lenient = hackattic_emulation(BackupRestoreChallenge)
    strict = hackattic_emulation(BackupRestoreChallenge, check_order=True)
    for emulation, passes_reversed in ((lenient, True), (strict, False)):
        issued, state, _ = issue(emulation)
        reversed_ssns = list(reversed(state.alive_ssns))
        assert (check(emulation, issued, {"alive_ssns": reversed_ssns}) is None) is passes_reversed
        assert check(emulation, issued, {"alive_ssns": state.alive_ssns}) is None
        assert "missing 1 alive ssn" in (
            check(emulation, issued, {"alive_ssns": state.alive_ssns[1:]}) or ""
        )

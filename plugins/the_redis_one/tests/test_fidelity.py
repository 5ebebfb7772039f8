"""The sandbox's default problem, as served, set beside the real snapshot hackattic served
(``data/adithya_dump1.rdb``, its first five bytes already repaired by the solver that kept
it) and the facts file: the same problem fields, the same RDB version, aux fields and
layout. A drift of the emulation from hackattic shows up here."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

SLUG = "the_redis_one"
REAL = (Path(__file__).parent / "data" / "adithya_dump1.rdb").read_bytes()
KEY_NAME = re.compile(rb"[a-z]+_[a-z]+_(hash|count)")


def shape(rdb: bytes, read_all: Any) -> dict[str, Any]:
    """What must match between the real snapshot and an emulated one (magic restored)."""
    snapshot, entries, values = read_all(b"REDIS" + rdb[5:])
    ctime_ms = int(snapshot.aux["ctime"]) * 1000
    (emoji,) = [e for e in entries if not re.fullmatch(rb"[a-z_]+", e.key)]
    (expiring,) = [e for e in entries if e.expire_ms is not None]
    (other,) = [e for e in entries if e.type != "string"]
    named = [e for e in entries if KEY_NAME.fullmatch(e.key)]
    return {
        "version": rdb[5:9],
        "aux": list(snapshot.aux),
        "redis-ver": snapshot.aux["redis-ver"],
        "5-7 databases of 0-15": 5 <= len({e.db for e in entries}) <= 7
        and all(0 <= e.db <= 15 for e in entries),
        "7-16 keys": 7 <= len(entries) <= 16,  # 1-2 a database, the emoji, the other
        "emoji key": (len(emoji.key.decode()), emoji.type, len(emoji.value)),
        "emoji value is hex": bool(re.fullmatch(rb"[0-9a-f]+", emoji.value)),
        "expiry 2-4 s after ctime": 2000 <= expiring.expire_ms - ctime_ms <= 4000,
        "expiring key": (expiring.type, bool(KEY_NAME.fullmatch(expiring.key))),
        "one key of another type": bool(re.fullmatch(rb"[a-z]+_[a-z]+", other.key)),
        "the rest adjective_noun_(hash|count)": len(named) == len(entries) - 2,
        "hashes are 32 hex": all(
            re.fullmatch(rb"[0-9a-f]{32}", values[(e.db, e.key)])
            for e in named
            if e.key.endswith(b"_hash")
        ),
        "counts are integers": all(
            values[(e.db, e.key)].isdigit() for e in named if e.key.endswith(b"_count")
        ),
        "size 300-2000 bytes": 300 <= len(rdb) <= 2000,
    }


@pytest.fixture
def served(hackattic_sandbox: Any) -> dict[str, Any]:
    """The default problem, fetched as a solver fetches it."""
    problem: dict[str, Any] = hackattic_sandbox.fetch_problem(SLUG)
    return problem


def test_the_problem_has_the_real_fields(served: dict[str, Any]) -> None:
    assert {name: type(value) for name, value in served.items()} == {
        "rdb": str,
        "requirements": dict,
    }
    assert list(served["requirements"]) == ["check_type_of"]
    assert isinstance(served["requirements"]["check_type_of"], str)
    # hackattic replaces the first five bytes ("MYSQL0009" seen); the rest is an RDB file.
    assert base64.b64decode(served["rdb"])[:9] == b"MYSQL0009"


def test_the_default_snapshot_is_like_the_real_one(served: dict[str, Any], read_all: Any) -> None:
    real = shape(REAL, read_all)
    assert real["version"] == b"0009"
    assert real["aux"] == ["redis-ver", "redis-bits", "ctime", "used-mem", "aof-preamble"]
    assert real["emoji key"] == (1, "string", 128)
    assert shape(base64.b64decode(served["rdb"]), read_all) == real

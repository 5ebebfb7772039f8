"""The sandbox's snapshots: shaped like hackattic's, valid for the real Redis, checked."""

from __future__ import annotations

import asyncio
import base64
import re
import subprocess
import time

import pytest
from hackattic_the_redis_one.answer import read_answer
from hackattic_the_redis_one.emulation import TheRedisOneEmulation, write_problem_snapshot
from hackattic_the_redis_one.errors import RdbError
from hackattic_the_redis_one.rdb import OP_EXPIRETIME_MS

MIB = 1024 * 1024
KEY_NAME = re.compile(rb"^[a-z]+_[a-z]+(_hash|_count)?$")


def issue(emulation: TheRedisOneEmulation, count: int = 1) -> list:
    async def many() -> list:
        return [await emulation.new_problem() for _ in range(count)]

    return asyncio.run(many())


def test_passes_in_the_sandbox(hackattic_run) -> None:
    result = hackattic_run("the_redis_one")
    assert result.passed, result.error or result.message


@pytest.mark.parametrize("other_type", ["set", "list", "hash", "zset"])
def test_the_solver_answers_every_kind_of_problem(hackattic_emulation, other_type) -> None:
    emulation = hackattic_emulation(TheRedisOneEmulation, other_type=other_type)
    for issued in issue(emulation, 5):
        rdb = base64.b64decode(issued.problem["rdb"])
        answer = read_answer(rdb, issued.state.key, max_string_bytes=MIB)
        state = issued.state
        assert (answer.db_count, answer.emoji_key_value, answer.expiry_millis) == (
            state.db_count, state.emoji_key_value, state.expiry_millis)  # fmt: skip
        assert answer.checked_type == state.key_type
        assert answer.checksum == "ok"
    assert state.key_type in ("string", other_type)


def test_problems_look_like_hackattic_s(hackattic_emulation, read_all) -> None:
    emulation = hackattic_emulation(TheRedisOneEmulation)
    before = int(time.time())
    for issued in issue(emulation, 20):
        rdb = base64.b64decode(issued.problem["rdb"])
        assert rdb.startswith(b"MYSQL0009")
        snapshot, entries, values = read_all(b"REDIS" + rdb[5:])
        assert snapshot.aux["redis-ver"] == b"6.2.6"
        ctime = int(snapshot.aux["ctime"])
        assert before <= ctime <= time.time()
        assert 5 <= len({e.db for e in entries}) <= 7
        assert all(0 <= e.db <= 15 for e in entries)
        names = [e.key for e in entries if KEY_NAME.match(e.key)]
        others = [e for e in entries if not KEY_NAME.match(e.key)]
        assert len(others) == 1
        assert re.fullmatch(rb"[0-9a-f]{128}", others[0].value)
        assert len(names) == len(entries) - 1
        (expiring,) = [e for e in entries if e.expire_ms is not None]
        assert 2000 <= expiring.expire_ms - ctime * 1000 <= 4000
        assert expiring.type == "string"
        assert rdb.count(bytes((OP_EXPIRETIME_MS,)) + expiring.expire_ms.to_bytes(8, "little")) == 1
        non_strings = [e for e in entries if e.type != "string"]
        assert len(non_strings) == 1
        assert not non_strings[0].key.endswith((b"_hash", b"_count"))
        for entry in entries:
            if entry.key.endswith(b"_hash"):
                assert re.fullmatch(rb"[0-9a-f]{32}", values[(entry.db, entry.key)])
            if entry.key.endswith(b"_count"):
                assert values[(entry.db, entry.key)].isdigit()
        asked = issued.problem["requirements"]["check_type_of"].encode()
        assert asked in {e.key for e in entries}
    assert rdb.count(b"\xc0") >= 1  # int-encoded counts


def test_the_checker_names_what_is_wrong(hackattic_emulation) -> None:
    emulation = hackattic_emulation(TheRedisOneEmulation, other_type="set")
    (issued,) = issue(emulation)
    state = issued.state
    right = {"db_count": state.db_count, "emoji_key_value": state.emoji_key_value,
             "expiry_millis": state.expiry_millis, state.key: state.key_type}  # fmt: skip

    async def check(solution: dict) -> str | None:
        return await emulation.check(issued, solution)

    assert asyncio.run(check(right)) is None
    wrong = asyncio.run(check({**right, "db_count": state.db_count + 1, "expiry_millis": "1"}))
    assert wrong is not None
    assert "wrong db_count" in wrong
    assert "wrong expiry_millis: got '1'" in wrong
    missing = {k: v for k, v in right.items() if k != state.key}
    assert f"missing field {state.key!r}" in (asyncio.run(check(missing)) or "")
    assert "wrong db_count: got True" in (asyncio.run(check({**right, "db_count": True})) or "")


def test_real_redis_loads_the_sandbox_s_snapshots(
    hackattic_emulation, start_redis, read_all, redis_check_rdb, tmp_path
) -> None:
    """redis-check-rdb passes them (magic restored), and a redis-server that loads one
    reports the same keys, types and values, less the key that expired (taken a minute
    ago, so that it surely has)."""
    emulation = hackattic_emulation(TheRedisOneEmulation)
    for n in range(4):
        written = write_problem_snapshot(emulation.env, int(time.time() * 1000) - 60_000)
        rdb = b"REDIS" + written.rdb[5:]
        path = tmp_path / f"emulated{n}.rdb"
        path.write_bytes(rdb)
        checked = subprocess.run([redis_check_rdb, str(path)], capture_output=True, text=True)  # noqa: S603
        assert checked.returncode == 0, checked.stdout
        assert "RDB looks OK" in checked.stdout
        r = start_redis(load=rdb).client
        _, entries, values = read_all(rdb)
        for entry in entries:
            r("SELECT", entry.db)
            if entry.expire_ms is not None:
                assert r("EXISTS", entry.key) == 0
                continue
            assert r("TYPE", entry.key) == entry.type
            if entry.type == "string":
                assert r("GET", entry.key) == values[(entry.db, entry.key)]
        for db in range(16):
            r("SELECT", db)
            live = [e for e in entries if e.db == db and e.expire_ms is None]
            assert r("DBSIZE") == len(live)


@pytest.mark.parametrize(
    ("fault", "message"),
    [("damaged_checksum", "does not match"), ("truncated", "does not match either"),
     ("lzf_bomb", "would decompress to 1,099,511,627,776 bytes")],
)  # fmt: skip
def test_faults_spoil_the_first_problems(hackattic_emulation, fault, message) -> None:
    emulation = hackattic_emulation(TheRedisOneEmulation, faults=[fault])
    problems = issue(emulation, 3)
    for n, issued in enumerate(problems):
        rdb = base64.b64decode(issued.problem["rdb"])
        if n < 2:  # fault_count: 2
            with pytest.raises(RdbError, match=message):
                read_answer(rdb, issued.state.key, max_string_bytes=MIB)
        else:
            assert read_answer(rdb, issued.state.key, max_string_bytes=MIB).checksum == "ok"

"""The offline sandbox's stand-in for the_redis_one: writes snapshots like hackattic's.

Each problem is an RDB version 9 file as Redis 6.2.6 writes it (:mod:`.rdb_writer`): the
aux fields ``redis-ver 6.2.6``, ``redis-bits``, ``ctime`` (now), ``used-mem`` and
``aof-preamble``; 5 to 7 non-empty databases out of 0–15, each with RESIZEDB; keys named
``adjective_noun_hash`` (32 hex digits) and ``adjective_noun_count`` (an int-encoded
number); one key named by an emoji, holding 128 hex digits; one key of another type (a set
of numbers as an intset, as seen; or a list, hash or sorted set in Redis 6.2's compact
encodings, see the ``other_type`` option); one string key with a millisecond expiry 2 to 4
s after ``ctime``. The CRC-64 is computed on the real header, then the magic is replaced by
``MYSQL``, as seen on hackattic.

Faults of its own (``--fault NAME``) spoil the first ``fault_count`` snapshots:
``damaged_checksum``, ``truncated``, ``lzf_bomb``; a solver must refuse them (exit 3).

The key asked about is the key of another type half the time, a string key otherwise (which
hackattic asks is not known). The checker knows the answer from what it wrote and names
each wrong or missing field.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import Field

from hackattic_core import Emulation, EmulationConditions, EmulationEnv, Issued

from .rdb_writer import RdbWriter, encode_length, encode_string, intset, ziplist
from .words import ADJECTIVES, EMOJI, NOUNS

OtherType = Literal["any", "set", "list", "hash", "zset"]
TAMPERED_MAGIC = b"MYSQL"


class TheRedisOneConditions(EmulationConditions):
    """This emulation's options: ``-o other_type=set`` or HACKATTIC_SANDBOX_THE_REDIS_ONE_*."""

    other_type: OtherType = Field(
        default="any",
        description="The type of the one key that is not a string: set (an intset, as seen "
        "on hackattic), list, hash, zset, or any of them at random.",
    )
    magic: str = Field(
        default=TAMPERED_MAGIC.decode(),
        min_length=5,
        max_length=5,
        pattern=r"^[ -~]{5}$",
        description="The 5 bytes written in place of REDIS (hackattic sends MYSQL).",
    )


@dataclass(frozen=True)
class Expected:
    """What ``check`` compares the solution with."""

    db_count: int
    emoji_key_value: str
    expiry_millis: int
    key: str
    key_type: str


@dataclass(frozen=True)
class Written:
    """A snapshot written for a problem, and its answer."""

    rdb: bytes
    expected: Expected


def write_problem_snapshot(env: EmulationEnv[TheRedisOneConditions], now_ms: int) -> Written:
    """A snapshot like hackattic's, from ``env.rng``; ``now_ms`` is its ``ctime``."""
    rng = env.rng
    conditions = env.conditions
    dbs = sorted(rng.sample(range(16), rng.randint(5, 7)))
    names = iter(rng.sample([f"{a}_{n}" for a in ADJECTIVES for n in NOUNS], 3 * len(dbs) + 2))
    # Which database gets the emoji key, the other type and the expiring key.
    emoji_db, other_db, expiring_db = (rng.choice(dbs) for _ in range(3))
    other_type = conditions.other_type
    if other_type == "any":
        other_type = rng.choice(["set", "list", "hash", "zset"])
    ctime = now_ms // 1000
    expiry = ctime * 1000 + rng.randint(2000, 4000)
    emoji_value = f"{rng.getrandbits(512):0128x}"
    other_key = next(names)
    string_keys: list[str] = []

    writer = RdbWriter(version=9)
    writer.aux(b"redis-ver", b"6.2.6")
    writer.aux(b"redis-bits", b"64")
    writer.aux(b"ctime", str(ctime).encode())
    writer.aux(b"used-mem", str(rng.randint(790_000, 880_000)).encode())
    writer.aux(b"aof-preamble", b"0")
    for db in dbs:
        keys: list[tuple[str, int, bytes]] = []  # name, RDB type, encoded value
        for _ in range(rng.randint(1, 2)):
            base = next(names)
            if rng.random() < 0.5:
                value = encode_string(f"{rng.getrandbits(128):032x}".encode())
                keys.append((f"{base}_hash", 0, value))
            else:
                keys.append((f"{base}_count", 0, encode_string(b"%d" % rng.randint(1, 999))))
        db_strings = [name for name, _, _ in keys]
        string_keys.extend(db_strings)
        if db == emoji_db:
            keys.append((rng.choice(EMOJI), 0, encode_string(emoji_value.encode())))
        if db == other_db:
            keys.append((other_key, *_other_value(env, other_type)))
        rng.shuffle(keys)
        expiring = rng.choice(db_strings) if db == expiring_db else None
        writer.select_db(db, size=len(keys), expires=1 if expiring else 0)
        for name, value_type, value in keys:
            if name == expiring:
                writer.expire_ms(expiry)
            writer.key(value_type, name.encode(), value)
    rdb = writer.finish(magic=conditions.magic.encode())
    asked, asked_type = (
        (other_key, other_type) if rng.random() < 0.5 else (rng.choice(string_keys), "string")
    )
    expected = Expected(
        db_count=len(dbs),
        emoji_key_value=emoji_value,
        expiry_millis=expiry,
        key=asked,
        key_type=asked_type,
    )
    return Written(rdb=rdb, expected=expected)


def _other_value(env: EmulationEnv[TheRedisOneConditions], kind: str) -> tuple[int, bytes]:
    """(RDB type, encoded value) of a small collection, as Redis 6.2 saves it."""
    rng = env.rng
    if kind == "set":  # numbers: an intset (type 11)
        members = rng.sample([2**n for n in range(12)] + list(range(1, 1000)), rng.randint(2, 5))
        return 11, encode_string(intset(members))
    words = rng.sample(NOUNS, rng.randint(2, 5))
    if kind == "list":  # a quicklist of one ziplist node (type 14)
        node = encode_string(ziplist([w.encode() for w in words]))
        return 14, encode_length(1) + node
    if kind == "hash":  # a ziplist of fields and values (type 13)
        pairs = [item for w in words for item in (w.encode(), b"%d" % rng.randint(0, 500))]
        return 13, encode_string(ziplist(pairs))
    # zset: a ziplist of members and scores, by ascending score (type 12)
    scored = sorted((rng.randint(0, 100), w) for w in words)
    return 12, encode_string(ziplist([x for s, w in scored for x in (w.encode(), b"%d" % s)]))


def check_answer(expected: Expected, solution: dict[str, Any]) -> str | None:
    """None when ``solution`` is the answer; otherwise every field that is wrong."""
    wanted: dict[str, object] = {
        "db_count": expected.db_count,
        "emoji_key_value": expected.emoji_key_value,
        "expiry_millis": expected.expiry_millis,
        expected.key: expected.key_type,
    }
    problems = []
    for name, value in wanted.items():
        if name not in solution:
            problems.append(f"missing field {name!r}")
            continue
        got = solution[name]
        if type(got) is not type(value) or got != value:
            problems.append(f"wrong {name}: got {got!r}, expected {value!r}")
    return "; ".join(problems) or None


def damage(rdb: bytes, fault: str) -> bytes:
    """``rdb`` spoilt as the fault says (the solver must refuse it: exit 3, one line)."""
    if fault == "damaged_checksum":
        return rdb[:-1] + bytes((rdb[-1] ^ 0x01,))
    if fault == "truncated":
        return rdb[: len(rdb) // 2]
    # lzf_bomb: one more key whose LZF string declares 1 TiB (and holds 14 bytes).
    writer = RdbWriter(version=9)
    writer.out[:] = b"REDIS" + rdb[5:-9]  # everything before the end opcode
    bomb = b"\x00\x00" + b"\xe0\xff\x00" * 4
    writer.key(0, b"lzf_bomb", b"\xc3" + encode_length(len(bomb)) + encode_length(2**40) + bomb)
    return writer.finish(magic=rdb[:5])


class TheRedisOneEmulation(Emulation[TheRedisOneConditions, Expected]):
    conditions_model = TheRedisOneConditions
    faults: ClassVar[dict[str, str]] = {
        "damaged_checksum": "the first fault_count problems' CRC-64 trailer does not match "
        "(a solver must refuse it, exit 3)",
        "truncated": "the first fault_count problems' snapshot is cut in half (exit 3)",
        "lzf_bomb": "the first fault_count problems hold an LZF string declaring 1 TiB "
        "(a solver must refuse it before decompressing, exit 3)",
    }

    def __init__(self, env: EmulationEnv[TheRedisOneConditions]) -> None:
        super().__init__(env)
        self._faulty_problems_left = env.fault_count

    async def new_problem(self) -> Issued[Expected]:
        written = write_problem_snapshot(self.env, int(time.time() * 1000))
        rdb = written.rdb
        if self.env.faults and self._faulty_problems_left > 0:
            self._faulty_problems_left -= 1
            rdb = damage(rdb, sorted(self.env.faults)[0])
        problem = {
            "rdb": base64.b64encode(rdb).decode("ascii"),
            "requirements": {"check_type_of": written.expected.key},
        }
        return Issued(problem=problem, state=written.expected)

    async def check(self, issued: Issued[Expected], solution: dict[str, Any]) -> str | None:
        return check_answer(issued.state, solution)

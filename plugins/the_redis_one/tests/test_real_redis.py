"""Checked against the real Redis: keys of every type and encoding written by a throwaway
redis-server (Debian 12's is 7.0: RDB version 10, listpacks), saved, and read back by our
parser; what it reads must be what Redis answers (TYPE, DBSIZE, PEXPIRETIME, values).
"""

from __future__ import annotations

import math
import time
from typing import Any

from hackattic_the_redis_one.answer import read_answer

MIB = 1024 * 1024
DBS = (0, 3, 15)
FUNCTION = "#!lua name=mylib\nredis.register_function('answer', function() return 42 end)"


def populate(call: Any, now_ms: int) -> None:
    """Small and large keys of every type in three databases, some with an expiry."""
    call("SELECT", 0)
    call("SET", "small_string", "hello")
    call("SET", "int_string", "12345")
    call("SET", "int8", "-7")
    call("SET", "int32", "-2000000000")
    call("SET", "int64_as_text", "9223372036854775807")
    call("SET", "compressible", "abc" * 5000)  # compressed with LZF by SAVE
    call("SET", "binary", bytes(range(256)))
    call("SET", "😗", "f" * 128)
    call("RPUSH", "small_list", "a", "1", "-2", "300", "70000", "-5000000000", "x" * 100)
    call("RPUSH", "big_list", *[f"item{i}" for i in range(3000)])
    call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1000")
    call("RPUSH", "plain_list", "y" * 2000, "small", "z" * 3000)
    call("SADD", "int_set", 1, 2, 3, -5, 70000, 5000000000)
    call("SADD", "big_int_set", *range(1000))
    call("SADD", "str_set", "a", "b", "c", "12")
    call("HSET", "small_hash", "f1", "v1", "n", "42", "neg", "-4096")
    call("HSET", "big_hash", *[x for i in range(300) for x in (f"field{i}", i)])
    call("HSET", "long_value_hash", "f", "x" * 100)
    call("ZADD", "small_zset", 1.5, "a", -2, "b", "inf", "c", 3, "d")
    call("ZADD", "big_zset", *[x for i in range(300) for x in (i / 7, f"m{i}")])
    for n in range(5):
        call("XADD", "events", "*", "n", n, "text", f"event {n}")
    call("XGROUP", "CREATE", "events", "workers", "0")
    call("XREADGROUP", "GROUP", "workers", "alice", "COUNT", 2, "STREAMS", "events", ">")
    call("XADD", "empty_after_trim", "*", "a", "b")
    call("XTRIM", "empty_after_trim", "MAXLEN", 0)
    call("FUNCTION", "LOAD", FUNCTION)
    call("PEXPIREAT", "small_string", now_ms + 3_600_123)
    call("EXPIRE", "int_set", 7200)
    call("PEXPIREAT", "big_hash", now_ms + 86_400_000)
    call("SELECT", 3)
    call("SET", "counter", 99)
    call("RPUSH", "small_list", "only")
    call("PEXPIREAT", "counter", now_ms + 10_000)
    call("SELECT", 15)
    call("HSET", "h", "k", "v")


def redis_value(call: Any, key: bytes, kind: str) -> object:
    if kind == "string":
        return call("GET", key)
    if kind == "list":
        return call("LRANGE", key, 0, -1)
    if kind == "set":
        return set(call("SMEMBERS", key))
    if kind == "hash":
        flat = call("HGETALL", key)
        return dict(zip(flat[::2], flat[1::2], strict=True))
    if kind == "zset":
        flat = call("ZRANGE", key, 0, -1, "WITHSCORES")
        return {m: float(s) for m, s in zip(flat[::2], flat[1::2], strict=True)}
    if kind == "stream":
        return call("XLEN", key)
    raise AssertionError(kind)


# What OBJECT ENCODING answers → how the snapshot stores it (Redis 7.0).
ENCODINGS = {
    ("string", "embstr"): "string",
    ("string", "int"): "string",
    ("string", "raw"): "string",
    ("list", "quicklist"): "quicklist2",
    ("set", "intset"): "intset",
    ("set", "hashtable"): "hashtable",
    ("hash", "listpack"): "listpack",
    ("hash", "hashtable"): "hashtable",
    ("zset", "listpack"): "listpack",
    ("zset", "skiplist"): "skiplist",
    ("stream", "stream"): "listpacks2",
}


def test_the_parser_reads_what_redis_wrote(start_redis, read_all) -> None:
    server = start_redis("--list-compress-depth", "1")
    r = server.client
    now_ms = int(time.time() * 1000)
    populate(r, now_ms)
    assert r("SAVE") == "OK"
    data = server.dump.read_bytes()
    assert b"abc" * 100 not in data  # the 15,000 bytes of "abc" * 5000 were compressed

    snapshot, entries, values = read_all(data)

    assert snapshot.version == 10
    assert snapshot.aux["redis-ver"].startswith(b"7.")
    assert snapshot.functions == 1
    seen_encodings = set()
    for db in range(16):
        r("SELECT", db)
        assert r("DBSIZE") == sum(1 for e in entries if e.db == db), f"db {db}"
        for entry in (e for e in entries if e.db == db):
            kind = r("TYPE", entry.key)
            assert entry.type == kind, entry.key
            assert (entry.expire_ms or -1) == r("PEXPIRETIME", entry.key), entry.key
            assert values[(db, entry.key)] == redis_value(r, entry.key, kind), entry.key
            encoding = r("OBJECT", "ENCODING", entry.key).decode()
            assert ENCODINGS[(kind, encoding)] == entry.encoding, entry.key
            seen_encodings.add((kind, entry.encoding))
    # Every encoding Redis 7.0 writes came up, compact and plain.
    assert seen_encodings == {(kind, ours) for (kind, _), ours in ENCODINGS.items()}
    assert values[(0, b"small_zset")][b"c"] == math.inf


def test_the_answer_agrees_with_redis(start_redis) -> None:
    """A snapshot like hackattic's, written by the real Redis: the answer is what Redis
    says about it."""
    server = start_redis()
    r = server.client
    expiry = int(time.time() * 1000) + 600_000
    for db, keys in {1: 2, 4: 1, 9: 3, 12: 2, 13: 1}.items():
        r("SELECT", db)
        for n in range(keys):
            r("SET", f"silent_wood{n}_hash", f"{db:02d}{n:030x}")
            r("SET", f"frosty_dream{n}_count", db * 100 + n)
    r("SELECT", 9)
    r("SET", "🍕", "ab" * 64)
    r("SADD", "flat_truth", 128, 512)
    r("SELECT", 12)
    r("PEXPIREAT", "silent_wood0_hash", expiry)
    r("SAVE")
    data = b"MYSQL" + server.dump.read_bytes()[5:]

    answer = read_answer(data, "flat_truth", max_string_bytes=MIB)

    assert answer.db_count == 5
    assert answer.expiry_millis == r("PEXPIRETIME", "silent_wood0_hash") == expiry
    r("SELECT", 9)
    assert answer.emoji_key_value == r("GET", "🍕").decode() == "ab" * 64
    assert answer.checked_type == r("TYPE", "flat_truth") == "set"
    assert answer.checksum == "ok"

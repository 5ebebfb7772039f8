"""The parser on crafted snapshots: every encoding Redis 7.0 does not write (v11 set
listpacks, streams v3, modules, zipmaps, version 9's ziplists…), and the real payload."""

from __future__ import annotations

import json
import math
import struct
import tracemalloc
from pathlib import Path

import pytest
from hackattic_the_redis_one.answer import is_emoji_name, read_answer
from hackattic_the_redis_one.compact import iter_intset, iter_listpack, iter_ziplist
from hackattic_the_redis_one.errors import RdbError, RdbLimitExceeded
from hackattic_the_redis_one.lzf import lzf_compress, lzf_decompress
from hackattic_the_redis_one.rdb_writer import (
    RdbWriter,
    encode_length,
    encode_string,
    intset,
    listpack,
    ziplist,
)
from hypothesis import given, settings
from hypothesis import strategies as st

DATA = Path(__file__).parent / "data"
MIB = 1024 * 1024
REAL = (DATA / "adithya_dump1.rdb").read_bytes()
ANSWERS = json.loads((DATA / "answers.json").read_text())["adithya_dump1.rdb"]
EMOJI_VALUE = b"e" * 128


@pytest.mark.parametrize("magic", [b"REDIS", b"MYSQL"])
@pytest.mark.parametrize("key", ["flat_truth", "young_salad_hash", "flat_dream_count"])
def test_the_real_payload_gives_its_known_answer(magic: bytes, key: str) -> None:
    answer = read_answer(magic + REAL[5:], key, max_string_bytes=MIB)
    assert answer.db_count == ANSWERS["db_count"]
    assert answer.emoji_key_value == ANSWERS["emoji_key_value"]
    assert answer.expiry_millis == ANSWERS["expiry_millis"]
    assert answer.checked_type == ("set" if key == "flat_truth" else "string")
    assert (answer.version, answer.checksum, answer.keys) == (9, "ok", 10)


def hackattic_like(version: int = 9) -> RdbWriter:
    """The pieces every answer needs: an emoji key and one expiry."""
    writer = RdbWriter(version)
    writer.aux(b"redis-ver", b"6.2.6")
    writer.select_db(0, size=2, expires=1)
    writer.string("😗".encode(), EMOJI_VALUE)
    writer.expire_ms(1_693_337_144_096)
    writer.string(b"cold_fog_hash", b"aa" * 16)
    return writer


def answer_for(writer: RdbWriter, key: str, **options: object) -> object:
    data = writer.finish(magic=b"MYSQL")
    return read_answer(data, key, max_string_bytes=MIB, **options)  # type: ignore[arg-type]


INTEGERS = [0, 1, 12, 13, -1, 127, 128, -128, 4095, -4096, 32767, -32768, 70000, -(2**23),
            2**31 - 1, -(2**31), 2**40, 2**63 - 1, -(2**63)]  # fmt: skip


@pytest.mark.parametrize(
    ("value_type", "payload", "type_name", "elements"),
    [
        (1, encode_length(2) + encode_string(b"a") + encode_string(b"12"), "list", [b"a", b"12"]),
        (2, encode_length(1) + encode_string(b"m"), "set", [b"m"]),
        (3, encode_length(1) + encode_string(b"m") + b"\x031.5", "zset", [(b"m", 1.5)]),
        (3, encode_length(1) + encode_string(b"m") + b"\xfe", "zset", [(b"m", math.inf)]),
        (5, encode_length(1) + encode_string(b"m") + struct.pack("<d", -2.5), "zset",
         [(b"m", -2.5)]),
        (4, encode_length(1) + encode_string(b"f") + encode_string(b"v"), "hash", [(b"f", b"v")]),
        (9, encode_string(b"\x01\x01f\x01\x00v\xff"), "hash", [(b"f", b"v")]),
        (10, encode_string(ziplist([b"x", b"-3"])), "list", [b"x", b"-3"]),
        (11, encode_string(intset([3, -1, 2**40])), "set", [b"-1", b"3", b"1099511627776"]),
        (12, encode_string(ziplist([b"m", b"2"])), "zset", [(b"m", 2.0)]),
        (13, encode_string(ziplist([b"f", b"v"])), "hash", [(b"f", b"v")]),
        (14, encode_length(2) + encode_string(ziplist([b"a"])) + encode_string(ziplist([b"b"])),
         "list", [b"a", b"b"]),
        (16, encode_string(listpack([b"f", b"7"])), "hash", [(b"f", b"7")]),
        (17, encode_string(listpack([b"m", b"0.5"])), "zset", [(b"m", 0.5)]),
        (18, encode_length(2) + encode_length(1) + encode_string(b"plain" * 100)
         + encode_length(2) + encode_string(listpack([b"q"])), "list", [b"plain" * 100, b"q"]),
        (20, encode_string(listpack([b"s", b"-9"])), "set", [b"s", b"-9"]),
    ],
)  # fmt: skip
def test_every_type_and_encoding(value_type, payload, type_name, elements, read_all) -> None:
    writer = RdbWriter(11)
    writer.select_db(2)
    writer.key(value_type, b"k", payload)
    _, entries, values = read_all(writer.finish())
    (entry,) = entries
    assert (entry.db, entry.key, entry.type) == (2, b"k", type_name)
    collect = {"list": list, "set": set, "hash": dict, "zset": dict}[type_name]
    assert values[(2, b"k")] == collect(elements)


def test_integers_in_compact_encodings_come_out_as_redis_answers_them() -> None:
    texts = [str(n).encode() for n in INTEGERS]
    assert list(iter_ziplist(ziplist(texts))) == texts
    assert list(iter_listpack(listpack(texts))) == texts
    assert list(iter_intset(intset(INTEGERS))) == [str(n).encode() for n in sorted(INTEGERS)]


@given(st.lists(st.binary(max_size=300) | st.integers(-(2**63), 2**63 - 1).map(
    lambda n: str(n).encode()), max_size=40))  # fmt: skip
@settings(max_examples=60, deadline=None)
def test_compact_encodings_round_trip(elements: list[bytes]) -> None:
    assert list(iter_ziplist(ziplist(elements))) == elements
    assert list(iter_listpack(listpack(elements))) == elements


@given(st.binary(max_size=2000) | st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=3),
                                             st.integers(1, 600)))  # fmt: skip
@settings(max_examples=60, deadline=None)
def test_lzf_round_trips(data: bytes) -> None:
    assert lzf_decompress(lzf_compress(data), len(data)) == data


def test_lzf_output_is_bounded_by_its_declared_length() -> None:
    bomb = lzf_compress(bytes(1_000_000))
    assert len(bomb) < 20_000  # 50 times smaller
    with pytest.raises(RdbError, match="expands past its declared length of 1000"):
        lzf_decompress(bomb, 1000)
    with pytest.raises(RdbError, match="before the start"):
        lzf_decompress(b"\x20\x05", 10)


def test_streams_functions_modules_and_seconds_expiries_are_read(read_all) -> None:
    writer = hackattic_like(11)
    writer.out += b"\xf5" + encode_string(b"#!lua name=lib\n")  # FUNCTION2
    # A module's aux data and a module value, self-described: skipped.
    module_id = sum(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(c) << (58 - 6 * n)
        for n, c in enumerate("ReJSON-RL")
    ) | 3  # fmt: skip
    writer.out += b"\xf9" + encode_length(module_id) + encode_length(2) + encode_length(2)
    writer.out += encode_length(5) + encode_string(b"x") + encode_length(0)
    writer.key(7, b"json", encode_length(module_id) + encode_length(2) + encode_length(7)
               + encode_length(4) + b"\0" * 8 + encode_length(0))  # fmt: skip
    # A stream (v3) of one listpack node, a group with one pending entry and a consumer.
    node = encode_string(b"\0" * 16) + encode_string(listpack([b"1", b"0", b"f"]))
    stream = encode_length(1) + node + encode_length(5) + encode_length(9) + encode_length(0)
    stream += b"".join(encode_length(0) for _ in range(5))
    stream += encode_length(1) + encode_string(b"g") + encode_length(0) * 3  # group, last id, read
    stream += encode_length(1) + b"\0" * 16 + b"\0" * 8 + encode_length(1)  # one pending
    stream += encode_length(1) + encode_string(b"alice") + b"\0" * 16  # seen, active
    stream += encode_length(1) + b"\0" * 16
    writer.key(21, b"events", stream)
    writer.expire_seconds(1_700_000_000)
    writer.string(b"n", b"5")
    snapshot, entries, values = read_all(writer.finish())
    assert snapshot.functions == 1
    by_key = {e.key: e for e in entries}
    assert by_key[b"json"].type == "ReJSON-RL"
    assert (by_key[b"events"].type, values[(0, b"events")]) == ("stream", 5)
    assert by_key[b"n"].expire_ms == 1_700_000_000_000


@pytest.mark.parametrize(
    ("name", "emoji"),
    [("😗", True), ("🇫🇷", True), ("👍🏽", True), ("👨‍👩‍👧", True), ("❤️", True), ("1️⃣", True),
     ("snow☃man", False), ("café", False), ("flat_truth", False), ("", False), ("☃ x", False),
     ("©", True)],
)  # fmt: skip
def test_what_counts_as_an_emoji_name(name: str, emoji: bool) -> None:
    assert is_emoji_name(name.encode()) is emoji
    assert not is_emoji_name(b"\xff\xfe")


def test_what_the_answer_needs_is_named_when_missing() -> None:
    with pytest.raises(RdbError, match="'nope' asked about is not in the snapshot"):
        answer_for(hackattic_like(), "nope")
    writer = hackattic_like()
    writer.string("🍕".encode(), b"x")
    with pytest.raises(RdbError, match="several keys are named by an emoji"):
        answer_for(writer, "cold_fog_hash")
    writer = hackattic_like()
    writer.expire_ms(5)
    writer.string(b"other", b"x")
    with pytest.raises(RdbError, match="several keys have an expiry: 'cold_fog_hash', 'other'"):
        answer_for(writer, "cold_fog_hash")
    writer = RdbWriter(9)
    writer.string(b"plain", b"x")
    with pytest.raises(RdbError, match="none of the 1 keys is named by an emoji"):
        answer_for(writer, "plain")


def test_a_damaged_checksum_is_refused_unless_told_otherwise() -> None:
    data = bytearray(REAL)
    data[-1] ^= 1
    with pytest.raises(RdbError, match=r"CRC-64 trailer .* does not match .* REDIS restored"):
        read_answer(bytes(data), "flat_truth", max_string_bytes=MIB)
    answer = read_answer(bytes(data), "flat_truth", max_string_bytes=MIB, verify_checksum=False)
    assert (answer.checksum, answer.db_count) == ("mismatch", 5)
    unchecked = REAL[:-8] + bytes(8)  # rdbchecksum no: Redis writes 0
    assert read_answer(unchecked, "flat_truth", max_string_bytes=MIB).checksum == "not computed"


def hostile(payload: bytes, value_type: int = 0) -> bytes:
    writer = hackattic_like()
    writer.out += bytes((value_type,)) + encode_string(b"bad") + payload
    return writer.finish()


HOSTILE = {
    "truncated": (REAL[: len(REAL) // 2], "does not match either"),
    "a length past the end": (hostile(b"\x80" + struct.pack(">I", 10**6) + b"abc"),
                              "needs 1,000,000 bytes but only"),
    "a billion members": (hostile(b"\x80" + struct.pack(">I", 10**9), 2),
                          "is 1,000,000,000, more than the"),
    "a 64-bit count": (hostile(b"\x81" + struct.pack(">Q", 2**63), 18), "more than the"),
    "an LZF bomb": (hostile(b"\xc3" + encode_length(4) + b"\x81" + struct.pack(">Q", 2**40)
                            + b"\x00a\xe0\xff"), "would decompress to 1,099,511,627,776 bytes"),
    "LZF longer than declared": (hostile(b"\xc3" + encode_length(5) + encode_length(10)
                                         + b"\x00a\xe0\xff\x00"), "expands past its declared"),
    "a ziplist with a huge entry": (hostile(encode_string(struct.pack("<IIH", 17, 10, 1)
                                    + b"\x00\x80\xff\xff\xff\xff\xff"), 10), "goes past the end"),
    "an unknown opcode": (hostile(b"", 0xF0)[:-9] + b"\xff" + bytes(8), "unknown opcode"),
    "trailing bytes": (REAL + b"junk", "does not match"),
    "a quicklist node of unknown kind": (hostile(encode_length(1) + encode_length(7)
                                         + encode_string(b"x"), 18), "unknown kind 7"),
}  # fmt: skip


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_snapshots_fail_in_one_line_in_bounded_memory(case: str) -> None:
    data, message = HOSTILE[case]
    tracemalloc.start()
    try:
        with pytest.raises(RdbError, match=message) as failure:
            read_answer(data, "flat_truth", max_string_bytes=MIB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "\n" not in str(failure.value)
    assert peak < 2 * MIB, f"{case}: {peak:,} bytes"


def test_an_lzf_string_past_the_setting_names_it() -> None:
    data = hostile(encode_string(b"z" * 5000, compress=True))
    with pytest.raises(RdbLimitExceeded, match="HACKATTIC_THE_REDIS_ONE_MAX_STRING_BYTES"):
        read_answer(data, "bad", max_string_bytes=4096)
    assert read_answer(data, "bad", max_string_bytes=5000).checked_type == "string"


def test_versions_outside_what_is_known_are_refused() -> None:
    data = hackattic_like().finish()
    with pytest.raises(RdbError, match="RDB version 12 is not supported"):
        read_answer(data[:5] + b"0012" + data[9:], "x", max_string_bytes=MIB)
    with pytest.raises(RdbError, match="not an RDB file"):
        read_answer(b"MYSQLabcd" + data[9:], "x", max_string_bytes=MIB)


def test_a_version_4_snapshot_has_no_checksum_to_verify(read_all) -> None:
    writer = hackattic_like(4)
    writer.out.append(0xFF)  # version 4 ends with the end opcode, no trailer
    data = b"MYSQL" + bytes(writer.out)[5:]
    answer = read_answer(data, "cold_fog_hash", max_string_bytes=MIB)
    assert (answer.version, answer.checksum, answer.checked_type) == (4, "not computed", "string")

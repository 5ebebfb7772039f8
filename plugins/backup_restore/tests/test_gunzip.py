"""The bounded gunzip: lines out, and everything that is not a sane gzip refused."""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib

import pytest
from hackattic_backup_restore.errors import DumpError, DumpLimitExceeded, DumpTooLarge
from hackattic_backup_restore.gunzip import OUTPUT_CHUNK, gunzip_chunks, gunzip_lines

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 64 * MIB
BOMB_BYTES = 200 * MIB


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """200 MiB of zeros, without a newline, gzipped on the fly (about 200 KB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MIB)
    parts = [compressor.compress(block) for _ in range(BOMB_BYTES // MIB)]
    parts.append(compressor.flush())
    return b"".join(parts)


def test_yields_the_lines() -> None:
    text = b"first\nsecond\n\nlast without newline"
    assert list(gunzip_lines(gzip.compress(text), MIB)) == [
        b"first",
        b"second",
        b"",
        b"last without newline",
    ]
    assert list(gunzip_lines(gzip.compress(b"a\nb\n"), MIB)) == [b"a", b"b"]
    assert list(gunzip_lines(gzip.compress(b""), MIB)) == []


def test_lines_that_cross_the_pieces_zlib_returns() -> None:
    lines = [b"x" * length for length in (0, 1, OUTPUT_CHUNK - 1, OUTPUT_CHUNK * 3 + 7, 5)]
    assert list(gunzip_lines(gzip.compress(b"\n".join(lines) + b"\n"), 10 * MIB)) == lines


def test_a_large_dump_with_many_lines() -> None:
    lines = [b"%d\tsome row text" % number for number in range(200_000)]
    data = gzip.compress(b"\n".join(lines) + b"\n")
    assert list(gunzip_lines(data, 10 * MIB)) == lines


def test_several_gzip_members_are_one_file() -> None:
    data = gzip.compress(b"one\ntw") + gzip.compress(b"o\nthree\n")
    assert list(gunzip_lines(data, MIB)) == [b"one", b"two", b"three"]


def test_exactly_the_bound_is_allowed() -> None:
    data = gzip.compress(b"a" * 1000)
    assert b"".join(gunzip_chunks(data, 1000)) == b"a" * 1000
    with pytest.raises(DumpTooLarge, match=r"over the limit of 999 .*MAX_DUMP_BYTES"):
        b"".join(gunzip_chunks(data, 999))


def test_a_gzip_bomb_is_refused_in_bounded_memory(gzip_bomb: bytes) -> None:
    assert len(gzip_bomb) < 400_000
    tracemalloc.start()
    try:
        with pytest.raises(DumpTooLarge, match="over the limit of 67,108,864 "):
            for _ in gunzip_lines(gzip_bomb, DEFAULT_MAX_BYTES, max_line_bytes=DEFAULT_MAX_BYTES):
                pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # At most the bound (as one long line, here) and a few pieces: never the 200 MiB.
    assert peak < DEFAULT_MAX_BYTES + 8 * MIB, f"peak {peak / MIB:.1f} MiB"


def test_a_long_line_is_refused_as_soon_as_it_passes_the_line_bound(gzip_bomb: bytes) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(DumpLimitExceeded, match=r"^line 1 of the dump is .*MAX_LINE_BYTES"):
            for _ in gunzip_lines(gzip_bomb, DEFAULT_MAX_BYTES):
                pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MIB, f"peak {peak / MIB:.1f} MiB"
    data = gzip.compress(b"short\n" + b"x" * 101 + b"\nshort\n")
    with pytest.raises(DumpLimitExceeded, match=r"^line 2 of the dump is 101 bytes, over the "):
        list(gunzip_lines(data, MIB, max_line_bytes=100))
    assert list(gunzip_lines(data, MIB, max_line_bytes=101))[1] == b"x" * 101


@pytest.mark.timing
def test_a_gzip_bomb_under_a_small_bound_is_refused_at_once(gzip_bomb: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(DumpTooLarge, match="over the limit of 1,048,576 "):
        list(gunzip_chunks(gzip_bomb, MIB))
    assert time.perf_counter() - started < 5  # generous: it takes about 5 ms


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not gzip: it does not start with the gzip magic bytes"),
        (b"-- PostgreSQL database dump\n", "not gzip: it does not start with"),
        (zlib.compress(b"zlib, not gzip"), "not gzip: it does not start with"),
        (gzip.compress(b"x" * 10_000)[:-9], "truncated gzip"),
        (gzip.compress(b"x" * 10_000)[:12], "truncated gzip"),
        (b"\x1f\x8b", "truncated gzip"),
        (b"\x1f\x8b\x09" + bytes(20), "corrupt gzip"),  # method 9 is not deflate
        (gzip.compress(b"abc")[:-8] + b"\0\0\0\0\3\0\0\0", "corrupt gzip"),  # bad CRC
        (gzip.compress(b"abc") + b"trailing", "not gzip after the end of the gzip stream"),
    ],
)
def test_refuses_what_is_not_a_whole_gzip(data: bytes, reason: str) -> None:
    with pytest.raises(DumpError, match=reason):
        list(gunzip_lines(data, MIB))

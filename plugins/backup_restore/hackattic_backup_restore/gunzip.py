"""Bounded, streaming gunzip: the lines of a gzip file, never more than a set size.

The compressed bytes are fed to zlib in small pieces and each call may produce at most
``OUTPUT_CHUNK`` bytes, so a gzip bomb is refused as soon as its output passes the bound,
having held at most the bound in memory (as one long line, at worst).
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator

from .errors import DumpError, DumpLimitExceeded, DumpTooLarge
from .limits import DEFAULT_MAX_LINE_BYTES, PREFIX

GZIP_MAGIC = b"\x1f\x8b"
GZIP_WBITS = 16 + zlib.MAX_WBITS
"""zlib's window bits for a gzip header and trailer (a raw or zlib stream is refused)."""
INPUT_CHUNK = 64 * 1024
"""Compressed bytes fed at a time: zlib copies what it leaves unconsumed at each call."""
OUTPUT_CHUNK = 256 * 1024
"""Largest decompressed piece asked of zlib at a time."""


class Stopped(Exception):
    """The reading was asked to stop (the run was cancelled): nobody waits for its end."""


def gunzip_chunks(
    compressed: bytes, max_bytes: int, stop: threading.Event | None = None
) -> Iterator[bytes]:
    """The decompressed bytes of ``compressed`` (one or more gzip members), piece by piece.

    Raises DumpTooLarge once more than ``max_bytes`` came out, DumpError if the data is not
    gzip, is corrupt or truncated, or has something other than gzip after its end, and
    Stopped soon after ``stop`` is set.
    """
    if not compressed.startswith(GZIP_MAGIC):
        raise DumpError("not gzip: it does not start with the gzip magic bytes 1f 8b")
    view = memoryview(compressed)
    produced = 0
    start = 0
    while start < len(view):  # one round per gzip member
        if view[start : start + 2] != GZIP_MAGIC:
            raise DumpError(f"not gzip after the end of the gzip stream, at byte {start}")
        decompressor = zlib.decompressobj(GZIP_WBITS)
        position = start
        pending: bytes | memoryview = b""
        while not decompressor.eof:
            if not pending and position < len(view):
                pending = view[position : position + INPUT_CHUNK]
                position += len(pending)
            try:
                piece = decompressor.decompress(pending, OUTPUT_CHUNK)
            except zlib.error as exc:
                raise DumpError(f"corrupt gzip: {exc}") from None
            pending = decompressor.unconsumed_tail
            if not piece and not pending and position >= len(view) and not decompressor.eof:
                raise DumpError("truncated gzip: the data ends before the gzip stream does")
            produced += len(piece)
            if produced > max_bytes:
                raise DumpTooLarge(produced, max_bytes)
            if stop is not None and stop.is_set():
                raise Stopped
            if piece:
                yield piece
        start = position - len(decompressor.unused_data)


def gunzip_lines(
    compressed: bytes,
    max_bytes: int,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    stop: threading.Event | None = None,
) -> Iterator[bytes]:
    """The lines of the gunzipped ``compressed``, each without its ``\\n``.

    A last line without a newline is yielded too; ``\\r`` is left in place (pg_dump writes
    ``\\n`` only). Raises DumpLimitExceeded as soon as a line is longer than
    ``max_line_bytes`` (so at most that much of a line is ever held), and as
    :func:`gunzip_chunks` does.
    """
    partial = bytearray()  # the start of a line that a piece cut; grows in place
    number = 0  # lines yielded so far

    def too_long(length: int) -> DumpLimitExceeded:
        return DumpLimitExceeded(
            field=f"line {number + 1} of the dump",
            value=length,
            limit=max_line_bytes,
            setting=PREFIX + "MAX_LINE_BYTES",
            unit="bytes",
        )

    for piece in gunzip_chunks(compressed, max_bytes, stop):
        lines = piece.split(b"\n")
        partial += lines[0]
        if len(partial) > max_line_bytes:
            raise too_long(len(partial))
        if len(lines) == 1:
            continue
        yield bytes(partial)
        number += 1
        partial.clear()
        for line in lines[1:-1]:
            if len(line) > max_line_bytes:
                raise too_long(len(line))
            yield line
            number += 1
        partial += lines[-1]
        if len(partial) > max_line_bytes:
            raise too_long(len(partial))
    if partial:
        yield bytes(partial)

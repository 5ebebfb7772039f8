"""What a hostile service sends: compression bombs, terminal escapes, hostile JSON.

A bomb is built without ever holding its decoded size in memory: a full flush resets
deflate's state, so every MiB of zeros compresses to the same segment, repeated.
"""

from __future__ import annotations

import functools
import struct
import zlib

MIB = 1 << 20
_ZEROS = bytes(MIB)

ESCAPES = (
    "\x1b[2J\x1b[H"  # clear the screen, cursor home
    "\x1b]0;pwned\x07"  # set the window title
    "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # write the clipboard (OSC 52)
    "\r\x1b[32m✓ passed\x1b[0m"  # overwrite the line with a fake verdict
    "\x9b31m\x9d0;c1\x9c"  # the same, as C1 controls (CSI, OSC, ST)
    "\x7f\x08\u202e"  # DEL, backspace, a bidi override
)
"""Terminal control sequences, in every form a service could send."""


def has_control(text: str) -> bool:
    """Whether ``text`` holds an ESC, a C1 control or DEL (what a terminal acts on)."""
    return any(ch == "\x1b" or "\x7f" <= ch <= "\x9f" for ch in text)


@functools.cache
def _crc_of_zeros(mib: int) -> int:
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(_ZEROS, crc)
    return crc


def gzip_zeros(mib: int) -> bytes:
    """A valid gzip member that decodes to ``mib`` MiB of zero bytes (about 1 KB per MiB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    segment = compressor.compress(_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    deflated = segment * mib + compressor.flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", _crc_of_zeros(mib), (mib * MIB) & 0xFFFFFFFF)
    return header + deflated + trailer


def gzip_bytes(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@functools.cache
def bomb(mib: int, layers: int) -> bytes:
    """``mib`` MiB of zeros, gzipped ``layers`` times (serve with that many ``gzip``)."""
    body = gzip_zeros(mib)
    for _ in range(layers - 1):
        body = gzip_bytes(body)
    return body


def deeply_nested(depth: int = 100_000) -> bytes:
    """``[[[[…]]]]``: valid JSON that a recursive parser cannot read."""
    return b"[" * depth + b"]" * depth


def long_integer(digits: int = 5_000) -> bytes:
    """A JSON integer beyond Python's 4,300-digit conversion limit."""
    return b"1" * digits


MIRROR_WORD = "hackattic"
MIRROR_SOLUTION = {"mirrored": "cittakcah"}
"""What :func:`mirror_problem` mirrors to (``tests/plugins/mirror.py``)."""


def mirror_problem() -> dict[str, str]:
    """A valid ``mirror`` problem."""
    return {"word": MIRROR_WORD}

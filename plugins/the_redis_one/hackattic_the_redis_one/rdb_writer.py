"""Writing RDB snapshots as Redis does: the sandbox's problems and the tests' crafted files.

Only what is needed to write files Redis loads: lengths, strings (raw, int-encoded or LZF),
ziplists, listpacks and intsets, the opcodes, and the CRC-64 trailer. The magic can be
replaced after the checksum is computed, as hackattic does.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

from .crc64 import crc64
from .lzf import lzf_compress
from .rdb import (
    OP_AUX,
    OP_EOF,
    OP_EXPIRETIME,
    OP_EXPIRETIME_MS,
    OP_RESIZEDB,
    OP_SELECTDB,
)


def encode_length(value: int) -> bytes:
    """A length as rdbSaveLen writes it (6, 14, 32 or 64 bits)."""
    if value < 1 << 6:
        return bytes((value,))
    if value < 1 << 14:
        return bytes((0x40 | (value >> 8), value & 0xFF))
    if value < 1 << 32:
        return b"\x80" + struct.pack(">I", value)
    return b"\x81" + struct.pack(">Q", value)


def _as_integer(value: bytes) -> int | None:
    """The integer a string spells canonically (no sign on 0, no leading zero), else None."""
    if not value or len(value) > 20:
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if str(number).encode() == value else None


def encode_string(value: bytes, *, compress: bool = False) -> bytes:
    """A string as rdbSaveRawString writes it: int-encoded when it spells a 32-bit integer,
    LZF-compressed when asked, else raw."""
    number = _as_integer(value)
    if number is not None:
        for code, fmt, low, high in ((0, "<b", -(1 << 7), 1 << 7), (1, "<h", -(1 << 15), 1 << 15),
                                     (2, "<i", -(1 << 31), 1 << 31)):  # fmt: skip
            if low <= number < high:
                return bytes((0xC0 | code,)) + struct.pack(fmt, number)
    if compress:
        packed = lzf_compress(value)
        return b"\xc3" + encode_length(len(packed)) + encode_length(len(value)) + packed
    return encode_length(len(value)) + value


def ziplist(elements: Iterable[bytes]) -> bytes:
    """A ziplist of ``elements`` (integers encoded as Redis encodes them)."""
    body = bytearray()
    previous = count = 0
    tail = 10
    for element in elements:
        tail = 10 + len(body)
        count += 1
        prevlen = bytes((previous,)) if previous < 254 else b"\xfe" + struct.pack("<I", previous)
        number = _as_integer(element)
        if number is not None and -(1 << 63) <= number < 1 << 63:
            if 0 <= number <= 12:
                encoded = bytes((0xF1 + number,))
            elif -(1 << 7) <= number < 1 << 7:
                encoded = b"\xfe" + struct.pack("<b", number)
            elif -(1 << 15) <= number < 1 << 15:
                encoded = b"\xc0" + struct.pack("<h", number)
            elif -(1 << 23) <= number < 1 << 23:
                encoded = b"\xf0" + (number & 0xFFFFFF).to_bytes(3, "little")
            elif -(1 << 31) <= number < 1 << 31:
                encoded = b"\xd0" + struct.pack("<i", number)
            else:
                encoded = b"\xe0" + struct.pack("<q", number)
        elif len(element) < 1 << 6:
            encoded = bytes((len(element),)) + element
        elif len(element) < 1 << 14:
            encoded = bytes((0x40 | (len(element) >> 8), len(element) & 0xFF)) + element
        else:
            encoded = b"\x80" + struct.pack(">I", len(element)) + element
        entry = prevlen + encoded
        body += entry
        previous = len(entry)
    total = 10 + len(body) + 1
    return struct.pack("<IIH", total, tail, min(count, 0xFFFF)) + bytes(body) + b"\xff"


def _backlen(size: int) -> bytes:
    groups = [size & 127]
    size >>= 7
    while size:
        groups.append(size & 127)
        size >>= 7
    # Read backwards: the last byte is the low 7 bits; every byte but the first has bit 7.
    out = [groups[-1]] + [g | 128 for g in reversed(groups[:-1])]
    return bytes(out)


def listpack(elements: Iterable[bytes]) -> bytes:
    """A listpack of ``elements`` (integers encoded as Redis encodes them)."""
    body = bytearray()
    count = 0
    for element in elements:
        number = _as_integer(element)
        if number is not None and -(1 << 63) <= number < 1 << 63:
            if 0 <= number < 128:
                encoded = bytes((number,))
            elif -(1 << 12) <= number < 1 << 12:
                value = number & 0x1FFF
                encoded = bytes((0xC0 | (value >> 8), value & 0xFF))
            elif -(1 << 15) <= number < 1 << 15:
                encoded = b"\xf1" + struct.pack("<h", number)
            elif -(1 << 23) <= number < 1 << 23:
                encoded = b"\xf2" + (number & 0xFFFFFF).to_bytes(3, "little")
            elif -(1 << 31) <= number < 1 << 31:
                encoded = b"\xf3" + struct.pack("<i", number)
            else:
                encoded = b"\xf4" + struct.pack("<q", number)
        elif len(element) < 64:
            encoded = bytes((0x80 | len(element),)) + element
        elif len(element) < 4096:
            encoded = bytes((0xE0 | (len(element) >> 8), len(element) & 0xFF)) + element
        else:
            encoded = b"\xf0" + struct.pack("<I", len(element)) + element
        body += encoded + _backlen(len(encoded))
        count += 1
    total = 6 + len(body) + 1
    return struct.pack("<IH", total, min(count, 0xFFFF)) + bytes(body) + b"\xff"


def intset(members: Iterable[int]) -> bytes:
    """An intset of ``members`` (sorted, in the narrowest width that holds them all)."""
    values = sorted(set(members))
    width, fmt = 2, "<h"
    if any(not -(1 << 15) <= v < 1 << 15 for v in values):
        width, fmt = 4, "<i"
    if any(not -(1 << 31) <= v < 1 << 31 for v in values):
        width, fmt = 8, "<q"
    return struct.pack("<II", width, len(values)) + b"".join(struct.pack(fmt, v) for v in values)


class RdbWriter:
    """A snapshot built opcode by opcode; :meth:`finish` adds the end and the checksum."""

    def __init__(self, version: int = 9) -> None:
        self.out = bytearray(b"REDIS%04d" % version)

    def aux(self, name: bytes, value: bytes) -> None:
        self.out += bytes((OP_AUX,)) + encode_string(name) + encode_string(value)

    def select_db(self, db: int, *, size: int | None = None, expires: int = 0) -> None:
        self.out += bytes((OP_SELECTDB,)) + encode_length(db)
        if size is not None:
            self.out += bytes((OP_RESIZEDB,)) + encode_length(size) + encode_length(expires)

    def expire_ms(self, when: int) -> None:
        self.out += bytes((OP_EXPIRETIME_MS,)) + struct.pack("<q", when)

    def expire_seconds(self, when: int) -> None:
        self.out += bytes((OP_EXPIRETIME,)) + struct.pack("<i", when)

    def key(self, value_type: int, key: bytes, payload: bytes) -> None:
        """A key of RDB type ``value_type`` whose encoded value is ``payload``."""
        self.out += bytes((value_type,)) + encode_string(key) + payload

    def string(self, key: bytes, value: bytes, *, compress: bool = False) -> None:
        self.key(0, key, encode_string(value, compress=compress))

    def finish(self, *, magic: bytes = b"REDIS") -> bytes:
        """The file: the end opcode, the CRC-64 of everything (with ``REDIS``), then
        ``magic`` in place of the first 5 bytes."""
        self.out.append(OP_EOF)
        body = bytes(self.out)
        return magic + body[5:] + struct.pack("<Q", crc64(body))

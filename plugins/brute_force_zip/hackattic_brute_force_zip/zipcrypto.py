"""The ZipCrypto stream cipher (PKWARE APPNOTE 6.1), in plain Python.

Used where speed does not matter: confirming a candidate on a small entry and writing the
sandbox's ZIPs. The search itself runs in the C extension (``_zipcrypto.c``).
"""

from __future__ import annotations

import zlib

HEADER_SIZE = 12
"""The encryption header in front of every encrypted entry's data."""
_INITIAL_KEYS = (0x12345678, 0x23456789, 0x34567890)
_MULTIPLIER = 134775813


def _crc_table() -> tuple[int, ...]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    return tuple(table)


_CRC_TABLE = _crc_table()


class ZipCrypto:
    """The three 32-bit keys, initialised from a password, updated by each plaintext byte."""

    __slots__ = ("k0", "k1", "k2")

    def __init__(self, password: bytes) -> None:
        self.k0, self.k1, self.k2 = _INITIAL_KEYS
        for byte in password:
            self._update(byte)

    def _update(self, byte: int) -> None:
        table = _CRC_TABLE
        self.k0 = (self.k0 >> 8) ^ table[(self.k0 ^ byte) & 0xFF]
        self.k1 = ((self.k1 + (self.k0 & 0xFF)) * _MULTIPLIER + 1) & 0xFFFFFFFF
        self.k2 = (self.k2 >> 8) ^ table[(self.k2 ^ (self.k1 >> 24)) & 0xFF]

    def _stream_byte(self) -> int:
        t = (self.k2 | 2) & 0xFFFF
        return ((t * (t ^ 1)) >> 8) & 0xFF

    def decrypt(self, data: bytes) -> bytes:
        out = bytearray(len(data))
        for i, byte in enumerate(data):
            plain = byte ^ self._stream_byte()
            out[i] = plain
            self._update(plain)
        return bytes(out)

    def encrypt(self, data: bytes) -> bytes:
        out = bytearray(len(data))
        for i, plain in enumerate(data):
            out[i] = plain ^ self._stream_byte()
            self._update(plain)
        return bytes(out)


def crc32(data: bytes) -> int:
    """The CRC-32 a ZIP entry records (zlib's)."""
    return zlib.crc32(data) & 0xFFFFFFFF

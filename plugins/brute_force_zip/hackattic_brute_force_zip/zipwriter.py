"""ZIPs written as hackattic serves them: Info-ZIP's layout, ZipCrypto, data descriptors.

hackattic's ZIPs come from Info-ZIP ``zip -P`` on Unix: every entry has general flag 0x9
(encrypted, data descriptor) yet also carries its CRC and sizes in the local header; a
local ``UT`` (mtime, atime) and ``ux`` (uid, gid 0) extra field, a central ``UT`` (mtime)
one; version made by 3.0 on Unix, mode ``-rw-r--r--``, the text bit set. Written by hand
because ``zipfile`` cannot encrypt.
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime

from .zipcrypto import HEADER_SIZE, ZipCrypto, crc32

_VERSION_MADE_BY = (3 << 8) | 30  # Unix, Info-ZIP 3.0
_EXTERNAL_ATTR = 0o100644 << 16  # a regular file, rw-r--r--
_TEXT = 1  # internal attribute: "apparently text"
_FLAG_ENCRYPTED, _FLAG_DATA_DESCRIPTOR = 0x1, 0x8


@dataclass(frozen=True)
class Member:
    name: str
    data: bytes
    deflate: bool


def _dos_time(moment: datetime) -> tuple[int, int]:
    time = (moment.hour << 11) | (moment.minute << 5) | (moment.second // 2)
    date = ((moment.year - 1980) << 9) | (moment.month << 5) | moment.day
    return time, date


def _extra(unix_time: int, *, local: bool) -> bytes:
    if local:  # UT with mtime and atime, ux with uid and gid as 4-byte zeros
        ut = struct.pack("<HHBII", 0x5455, 9, 3, unix_time, unix_time)
    else:
        ut = struct.pack("<HHBI", 0x5455, 5, 3, unix_time)
    ux = struct.pack("<HHBBIBI", 0x7875, 11, 1, 4, 0, 4, 0)
    return ut + ux


def write_zip(
    members: list[Member],
    password: bytes,
    moment: datetime,
    rng: random.Random,
    *,
    data_descriptor: bool = True,
) -> bytes:
    """The ZIP of ``members``, every one encrypted with ZipCrypto under ``password``.

    With ``data_descriptor`` (hackattic's case), the check byte of each encryption header
    is the high byte of the DOS time; without it, the high byte of the CRC.
    """
    dos_time, dos_date = _dos_time(moment)
    unix_time = int(moment.timestamp())
    flags = _FLAG_ENCRYPTED | (_FLAG_DATA_DESCRIPTOR if data_descriptor else 0)
    out = bytearray()
    directory = bytearray()
    for member in members:
        crc = crc32(member.data)
        if member.deflate:
            deflater = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
            body = deflater.compress(member.data) + deflater.flush()
            method, version = 8, 20
        else:
            body, method, version = member.data, 0, 10
        check = (dos_time >> 8) if data_descriptor else (crc >> 24)
        header = bytes(rng.getrandbits(8) for _ in range(HEADER_SIZE - 1)) + bytes([check])
        encrypted = ZipCrypto(password).encrypt(header + body)
        name = member.name.encode()
        offset = len(out)
        local_extra = _extra(unix_time, local=True)
        sizes = (crc, len(encrypted), len(member.data))
        out += struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", version, flags, method, dos_time, dos_date,
            *sizes, len(name), len(local_extra),
        )  # fmt: skip
        out += name + local_extra + encrypted
        if data_descriptor:
            out += struct.pack("<4sIII", b"PK\x07\x08", *sizes)
        central_extra = _extra(unix_time, local=False)
        directory += struct.pack(
            "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", _VERSION_MADE_BY, version, flags, method,
            dos_time, dos_date, *sizes, len(name), len(central_extra), 0, 0, _TEXT,
            _EXTERNAL_ATTR, offset,
        )  # fmt: skip
        directory += name + central_extra
    start = len(out)
    out += directory
    out += struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), start, 0
    )
    return bytes(out)

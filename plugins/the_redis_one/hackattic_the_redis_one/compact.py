"""Redis's compact encodings, stored in a snapshot as one string each: ziplist, listpack,
intset and zipmap. Each is read element by element (a generator), so a huge one is never
held as a list, and every length is checked against the bytes left before it is used.

Integers come out as their decimal text, as Redis returns them (``LRANGE`` of a list whose
ziplist holds the integer 7 answers ``"7"``).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from .errors import RdbError

_ZIPLIST_HEADER = 10  # zlbytes u32, zltail u32, zllen u16
_LISTPACK_HEADER = 6  # total bytes u32, count u16
_END = 0xFF
_UNKNOWN_COUNT = 0xFFFF  # a count past 65,534 is not kept: walk to know


def _need(blob: bytes, pos: int, size: int, what: str) -> None:
    if size < 0 or pos + size > len(blob):
        raise RdbError(f"{what} entry at byte {pos} goes past the end of its {len(blob)} bytes")


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def iter_ziplist(blob: bytes) -> Iterator[bytes]:
    """Every element of a ziplist, in order."""
    if len(blob) < _ZIPLIST_HEADER + 1:
        raise RdbError(f"a ziplist of {len(blob)} bytes is shorter than its header")
    total, _tail, declared = struct.unpack_from("<IIH", blob)
    if total != len(blob):
        raise RdbError(f"a ziplist says it has {total} bytes but holds {len(blob)}")
    pos, count = _ZIPLIST_HEADER, 0
    while True:
        _need(blob, pos, 1, "ziplist")
        first = blob[pos]
        if first == _END:
            break
        pos += 5 if first == 0xFE else 1  # the previous entry's length: 1 or 1 + 4 bytes
        _need(blob, pos, 1, "ziplist")
        enc = blob[pos]
        kind = enc >> 6
        if kind == 0:  # string, 6-bit length
            size, pos = enc & 0x3F, pos + 1
        elif kind == 1:  # string, 14-bit big-endian length
            _need(blob, pos, 2, "ziplist")
            size, pos = ((enc & 0x3F) << 8) | blob[pos + 1], pos + 2
        elif enc == 0x80:  # string, 32-bit big-endian length
            _need(blob, pos, 5, "ziplist")
            (size,) = struct.unpack_from(">I", blob, pos + 1)
            pos += 5
        elif kind == 2:
            raise RdbError(f"ziplist entry at byte {pos} has an unknown encoding 0x{enc:02x}")
        else:
            pos += 1
            if enc == 0xC0:
                fmt = "<h"
            elif enc == 0xD0:
                fmt = "<i"
            elif enc == 0xE0:
                fmt = "<q"
            elif enc == 0xFE:
                fmt = "<b"
            elif enc == 0xF0:  # 24-bit signed
                _need(blob, pos, 3, "ziplist")
                value = _signed(int.from_bytes(blob[pos : pos + 3], "little"), 24)
                pos += 3
                count += 1
                yield str(value).encode()
                continue
            elif 0xF1 <= enc <= 0xFD:  # 0 to 12 in the encoding byte itself
                count += 1
                yield str((enc & 0x0F) - 1).encode()
                continue
            else:
                raise RdbError(
                    f"ziplist entry at byte {pos - 1} has an unknown encoding 0x{enc:02x}"
                )
            width = struct.calcsize(fmt)
            _need(blob, pos, width, "ziplist")
            (value,) = struct.unpack_from(fmt, blob, pos)
            pos += width
            count += 1
            yield str(value).encode()
            continue
        _need(blob, pos, size, "ziplist")
        count += 1
        yield blob[pos : pos + size]
        pos += size
    if pos != len(blob) - 1:
        raise RdbError(f"a ziplist ends at byte {pos} of {len(blob)}")
    if declared != _UNKNOWN_COUNT and declared != count:
        raise RdbError(f"a ziplist says it has {declared} entries but holds {count}")


def _backlen_size(entry_size: int) -> int:
    for size, limit in ((1, 127), (2, 16383), (3, 2097151), (4, 268435455)):
        if entry_size <= limit:
            return size
    return 5


_LP_INTS = {0xF1: (2, 16), 0xF2: (3, 24), 0xF3: (4, 32), 0xF4: (8, 64)}


def iter_listpack(blob: bytes) -> Iterator[bytes]:
    """Every element of a listpack, in order."""
    if len(blob) < _LISTPACK_HEADER + 1:
        raise RdbError(f"a listpack of {len(blob)} bytes is shorter than its header")
    total, declared = struct.unpack_from("<IH", blob)
    if total != len(blob):
        raise RdbError(f"a listpack says it has {total} bytes but holds {len(blob)}")
    pos, count = _LISTPACK_HEADER, 0
    while True:
        _need(blob, pos, 1, "listpack")
        enc = blob[pos]
        if enc == _END:
            break
        start = pos
        value: bytes
        if enc < 0x80:  # 7-bit unsigned integer
            value, pos = str(enc).encode(), pos + 1
        elif enc < 0xC0:  # string, 6-bit length
            size = enc & 0x3F
            _need(blob, pos + 1, size, "listpack")
            value, pos = blob[pos + 1 : pos + 1 + size], pos + 1 + size
        elif enc < 0xE0:  # 13-bit signed integer
            _need(blob, pos, 2, "listpack")
            value = str(_signed(((enc & 0x1F) << 8) | blob[pos + 1], 13)).encode()
            pos += 2
        elif enc < 0xF0:  # string, 12-bit length
            _need(blob, pos, 2, "listpack")
            size = ((enc & 0x0F) << 8) | blob[pos + 1]
            _need(blob, pos + 2, size, "listpack")
            value, pos = blob[pos + 2 : pos + 2 + size], pos + 2 + size
        elif enc == 0xF0:  # string, 32-bit length
            _need(blob, pos, 5, "listpack")
            (size,) = struct.unpack_from("<I", blob, pos + 1)
            _need(blob, pos + 5, size, "listpack")
            value, pos = blob[pos + 5 : pos + 5 + size], pos + 5 + size
        elif enc in _LP_INTS:
            width, bits = _LP_INTS[enc]
            _need(blob, pos + 1, width, "listpack")
            raw = int.from_bytes(blob[pos + 1 : pos + 1 + width], "little")
            value, pos = str(_signed(raw, bits)).encode(), pos + 1 + width
        else:
            raise RdbError(f"listpack entry at byte {pos} has an unknown encoding 0x{enc:02x}")
        back = _backlen_size(pos - start)  # the entry's length again, for walking backwards
        _need(blob, pos, back, "listpack")
        pos += back
        count += 1
        yield value
    if pos != len(blob) - 1:
        raise RdbError(f"a listpack ends at byte {pos} of {len(blob)}")
    if declared != _UNKNOWN_COUNT and declared != count:
        raise RdbError(f"a listpack says it has {declared} entries but holds {count}")


_INTSET_FORMATS = {2: "<h", 4: "<i", 8: "<q"}


def iter_intset(blob: bytes) -> Iterator[bytes]:
    """Every member of an intset, in its (ascending) order."""
    if len(blob) < 8:
        raise RdbError(f"an intset of {len(blob)} bytes is shorter than its header")
    width, length = struct.unpack_from("<II", blob)
    fmt = _INTSET_FORMATS.get(width)
    if fmt is None:
        raise RdbError(f"an intset has an unknown integer width of {width} bytes")
    if 8 + width * length != len(blob):
        raise RdbError(
            f"an intset says it has {length} members of {width} bytes "
            f"but holds {len(blob) - 8} bytes"
        )
    for (value,) in struct.iter_unpack(fmt, memoryview(blob)[8:]):
        yield str(value).encode()


def iter_zipmap(blob: bytes) -> Iterator[bytes]:
    """Fields and values of a zipmap (Redis before 2.6), alternating."""
    if len(blob) < 2:
        raise RdbError(f"a zipmap of {len(blob)} bytes is shorter than its header")
    pos, count = 1, 0
    while True:
        _need(blob, pos, 1, "zipmap")
        if blob[pos] == _END:
            break
        size = blob[pos]
        if size == 254:
            _need(blob, pos, 5, "zipmap")
            (size,) = struct.unpack_from("<I", blob, pos + 1)
            pos += 5
        elif size == 253:
            raise RdbError(f"zipmap entry at byte {pos} has an invalid length byte 253")
        else:
            pos += 1
        free = 0
        if count % 2 == 1:  # a value: then how many free bytes follow it
            _need(blob, pos, 1, "zipmap")
            free = blob[pos]
            pos += 1
        _need(blob, pos, size + free, "zipmap")
        yield blob[pos : pos + size]
        pos += size + free
        count += 1
    if count % 2:
        raise RdbError("a zipmap ends with a field that has no value")
    if pos != len(blob) - 1:
        raise RdbError(f"a zipmap ends at byte {pos} of {len(blob)}")

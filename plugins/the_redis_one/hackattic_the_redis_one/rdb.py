"""Reading an RDB snapshot (Redis's ``dump.rdb``), versions 1 to 11, without Redis.

:func:`read_snapshot` walks the file once and yields an :class:`Entry` per key, with its
database, expiry and type as Redis's ``TYPE`` names it. A string's value comes whole; a
collection's elements come from an iterator, one at a time, so that memory stays bounded
by the largest single string, whatever the snapshot holds; whatever the reader of an
entry leaves of its elements is walked (and checked) before the next key.

The file is hostile until proven otherwise: every length and count is checked against the
bytes left before anything is allocated or looped over, a compressed string may not
declare more than ``max_string_bytes``, and a cut-short file, a length past the end, an
unknown opcode or type each raise :class:`RdbError` naming the offset. The format has no
recursion (the deepest value is a compressed listpack inside a quicklist node), and this
reader has none either, so no nesting can exhaust the stack.
"""

from __future__ import annotations

import math
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .compact import iter_intset, iter_listpack, iter_ziplist, iter_zipmap
from .errors import RdbError, RdbLimitExceeded
from .lzf import lzf_decompress

SUPPORTED_VERSIONS = range(1, 12)
"""Redis 7.2 writes version 11, 7.0 version 10, 6.x version 9."""

MAX_STRING_SETTING = "HACKATTIC_THE_REDIS_ONE_MAX_STRING_BYTES"

# Opcodes before a key (rdb.h).
OP_SLOT_INFO = 0xF4
OP_FUNCTION2 = 0xF5
OP_FUNCTION_PRE_GA = 0xF6
OP_MODULE_AUX = 0xF9
OP_IDLE = 0xF8
OP_FREQ = 0xF7
OP_AUX = 0xFA
OP_RESIZEDB = 0xFB
OP_EXPIRETIME_MS = 0xFC
OP_EXPIRETIME = 0xFD
OP_SELECTDB = 0xFE
OP_EOF = 0xFF

# Value types: (what TYPE answers, the encoding's name).
TYPES: dict[int, tuple[str, str]] = {
    0: ("string", "string"),
    1: ("list", "linkedlist"),
    2: ("set", "hashtable"),
    3: ("zset", "skiplist"),
    4: ("hash", "hashtable"),
    5: ("zset", "skiplist"),  # scores as binary doubles
    6: ("module", "module"),
    7: ("module", "module2"),
    9: ("hash", "zipmap"),
    10: ("list", "ziplist"),
    11: ("set", "intset"),
    12: ("zset", "ziplist"),
    13: ("hash", "ziplist"),
    14: ("list", "quicklist"),
    15: ("stream", "listpacks"),
    16: ("hash", "listpack"),
    17: ("zset", "listpack"),
    18: ("list", "quicklist2"),
    19: ("stream", "listpacks2"),
    20: ("set", "listpack"),
    21: ("stream", "listpacks3"),
}

# Module values (RDB_MODULE_OPCODE_*): self-describing, so any module's can be skipped.
_MODULE_EOF, _MODULE_SINT, _MODULE_UINT, _MODULE_FLOAT, _MODULE_DOUBLE, _MODULE_STRING = range(6)
_MODULE_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_QUICKLIST_PLAIN, _QUICKLIST_PACKED = 1, 2
_STOP_EVERY = 4096  # keys between two looks at the stop event

Element = bytes | tuple[bytes, bytes] | tuple[bytes, float]
"""A list's or set's member, a hash's (field, value), a sorted set's (member, score)."""
_NO_ELEMENTS: Iterator[Element] = iter(())


@dataclass(slots=True)
class Entry:
    """One key of the snapshot."""

    db: int
    key: bytes
    type: str
    """As Redis's TYPE answers: string, list, set, zset, hash, stream or a module's name."""
    encoding: str
    """How the snapshot stores it (ziplist, listpack, intset, quicklist2, …)."""
    expire_ms: int | None
    """When the key expires, in Unix milliseconds (an expiry in seconds is converted)."""
    value: bytes | None = None
    """A string's value; None for other types."""
    elements: Iterator[Element] = field(default_factory=lambda: _NO_ELEMENTS)
    """A collection's elements, read as they are asked for."""
    stream_length: int | None = None
    """A stream's length (XLEN); its entries are checked and skipped."""


@dataclass
class Snapshot:
    """What the snapshot says besides its keys; filled in while it is read."""

    version: int = 0
    aux: dict[str, bytes] = field(default_factory=dict)
    functions: int = 0
    """How many function libraries (Redis 7's FUNCTION LOAD) it holds."""
    ended: bool = False


_MAX_AUX_KEPT = 64  # more aux fields are read and checked but not kept


class _Reader:
    """A cursor over the snapshot's bytes that never reads past their end."""

    def __init__(self, data: bytes, max_string_bytes: int) -> None:
        self.data = data
        self.pos = 0
        self.max_string_bytes = max_string_bytes

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, size: int, what: object) -> bytes:
        if size > len(self.data) - self.pos:
            raise RdbError(
                f"{what} at byte {self.pos} needs {size:,} bytes but only "
                f"{len(self.data) - self.pos:,} remain (a truncated or corrupt file)"
            )
        start = self.pos
        self.pos += size
        return self.data[start : self.pos]

    def byte(self, what: object) -> int:
        if self.pos >= len(self.data):
            raise RdbError(f"the file ends at byte {self.pos}, in the middle of {what}")
        self.pos += 1
        return self.data[self.pos - 1]

    def unpack(self, fmt: str, what: object) -> int:
        (value,) = struct.unpack(fmt, self.take(struct.calcsize(fmt), what))
        return int(value)

    def length(self, what: object) -> int:
        """A length (rdbLoadLen): 6, 14, 32 or 64 bits; never a special encoding."""
        value, special = self._length_or_encoding(what)
        if special:
            raise RdbError(f"{what} at byte {self.pos - 1} is an encoded value, not a length")
        return value

    def count(self, what: object, bytes_each: int = 1) -> int:
        """A number of things to read next, each at least ``bytes_each`` bytes long: a count
        that the bytes left cannot hold is refused before any loop or allocation."""
        start = self.pos
        value = self.length(what)
        if value * bytes_each > self.remaining():
            raise RdbError(
                f"{what} at byte {start} is {value:,}, more than the {self.remaining():,} "
                "bytes left in the file can hold"
            )
        return value

    def _length_or_encoding(self, what: object) -> tuple[int, bool]:
        first = self.byte(what)
        kind = first >> 6
        if kind == 0:
            return first & 0x3F, False
        if kind == 1:
            return ((first & 0x3F) << 8) | self.byte(what), False
        if kind == 3:
            return first & 0x3F, True
        if first == 0x80:
            return self.unpack(">I", what), False
        if first == 0x81:
            return self.unpack(">Q", what), False
        raise RdbError(
            f"{what} at byte {self.pos - 1} has an unknown length encoding 0x{first:02x}"
        )

    def string(self, what: object) -> bytes:
        """A string (rdbGenericLoadStringObject): raw, an integer, or LZF-compressed."""
        data, start = self.data, self.pos
        if start < len(data) and data[start] < 0x40:  # the usual case: up to 63 raw bytes
            end = start + 1 + data[start]
            if end <= len(data):
                self.pos = end
                return data[start + 1 : end]
        value, special = self._length_or_encoding(what)
        if not special:
            return self.take(value, what)
        if value == 0:
            return str(self.unpack("<b", what)).encode()
        if value == 1:
            return str(self.unpack("<h", what)).encode()
        if value == 2:
            return str(self.unpack("<i", what)).encode()
        if value == 3:
            compressed = self.length(what)
            size = self.length(what)
            if size > self.max_string_bytes:
                raise RdbLimitExceeded(
                    f"{what} at byte {start} would decompress to {size:,} bytes, over the "
                    f"limit of {self.max_string_bytes:,}",
                    setting=MAX_STRING_SETTING,
                )
            data = self.take(compressed, what)
            try:
                return lzf_decompress(data, size)
            except RdbError as exc:
                raise RdbError(f"{what}: {exc}") from None
        raise RdbError(f"{what} at byte {start} has an unknown string encoding {value}")

    def score_text(self, what: object) -> float:
        """A sorted set's score as text (type 3): a length byte, or 253–255 for nan/±inf."""
        size = self.byte(what)
        if size == 253:
            return math.nan
        if size == 254:
            return math.inf
        if size == 255:
            return -math.inf
        text = self.take(size, what)
        try:
            return float(text)
        except ValueError:
            raise RdbError(f"{what} at byte {self.pos - size} is not a number") from None

    def stream_id(self, what: object) -> None:
        self.take(16, what)  # milliseconds and sequence, 64 bits each, big-endian


def _pairs(items: Iterator[bytes], what: object) -> Iterator[tuple[bytes, bytes]]:
    for first in items:
        second = next(items, None)
        if second is None:
            raise RdbError(f"{what} has a field without a value")
        yield first, second


def _scored(items: Iterator[bytes], what: object) -> Iterator[tuple[bytes, float]]:
    for member, score in _pairs(items, what):
        try:
            yield member, float(score)
        except ValueError:
            raise RdbError(f"{what} has a score that is not a number: {score[:40]!r}") from None


class _What:
    """Which value is being read, for a message: built only if one is needed."""

    __slots__ = ("key", "type_name")

    def __init__(self, type_name: str, key: bytes) -> None:
        self.type_name = type_name
        self.key = key

    def __str__(self) -> str:
        return f"the {self.type_name} value of the key {_shown(self.key)}"


def _shown(key: bytes) -> str:
    """A key's name for a message: escaped, and cut short if long."""
    text = key[:40].decode("utf-8", errors="backslashreplace")
    return repr(text + ("…" if len(key) > 40 else ""))


def _module_name(module_id: int) -> str:
    """The 9-character type name a module id encodes (6 bits a character, then a version)."""
    return "".join(_MODULE_CHARSET[(module_id >> (64 - 6 * (n + 1))) & 63] for n in range(9))


class _Parser:
    def __init__(self, data: bytes, max_string_bytes: int) -> None:
        self.r = _Reader(data, max_string_bytes)
        self.snapshot = Snapshot()

    def header(self) -> None:
        head = self.r.take(9, "the header")
        digits = head[5:9]
        if not digits.isdigit():
            raise RdbError(f"the header's version {digits!r} is not 4 digits: not an RDB file")
        version = int(digits)
        if version not in SUPPORTED_VERSIONS:
            raise RdbError(
                f"RDB version {version} is not supported (versions "
                f"{SUPPORTED_VERSIONS.start} to {SUPPORTED_VERSIONS.stop - 1} are)"
            )
        self.snapshot.version = version

    def entries(self, stop: threading.Event | None) -> Iterator[Entry]:
        r = self.r
        db = 0
        expire: int | None = None
        keys = 0
        data, size = r.data, len(r.data)
        while True:
            at = r.pos
            if at >= size:
                raise RdbError(f"the file ends at byte {at} without its end-of-file opcode")
            op = data[at]
            r.pos = at + 1
            if op == 0:  # a string, the usual case: no detour
                # A raw key under 64 bytes and a raw value under 16 KiB (most keys): sliced
                # right here, without a call per length.
                start = at + 1
                end = start + 1 + data[start] if start < size and data[start] < 0x40 else size
                value_start = value_end = size + 1
                if end + 1 < size:
                    first = data[end]
                    if first < 0x40:
                        value_start, value_end = end + 1, end + 1 + first
                    elif first < 0x80:
                        value_start = end + 2
                        value_end = value_start + (((first & 0x3F) << 8) | data[end + 1])
                if value_end <= size:
                    r.pos = value_end
                    key, value = data[start + 1 : end], data[value_start:value_end]
                else:
                    key = r.string("a key")
                    value = r.string(_What("string", key))
                entry = Entry(db, key, "string", "string", expire, value)
                expire = None
                yield entry
                keys += 1
                if stop is not None and keys % _STOP_EVERY == 0 and stop.is_set():
                    raise RdbError("stopped")
                continue
            if op == OP_EOF:
                break
            if op == OP_SELECTDB:
                db = r.length("the database number")
            elif op == OP_RESIZEDB:
                r.length("the database size")
                r.length("the expires size")
            elif op == OP_AUX:
                name = r.string("an aux field's name")
                value = r.string("an aux field's value")
                if len(self.snapshot.aux) < _MAX_AUX_KEPT:
                    self.snapshot.aux[name.decode(errors="replace")] = value
            elif op == OP_EXPIRETIME_MS:
                expire = r.unpack("<q", "an expiry in ms")
            elif op == OP_EXPIRETIME:
                expire = r.unpack("<i", "an expiry in seconds") * 1000
            elif op == OP_IDLE:
                r.length("an idle time")
            elif op == OP_FREQ:
                r.byte("an LFU frequency")
            elif op == OP_MODULE_AUX:
                r.length("a module aux's module id")
                when_opcode = r.length("a module aux's opcode")
                r.length("a module aux's 'when'")
                if when_opcode != _MODULE_UINT:
                    raise RdbError(f"module aux data at byte {at} is not in the known format")
                self._skip_module_value(at)
            elif op == OP_FUNCTION2:
                r.string("a function library")
                self.snapshot.functions += 1
            elif op == OP_FUNCTION_PRE_GA:
                raise RdbError(f"byte {at}: functions in Redis 7.0's pre-release format")
            elif op == OP_SLOT_INFO:
                for what in ("a slot id", "a slot size", "a slot's expires size"):
                    r.length(what)
            elif op in TYPES:
                key = r.string("a key")
                entry = self._value(op, db, key, expire, at)
                expire = None
                yield entry
                for _ in entry.elements:  # whatever the caller left: walked and checked
                    pass
                keys += 1
                if stop is not None and keys % _STOP_EVERY == 0 and stop.is_set():
                    raise RdbError("stopped")
            else:
                raise RdbError(f"unknown opcode or value type 0x{op:02x} at byte {at}")
        self.snapshot.ended = True

    def _value(self, op: int, db: int, key: bytes, expire: int | None, at: int) -> Entry:
        type_name, encoding = TYPES[op]
        entry = Entry(db=db, key=key, type=type_name, encoding=encoding, expire_ms=expire)
        r = self.r
        what = _What(type_name, key)
        if op in (1, 2):  # (strings, type 0, are read in entries())
            entry.elements = self._strings(r.count(what), what)
        elif op == 3:
            entry.elements = self._zset(r.count(what, 2), what, binary=False)
        elif op == 5:
            entry.elements = self._zset(r.count(what, 9), what, binary=True)
        elif op == 4:
            entry.elements = _pairs(self._strings(2 * r.count(what, 2), what), what)
        elif op == 9:
            entry.elements = _pairs(iter_zipmap(r.string(what)), what)
        elif op == 10:
            entry.elements = iter_ziplist(r.string(what))
        elif op == 11:
            entry.elements = iter_intset(r.string(what))
        elif op == 12:
            entry.elements = _scored(iter_ziplist(r.string(what)), what)
        elif op == 13:
            entry.elements = _pairs(iter_ziplist(r.string(what)), what)
        elif op == 16:
            entry.elements = _pairs(iter_listpack(r.string(what)), what)
        elif op == 17:
            entry.elements = _scored(iter_listpack(r.string(what)), what)
        elif op == 20:
            entry.elements = iter_listpack(r.string(what))
        elif op == 14:
            entry.elements = self._nodes(r.count(what), what, iter_ziplist, with_container=False)
        elif op == 18:
            entry.elements = self._nodes(r.count(what, 2), what, iter_listpack, with_container=True)
        elif op in (15, 19, 21):
            entry.stream_length = self._stream(op, what)
        elif op == 7:
            module_id = r.length(what)
            entry.type = _module_name(module_id)
            self._skip_module_value(at)
        else:  # 6: a module value that only its module can read
            raise RdbError(f"{what}: a module value of the pre-release format cannot be skipped")
        return entry

    def _strings(self, count: int, what: object) -> Iterator[bytes]:
        for _ in range(count):
            yield self.r.string(what)

    def _zset(self, count: int, what: object, *, binary: bool) -> Iterator[tuple[bytes, float]]:
        for _ in range(count):
            member = self.r.string(what)
            if binary:
                (score,) = struct.unpack("<d", self.r.take(8, what))
                yield member, score
            else:
                yield member, self.r.score_text(what)

    def _nodes(
        self,
        count: int,
        what: object,
        decode: Callable[[bytes], Iterator[bytes]],
        *,
        with_container: bool,
    ) -> Iterator[bytes]:
        for _ in range(count):
            container = self.r.length(what) if with_container else _QUICKLIST_PACKED
            blob = self.r.string(what)
            if container == _QUICKLIST_PLAIN:  # one large element stored as it is
                yield blob
            elif container == _QUICKLIST_PACKED:
                yield from decode(blob)
            else:
                raise RdbError(f"{what} has a quicklist node of unknown kind {container}")

    def _stream(self, op: int, what: object) -> int:
        """Check and skip a stream; its length (XLEN)."""
        r = self.r
        for _ in range(r.count(what, 2)):
            node_key = r.string(what)
            if len(node_key) != 16:
                raise RdbError(f"{what} has a stream node key of {len(node_key)} bytes, not 16")
            for _ in iter_listpack(r.string(what)):
                pass
        length = r.length(what)
        r.length(what)  # last id: ms
        r.length(what)  # and sequence
        if op >= 19:
            for _ in range(4):  # first id, max deleted id
                r.length(what)
            r.length(what)  # entries added
        for _ in range(r.count(what, 3)):  # consumer groups
            r.string(what)
            r.length(what)
            r.length(what)
            if op >= 19:
                r.length(what)  # entries read
            for _ in range(r.count(what, 16 + 8 + 1)):  # the group's pending entries
                r.stream_id(what)
                r.take(8, what)  # delivery time
                r.length(what)  # delivery count
            for _ in range(r.count(what, 1 + 8 + 1)):  # consumers
                r.string(what)
                r.take(8, what)  # seen time
                if op >= 21:
                    r.take(8, what)  # active time
                for _ in range(r.count(what, 16)):
                    r.stream_id(what)
        return length

    def _skip_module_value(self, at: int) -> None:
        r = self.r
        what = f"the module value at byte {at}"
        while True:
            opcode = r.length(what)
            if opcode == _MODULE_EOF:
                return
            if opcode in (_MODULE_SINT, _MODULE_UINT):
                r.length(what)
            elif opcode == _MODULE_FLOAT:
                r.take(4, what)
            elif opcode == _MODULE_DOUBLE:
                r.take(8, what)
            elif opcode == _MODULE_STRING:
                r.string(what)
            else:
                raise RdbError(f"{what} has an unknown module opcode {opcode}")


def read_snapshot(
    data: bytes,
    snapshot: Snapshot,
    *,
    max_string_bytes: int,
    stop: threading.Event | None = None,
) -> Iterator[Entry]:
    """Every key of the snapshot ``data``, in file order; ``snapshot`` gets the rest.

    The first 5 bytes (the magic, ``REDIS``) are not looked at: hackattic replaces them.
    Raises :class:`RdbError` for anything Redis would refuse to load. The CRC is not
    checked here (see :mod:`.crc64`). After the last key, the end-of-file opcode must be
    followed by the 8-byte checksum (from version 5) and nothing else.
    """
    parser = _Parser(data, max_string_bytes)
    parser.header()
    snapshot.version = parser.snapshot.version
    parser.snapshot = snapshot
    yield from parser.entries(stop)
    trailer = 8 if snapshot.version >= 5 else 0
    left = parser.r.remaining()
    if left != trailer:
        raise RdbError(
            f"the end-of-file opcode at byte {parser.r.pos - 1} is followed by {left} bytes, "
            f"not the {trailer}-byte checksum"
        )

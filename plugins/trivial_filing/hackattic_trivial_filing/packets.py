"""TFTP packets (RFC 1350, options RFC 2347–2349): parse requests and ACKs, build the rest.

Every parser takes hostile bytes: it checks lengths and terminators and raises
:class:`Malformed` rather than guessing.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum


class Opcode(IntEnum):
    RRQ = 1
    WRQ = 2
    DATA = 3
    ACK = 4
    ERROR = 5
    OACK = 6


class ErrorCode(IntEnum):
    NOT_DEFINED = 0
    FILE_NOT_FOUND = 1
    ACCESS_VIOLATION = 2
    DISK_FULL = 3
    ILLEGAL_OPERATION = 4
    UNKNOWN_TID = 5
    FILE_EXISTS = 6
    NO_SUCH_USER = 7
    OPTION_REFUSED = 8


class Malformed(ValueError):
    """Bytes that are not the TFTP packet expected."""


MAX_REQUEST_BYTES = 1024
"""A request is a name, a mode and a few options: RFC 2347 keeps them within 512 bytes;
twice that is generous, anything longer is dropped unread."""
MAX_OPTIONS = 16


@dataclass(frozen=True)
class Request:
    opcode: Opcode
    filename: str
    mode: str
    """Lowercased: ``octet``, ``netascii`` or ``mail``."""
    options: dict[str, str] = field(default_factory=dict)
    """Option names lowercased (RFC 2347: case-insensitive), in the client's order."""


def opcode_of(packet: bytes) -> int:
    if len(packet) < 2:
        raise Malformed("shorter than an opcode")
    return int.from_bytes(packet[:2], "big")


def parse_request(packet: bytes) -> Request:
    """An RRQ or WRQ: opcode, then NUL-terminated filename, mode, option/value pairs."""
    if len(packet) > MAX_REQUEST_BYTES:
        raise Malformed(f"a request of {len(packet)} bytes")
    opcode = opcode_of(packet)
    if opcode not in (Opcode.RRQ, Opcode.WRQ):
        raise Malformed(f"opcode {opcode} is not a request")
    if not packet.endswith(b"\0"):
        raise Malformed("the request's last field is not NUL-terminated")
    fields = packet[2:-1].split(b"\0")
    if len(fields) < 2 or len(fields) % 2:
        raise Malformed("a request needs a filename, a mode and option/value pairs")
    try:
        texts = [part.decode("ascii") for part in fields]
    except UnicodeDecodeError:
        raise Malformed("a request's fields must be ASCII (netascii)") from None
    filename, mode, *rest = texts
    if not filename:
        raise Malformed("an empty filename")
    if len(rest) // 2 > MAX_OPTIONS:
        raise Malformed(f"more than {MAX_OPTIONS} options")
    options: dict[str, str] = {}
    for name, value in zip(rest[::2], rest[1::2], strict=True):
        options.setdefault(name.lower(), value)
    return Request(Opcode(opcode), filename, mode.lower(), options)


def parse_ack(packet: bytes) -> int:
    """The block number an ACK acknowledges."""
    if len(packet) != 4 or opcode_of(packet) != Opcode.ACK:
        raise Malformed("not an ACK")
    return int.from_bytes(packet[2:4], "big")


def parse_error(packet: bytes) -> tuple[int, str]:
    """An ERROR's code and message (the message as far as it decodes)."""
    if len(packet) < 4 or opcode_of(packet) != Opcode.ERROR:
        raise Malformed("not an ERROR")
    code = int.from_bytes(packet[2:4], "big")
    message = packet[4:].split(b"\0", 1)[0].decode("ascii", "replace")
    return code, message


def data(block: int, payload: bytes) -> bytes:
    return struct.pack("!HH", Opcode.DATA, block & 0xFFFF) + payload


def ack(block: int) -> bytes:
    return struct.pack("!HH", Opcode.ACK, block & 0xFFFF)


def error(code: ErrorCode, message: str) -> bytes:
    return struct.pack("!HH", Opcode.ERROR, code) + message.encode("ascii", "replace") + b"\0"


def oack(options: dict[str, str]) -> bytes:
    body = b"".join(f"{name}\0{value}\0".encode("ascii") for name, value in options.items())
    return struct.pack("!H", Opcode.OACK) + body


def request(
    opcode: Opcode, filename: str, mode: str, options: dict[str, str] | None = None
) -> bytes:
    """An RRQ or WRQ (for clients and tests)."""
    parts = [filename, mode] + [item for pair in (options or {}).items() for item in pair]
    return struct.pack("!H", opcode) + b"".join(part.encode("ascii") + b"\0" for part in parts)


def to_netascii(content: bytes) -> bytes:
    """RFC 764's netascii: each LF becomes CR LF, a bare CR becomes CR NUL."""
    return content.replace(b"\r", b"\r\0").replace(b"\n", b"\r\n")

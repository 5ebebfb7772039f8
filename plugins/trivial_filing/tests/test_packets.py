"""TFTP packets: hostile bytes are refused with a reason, never guessed at."""

from __future__ import annotations

import pytest
from hackattic_trivial_filing import packets
from hackattic_trivial_filing.packets import Malformed, Opcode


def test_a_read_request_with_options() -> None:
    wire = packets.request(Opcode.RRQ, "notes.txt", "OCTET", {"BlkSize": "1024", "tsize": "0"})
    request = packets.parse_request(wire)
    assert (request.opcode, request.filename, request.mode) == (Opcode.RRQ, "notes.txt", "octet")
    assert request.options == {"blksize": "1024", "tsize": "0"}


@pytest.mark.parametrize(
    ("wire", "reason"),
    [
        (b"\x00", "shorter"),
        (b"\x00\x03abc\x00octet\x00", "not a request"),
        (b"\x00\x01name\x00octet", "NUL"),
        (b"\x00\x01name\x00", "filename, a mode"),
        (b"\x00\x01name\x00octet\x00blksize\x00", "pairs"),
        (b"\x00\x01\x00octet\x00", "empty filename"),
        (b"\x00\x01caf\xc3\xa9\x00octet\x00", "ASCII"),
        (b"\x00\x01" + b"a" * 2000 + b"\x00octet\x00", "bytes"),
        (b"\x00\x01n\x00octet\x00" + b"o\x001\x00" * 20, "options"),
    ],
)
def test_malformed_requests(wire: bytes, reason: str) -> None:
    with pytest.raises(Malformed, match=reason):
        packets.parse_request(wire)


def test_acks_errors_and_netascii() -> None:
    assert packets.parse_ack(packets.ack(70000)) == 70000 & 0xFFFF
    with pytest.raises(Malformed):
        packets.parse_ack(packets.ack(1) + b"x")
    assert packets.parse_error(packets.error(packets.ErrorCode.FILE_NOT_FOUND, "gone")) == (
        1,
        "gone",
    )
    assert packets.data(65536 + 5, b"x")[:4] == b"\x00\x03\x00\x05"  # block numbers roll over
    assert packets.to_netascii(b"a\nb\rc\r\n") == b"a\r\nb\r\0c\r\0\r\n"

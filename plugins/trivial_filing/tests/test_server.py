"""The server on real sockets, against tftp-hpa's client, tftpy's, and hand-made packets."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
from collections.abc import AsyncIterator
from pathlib import Path

from hackattic_trivial_filing import packets
from hackattic_trivial_filing.challenge import TrivialFilingChallenge, TrivialFilingProblem
from hackattic_trivial_filing.client import (
    Probed,
    TftpFailure,
    download_tftp_hpa,
    download_tftpy,
    probe,
    tftp_hpa,
)
from hackattic_trivial_filing.packets import ErrorCode, Opcode
from hackattic_trivial_filing.server import Event, Limits, TftpServer, serve_tftp

FILES = {
    "small.txt": b"hello\nworld\r\n",
    "exact.txt": b"e" * 1024,  # 2 full blocks, then an empty one
    "empty.txt": b"",
    "big.bin": os.urandom(300_000),
}


@contextlib.asynccontextmanager
async def _serving(
    limits: Limits | None = None, events: list[Event] | None = None
) -> AsyncIterator[tuple[int, TftpServer]]:
    server = TftpServer(FILES, "127.0.0.1", limits, None if events is None else events.append)
    async with serve_tftp(server, 0) as bound:
        yield bound.port, server


class _Raw:
    """A bare UDP socket for hand-made packets."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)

    async def send(self, packet: bytes, port: int) -> None:
        await asyncio.get_running_loop().sock_sendto(self.sock, packet, ("127.0.0.1", port))

    async def receive(self, seconds: float = 5.0) -> tuple[bytes, int] | None:
        try:
            async with asyncio.timeout(seconds):
                data, addr = await asyncio.get_running_loop().sock_recvfrom(self.sock, 70_000)
        except TimeoutError:
            return None
        return data, addr[1]

    def close(self) -> None:
        self.sock.close()


def test_tftp_hpa_gets_every_file_in_both_modes() -> None:
    assert tftp_hpa() is not None, "install tftp-hpa (system-packages.txt)"

    async def fetch_all() -> dict[str, bytes]:
        got = {}
        async with _serving() as (port, _):
            for name in FILES:
                got[name] = await download_tftp_hpa(
                    "127.0.0.1", port, name, mode="octet", seconds=30, max_bytes=10**6
                )
            got["netascii"] = await download_tftp_hpa(
                "127.0.0.1", port, "small.txt", mode="netascii", seconds=30, max_bytes=10**6
            )
        return got

    got = asyncio.run(fetch_all())
    assert got.pop("netascii") == FILES["small.txt"]  # converted there and back
    assert got == FILES


def test_tftpy_gets_every_file() -> None:
    async def fetch_all() -> dict[str, bytes]:
        async with _serving() as (port, _):
            return {
                name: await download_tftpy("127.0.0.1", port, name, seconds=10, max_bytes=10**6)
                for name in FILES
            }

    assert asyncio.run(fetch_all()) == FILES


def test_names_outside_the_files_and_writes_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("never served")
    names = [
        "../etc/passwd",
        "/etc/passwd",
        "..\\..\\boot.ini",
        str(outside),
        "SMALL.TXT",
        "small.txt/",
    ]

    async def attempts() -> list[int | None]:
        codes = []
        async with _serving() as (port, _):
            for name in names:
                try:
                    await probe("127.0.0.1", port, name)
                except TftpFailure as exc:
                    codes.append(exc.code)
            try:
                await probe("127.0.0.1", port, "small.txt", write=True)
            except TftpFailure as exc:
                codes.append(exc.code)
        return codes

    codes = asyncio.run(attempts())
    assert codes == [ErrorCode.FILE_NOT_FOUND] * len(names) + [ErrorCode.ACCESS_VIOLATION]


def test_a_leading_slash_names_the_same_file() -> None:
    async def get() -> bytes:
        async with _serving() as (port, _):
            return (await probe("127.0.0.1", port, "/small.txt")).content

    assert asyncio.run(get()) == FILES["small.txt"]


def test_hostile_packets_on_the_servers_port() -> None:
    async def attack() -> list[object]:
        raw = _Raw()
        seen: list[object] = []
        try:
            async with _serving() as (port, server):
                for packet in (
                    packets.data(1, b"x"),
                    packets.ack(1),
                    b"\x00\x01small.txt\x00octet",  # no terminator
                    packets.request(Opcode.RRQ, "small.txt", "mail"),
                    b"\x00\x09whatever",
                    b"\x00\x01" + b"A" * 1500 + b"\x00octet\x00",
                ):
                    await raw.send(packet, port)
                    reply = await raw.receive()
                    assert reply is not None
                    seen.append(packets.parse_error(reply[0])[0])
                await raw.send(packets.error(ErrorCode.NOT_DEFINED, "hi"), port)
                await raw.send(b"\x01", port)
                seen.append(await raw.receive(0.5))  # neither is answered
                seen.append(len(server.transfers))
                # …and the server still serves.
                seen.append((await probe("127.0.0.1", port, "small.txt")).content)
        finally:
            raw.close()
        return seen

    seen = asyncio.run(attack())
    assert seen == [ErrorCode.ILLEGAL_OPERATION] * 6 + [None, 0, FILES["small.txt"]]


def test_options_are_negotiated_and_bounded() -> None:
    async def negotiate() -> list[object]:
        async with _serving(Limits(max_blksize=1468)) as (port, _):
            sized = await probe(
                "127.0.0.1", port, "big.bin", options={"blksize": "1024", "tsize": "0"}
            )
            capped = await probe("127.0.0.1", port, "big.bin", options={"blksize": "65464"})
            ignored = await probe(
                "127.0.0.1", port, "small.txt", options={"blksize": "x", "y": "1"}
            )
        return [sized.oack, sized.content, sized.blocks, capped.oack, capped.content, ignored.oack]

    sized_oack, sized, blocks, capped_oack, capped, ignored_oack = asyncio.run(negotiate())
    assert sized_oack == {"blksize": "1024", "tsize": str(len(FILES["big.bin"]))}
    assert sized == capped == FILES["big.bin"]
    assert blocks == len(FILES["big.bin"]) // 1024 + 1
    assert capped_oack == {"blksize": "1468"}
    assert ignored_oack == {}


def test_lost_and_duplicate_acks() -> None:
    async def misbehave() -> tuple[Probed, Probed, Probed]:
        async with _serving(Limits(timeout=0.2)) as (port, _):
            lost = await probe("127.0.0.1", port, "big.bin", lose_ack_of=2)
            doubled = await probe("127.0.0.1", port, "big.bin", duplicate_acks=True)
            last_lost = await probe("127.0.0.1", port, "exact.txt", lose_ack_of=3)
        return lost, doubled, last_lost

    lost, doubled, last_lost = asyncio.run(misbehave())
    assert lost.resent_after_lost_ack
    assert lost.content == FILES["big.bin"]
    # Sorcerer's Apprentice: a duplicate ACK must not make the server send a block twice.
    assert doubled.data_packets == doubled.blocks == len(FILES["big.bin"]) // 512 + 1
    assert last_lost.resent_after_lost_ack
    assert last_lost.content == FILES["exact.txt"]


def test_a_silent_client_gets_retries_then_nothing() -> None:
    async def silent() -> tuple[list[bytes], list[Event], int]:
        events: list[Event] = []
        raw = _Raw()
        try:
            async with _serving(Limits(timeout=0.1, retries=2), events) as (port, server):
                await raw.send(packets.request(Opcode.RRQ, "big.bin", "octet"), port)
                received = []
                while (reply := await raw.receive(1.0)) is not None:
                    received.append(reply[0][:4])
                return received, events, len(server.transfers)
        finally:
            raw.close()

    received, events, open_transfers = asyncio.run(silent())
    assert received == [packets.data(1, b"")] * 3
    assert events[-1].kind == "failed"
    assert "no ACK of block 1 after 3 sends" in events[-1].detail
    assert open_transfers == 0


def test_other_transfer_ids_and_busy_servers() -> None:
    async def intrude() -> list[object]:
        first, second, intruder = _Raw(), _Raw(), _Raw()
        try:
            async with _serving(Limits(max_transfers=1, timeout=2)) as (port, _):
                await first.send(packets.request(Opcode.RRQ, "big.bin", "octet"), port)
                reply = await first.receive()
                assert reply is not None
                transfer_port = reply[1]
                await second.send(packets.request(Opcode.RRQ, "small.txt", "octet"), port)
                busy = await second.receive()
                await intruder.send(packets.ack(1), transfer_port)
                stranger = await intruder.receive()
                await first.send(packets.ack(1), transfer_port)
                following = await first.receive()
                assert busy is not None
                assert stranger is not None
                assert following is not None
                return [
                    transfer_port != port,
                    packets.parse_error(busy[0])[0],
                    packets.parse_error(stranger[0])[0],
                    following[0][:4],
                ]
        finally:
            for raw in (first, second, intruder):
                raw.close()

    assert asyncio.run(intrude()) == [
        True,
        ErrorCode.NOT_DEFINED,
        ErrorCode.UNKNOWN_TID,
        struct.pack("!HH", Opcode.DATA, 2),
    ]


def test_transfer_ports_come_from_the_range() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as free:
        free.bind(("127.0.0.1", 0))
        low = high = free.getsockname()[1]  # a range of one port, free right now

    async def get() -> int:
        raw = _Raw()
        try:
            async with _serving(Limits(port_range=(low, high))) as (port, _):
                await raw.send(packets.request(Opcode.RRQ, "small.txt", "octet"), port)
                reply = await raw.receive()
                assert reply is not None
                return reply[1]
        finally:
            raw.close()

    assert low <= asyncio.run(get()) <= high


def test_the_solver_serves_then_closes_everything(hackattic_context, udp_taken) -> None:
    """solve() serves; a transfer left half-done is cut when the run ends; nothing stays."""

    async def session() -> tuple[bytes, int, int]:
        raw = _Raw()
        try:
            async with hackattic_context(TrivialFilingChallenge) as context:
                files = {name: content.decode("latin-1") for name, content in FILES.items()}
                solution = await TrivialFilingChallenge().solve(
                    TrivialFilingProblem(files={"a.txt": "text é\n", **files}), context
                )
                host, port = solution.tftp_host, solution.tftp_port
                got = (await probe(host, port, "a.txt")).content
                await raw.send(packets.request(Opcode.RRQ, "big.bin", "octet"), port)
                reply = await raw.receive()
                assert reply is not None
                transfer_port = reply[1]
                assert udp_taken(transfer_port)
        finally:
            raw.close()
        return got, port, transfer_port

    got, port, transfer_port = asyncio.run(session())
    assert got == "text é\n".encode()  # UTF-8
    assert not udp_taken(port)
    assert not udp_taken(transfer_port)

"""The emulation's clients: tftp-hpa's ``tftp`` or tftpy to download, and a raw one for faults.

Downloads go through a well-known client, as hackattic's would: Debian's ``tftp``
(tftp-hpa) run as a subprocess when it is installed, else tftpy's client in a thread. The
probes that misbehave on purpose (a duplicated ACK, a lost ACK, a write request, a name
outside the files) need packets no well-known client sends, so :func:`probe` makes them
itself, with its own few lines of packet code (not the solver's).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import struct
import tempfile
from dataclasses import dataclass, field
from typing import cast

from hackattic_core import run_blocking

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6


class TftpFailure(Exception):
    """A download that did not give the file (an ERROR packet, a timeout, a bad packet)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


def tftp_hpa() -> str | None:
    """The path of tftp-hpa's client, if installed."""
    return shutil.which("tftp")


async def download_tftp_hpa(
    host: str, port: int, name: str, *, mode: str, seconds: float, max_bytes: int
) -> bytes:
    """``name`` fetched by ``tftp`` within ``seconds`` (it exits 0 even on errors: its
    output tells)."""
    binary = tftp_hpa()
    if binary is None:
        raise TftpFailure("tftp-hpa's tftp is not installed")
    with tempfile.TemporaryDirectory(prefix="hackattic-tftp-") as folder:
        target = os.path.join(folder, "download")
        process = await asyncio.create_subprocess_exec(
            binary, "-l", "-m", mode, host, str(port), "-c", "get", name, target,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            async with asyncio.timeout(seconds):
                output, _ = await process.communicate()
        except TimeoutError:
            process.kill()
            await process.wait()
            raise TftpFailure(f"tftp did not finish within {seconds:g} s") from None
        text = output.decode("utf-8", "replace").strip()
        if "Error code" in text or "timed out" in text:
            raise TftpFailure(f"tftp: {text[:200]}", _error_code(text))
        return await run_blocking(_read_bounded, target, max_bytes, "tftp")


def _read_bounded(path: str, max_bytes: int, client: str) -> bytes:
    if not os.path.exists(path):
        raise TftpFailure(f"{client} wrote no file")
    if os.path.getsize(path) > max_bytes:
        raise TftpFailure(f"{client} received more than {max_bytes} bytes")
    with open(path, "rb") as file:
        return file.read()


def _error_code(text: str) -> int | None:
    marker = "Error code "
    if marker not in text:
        return None
    digits = text.split(marker, 1)[1].split(":", 1)[0]
    return int(digits) if digits.isdigit() else None


def _tftpy_get(host: str, port: int, name: str, path: str, seconds: float) -> None:
    import tftpy  # type: ignore[import-untyped]

    # tftpy logs every packet at INFO; the sandbox's log wants none of it.
    logging.getLogger("tftpy").setLevel(logging.WARNING)
    try:
        tftpy.TftpClient(host, port).download(name, path, timeout=seconds, retries=3)
    except tftpy.TftpException as exc:
        raise TftpFailure(f"tftpy: {exc}") from None


async def download_tftpy(
    host: str, port: int, name: str, *, seconds: float, max_bytes: int
) -> bytes:
    """``name`` fetched (octet) by tftpy's client, in a thread (it blocks)."""
    with tempfile.TemporaryDirectory(prefix="hackattic-tftp-") as folder:
        target = os.path.join(folder, "download")
        await run_blocking(_tftpy_get, host, port, name, target, seconds)
        return await run_blocking(_read_bounded, target, max_bytes, "tftpy")


@dataclass
class Probed:
    """What a raw probe received."""

    content: bytes = b""
    oack: dict[str, str] = field(default_factory=dict)
    data_packets: int = 0
    blocks: int = 0
    resent_after_lost_ack: bool = False


class _Socket(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[bytes, tuple[object, ...]]] = asyncio.Queue(256)
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[object, ...]) -> None:
        if not self.queue.full():
            self.queue.put_nowait((data, addr))


def _request(opcode: int, name: str, mode: str, options: dict[str, str]) -> bytes:
    fields = [name, mode, *(item for pair in options.items() for item in pair)]
    return struct.pack("!H", opcode) + b"".join(f.encode("ascii") + b"\0" for f in fields)


async def probe(
    host: str,
    port: int,
    name: str,
    *,
    write: bool = False,
    options: dict[str, str] | None = None,
    duplicate_acks: bool = False,
    lose_ack_of: int | None = None,
    seconds: float = 8.0,
    max_bytes: int = 16 * 1024 * 1024,
) -> Probed:
    """A read (or with ``write`` a write request) made by hand, misbehaving as asked:
    every ACK sent twice, or the first ACK of block ``lose_ack_of`` never sent. Fails
    after ``seconds`` without a packet."""
    loop = asyncio.get_running_loop()
    transport, sock = await loop.create_datagram_endpoint(_Socket, family=socket.AF_INET)
    got = Probed()
    try:
        server = (host, port)
        transport.sendto(_request(WRQ if write else RRQ, name, "octet", options or {}), server)
        peer: tuple[object, ...] | None = None
        blksize, expected, lost_once, lost_final = 512, 1, False, False
        last_sent = b""
        while True:
            try:
                async with asyncio.timeout(seconds):
                    packet, addr = await sock.queue.get()
            except TimeoutError:
                raise TftpFailure(f"no packet within {seconds:g} s (block {expected})") from None
            if peer is None:
                peer = addr
            elif addr != peer:
                continue
            if len(packet) < 4:
                raise TftpFailure(f"a packet of {len(packet)} bytes")
            opcode, number = struct.unpack("!HH", packet[:4])
            if opcode == ERROR:
                message = packet[4:].split(b"\0", 1)[0].decode("ascii", "replace")
                raise TftpFailure(f"error {number}: {message[:100]}", number)
            if write:
                raise TftpFailure(f"the server answered a write request with opcode {opcode}")
            if opcode == OACK:
                items = packet[2:].split(b"\0")[:-1]
                got.oack = {
                    k.decode("ascii", "replace").lower(): v.decode("ascii", "replace")
                    for k, v in zip(items[::2], items[1::2], strict=False)
                }
                blksize = int(got.oack.get("blksize", "512"))
                last_sent = struct.pack("!HH", ACK, 0)
                transport.sendto(last_sent, peer)
                continue
            if opcode != DATA:
                raise TftpFailure(f"unexpected opcode {opcode}")
            got.data_packets += 1
            payload = packet[4:]
            if number == (expected - 1) & 0xFFFF:  # the previous block again: ACK it again
                transport.sendto(last_sent, peer)
                if lost_once and number == lose_ack_of:
                    got.resent_after_lost_ack = True
                    if lost_final:
                        return got
                continue
            if number != expected & 0xFFFF:
                continue
            got.content += payload
            got.blocks += 1
            if len(got.content) > max_bytes:
                raise TftpFailure(f"more than {max_bytes} bytes")
            final = len(payload) < blksize
            last_sent = struct.pack("!HH", ACK, number)
            expected += 1
            if lose_ack_of == number and not lost_once:
                lost_once, lost_final = True, final
                continue  # this ACK is "lost": the server must send the block again
            transport.sendto(last_sent, peer)
            if duplicate_acks:
                transport.sendto(last_sent, peer)
            if final:
                return got
    finally:
        transport.close()

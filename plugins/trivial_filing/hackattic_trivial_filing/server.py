"""A read-only TFTP server on asyncio: RFC 1350 with RFC 2347–2349 options.

Files come from a dict given at start (name → bytes) and nowhere else: a requested name
is looked up in that dict, never joined to a path, so no name (``../etc/passwd``,
``/etc/passwd``, ``C:\\boot.ini``) can reach the file system. Write requests get error 2,
unknown names error 1, other opcodes on the server's port error 4.

Each read is a transfer from a socket of its own (its transfer ID): a DATA block waits for
its ACK and is sent again after ``timeout`` seconds, at most ``retries`` times, then the
transfer is given up. A duplicate ACK of an earlier block is ignored (resending on it
would double every packet: the "Sorcerer's Apprentice" bug of RFC 1350). A file whose
length is a multiple of the block size ends with an empty block. Packets from another
address get error 5 and do not disturb the transfer. Options: ``blksize`` (8 to
``max_blksize``), ``timeout`` (1 to ``MAX_CLIENT_TIMEOUT`` s) and ``tsize`` (the size, for
a read); others are ignored, as RFC 2347 says.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import cast

from . import packets
from .packets import ErrorCode, Malformed, Opcode, Request

DEFAULT_BLKSIZE = 512
MAX_CLIENT_TIMEOUT = 10
"""A ``timeout`` option above this is ignored (RFC 2349 allows 255 s: a silent client
would hold a transfer for 255 s × the retries)."""


@dataclass(frozen=True)
class Limits:
    timeout: float = 1.0
    """Seconds before a DATA block is sent again (a client's ``timeout`` option wins)."""
    retries: int = 5
    max_transfers: int = 32
    """Transfers at once; a request beyond them gets error 0 ("busy")."""
    max_blksize: int = 1468
    """Largest block offered: 1468 keeps a DATA packet inside a 1500-byte Ethernet frame."""
    port_range: tuple[int, int] | None = None
    """Ports for transfers (to open in a firewall); None: any free port."""


@dataclass(frozen=True)
class Event:
    """What happened, for progress: ``kind`` is request, done, failed or refused."""

    kind: str
    client: str
    filename: str
    detail: str


Listener = Callable[[Event], None]


def _client(addr: tuple[object, ...]) -> str:
    return f"{addr[0]}:{addr[1]}"


class _Endpoint(asyncio.DatagramProtocol):
    """A UDP socket whose datagrams go to a bounded queue."""

    def __init__(self, capacity: int = 64) -> None:
        self.queue: asyncio.Queue[tuple[bytes, tuple[object, ...]]] = asyncio.Queue(capacity)
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[object, ...]) -> None:
        if not self.queue.full():  # a flood is dropped, not queued without bound
            self.queue.put_nowait((data, addr))

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP unreachable from a client that left: its transfer times out


class TftpServer:
    """Serves ``files`` read-only; see the module's docstring."""

    def __init__(
        self,
        files: Mapping[str, bytes],
        host: str,
        limits: Limits | None = None,
        listener: Listener | None = None,
    ) -> None:
        self.files = dict(files)
        self.host = host
        self.limits = limits or Limits()
        self.listener = listener
        self.transfers: set[asyncio.Task[None]] = set()
        self.completed = 0

    def _emit(self, kind: str, addr: tuple[object, ...], filename: str, detail: str) -> None:
        if self.listener is not None:
            self.listener(Event(kind, _client(addr), filename, detail))

    async def serve(self, endpoint: _Endpoint) -> None:
        """Answer requests arriving on the server's port until cancelled."""
        assert endpoint.transport is not None
        transport = endpoint.transport
        while True:
            packet, addr = await endpoint.queue.get()
            answer = self._dispatch(packet, addr)
            if answer is not None:
                transport.sendto(answer, addr)

    def _dispatch(self, packet: bytes, addr: tuple[object, ...]) -> bytes | None:
        try:
            opcode = packets.opcode_of(packet)
        except Malformed:
            return None
        if opcode == Opcode.WRQ:
            self._emit("refused", addr, "", "write request")
            return packets.error(ErrorCode.ACCESS_VIOLATION, "this server is read-only")
        if opcode != Opcode.RRQ:
            # Stray DATA/ACK/ERROR on the request port; never answer an ERROR (no loops).
            if opcode == Opcode.ERROR:
                return None
            return packets.error(ErrorCode.ILLEGAL_OPERATION, "expected a read request")
        try:
            request = packets.parse_request(packet)
        except Malformed as exc:
            self._emit("refused", addr, "", str(exc))
            return packets.error(ErrorCode.ILLEGAL_OPERATION, str(exc))
        return self._start(request, addr)

    def _lookup(self, name: str) -> bytes | None:
        # A lookup in the dict, never a path: "../x" is simply a name that is not there.
        if name in self.files:
            return self.files[name]
        if name.startswith("/") and name[1:] in self.files:
            return self.files[name[1:]]  # some clients send an absolute-looking name
        return None

    def _start(self, request: Request, addr: tuple[object, ...]) -> bytes | None:
        name = request.filename
        if request.mode not in ("octet", "netascii"):
            self._emit("refused", addr, name, f"mode {request.mode!r}")
            return packets.error(ErrorCode.ILLEGAL_OPERATION, f"mode {request.mode} unsupported")
        content = self._lookup(name)
        if content is None:
            self._emit("refused", addr, name, "no such file")
            return packets.error(ErrorCode.FILE_NOT_FOUND, "file not found")
        if len(self.transfers) >= self.limits.max_transfers:
            self._emit("refused", addr, name, "too many transfers at once")
            return packets.error(ErrorCode.NOT_DEFINED, "server busy, try again")
        if request.mode == "netascii":
            content = packets.to_netascii(content)
        self._emit("request", addr, name, f"{request.mode}, {len(content)} bytes")
        task = asyncio.create_task(self._transfer(request, content, addr))
        self.transfers.add(task)
        task.add_done_callback(self.transfers.discard)
        return None

    def _negotiate(self, request: Request, size: int) -> tuple[dict[str, str], int, float]:
        """The options accepted (for the OACK), the block size and the timeout."""
        accepted: dict[str, str] = {}
        blksize, timeout = DEFAULT_BLKSIZE, self.limits.timeout
        for name, value in request.options.items():
            if not value.isdigit() or len(value) > 10:
                continue  # a malformed option is ignored, as an unknown one is
            number = int(value)
            if name == "blksize" and number >= 8:
                blksize = min(number, self.limits.max_blksize)
                accepted[name] = str(blksize)
            elif name == "timeout" and 1 <= number <= MAX_CLIENT_TIMEOUT:
                timeout = float(number)
                accepted[name] = value
            elif name == "tsize":
                accepted[name] = str(size)
        return accepted, blksize, timeout

    async def _transfer(self, request: Request, content: bytes, peer: tuple[object, ...]) -> None:
        name = request.filename
        accepted, blksize, wait = self._negotiate(request, len(content))
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[tuple[str, str]] = loop.create_future()

        def protocol() -> _Transfer:
            return _Transfer(content, peer, blksize, wait, self.limits.retries, accepted, finished)

        try:
            transport = await self._open_transfer_socket(protocol)
        except OSError as exc:
            self._emit("failed", peer, name, f"no transfer port: {exc}")
            return
        try:
            kind, detail = await finished
        finally:
            transport.close()
        if kind == "done":
            self.completed += 1
        self._emit(kind, peer, name, detail)

    async def _open_transfer_socket(
        self, protocol: Callable[[], _Transfer]
    ) -> asyncio.DatagramTransport:
        """A socket of the transfer's own (its transfer ID), from ``port_range`` if set."""
        loop = asyncio.get_running_loop()
        ports = [0]
        if self.limits.port_range is not None:
            low, high = self.limits.port_range
            ports = random.sample(range(low, high + 1), min(high - low + 1, 64))
        last: OSError | None = None
        for port in ports:
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    protocol, local_addr=(self.host, port)
                )
            except OSError as exc:
                last = exc
                continue
            return transport
        assert last is not None
        raise last


class _Transfer(asyncio.DatagramProtocol):
    """One read, driven by its packets: each ACK sends the next block from the callback
    itself (no task switch per block), a timer resends the last one.

    ``finished`` gets ``("done" | "failed", detail)``.
    """

    def __init__(
        self,
        content: bytes,
        peer: tuple[object, ...],
        blksize: int,
        wait: float,
        retries: int,
        accepted: dict[str, str],
        finished: asyncio.Future[tuple[str, str]],
    ) -> None:
        self.content = content
        self.peer = peer
        self.blksize = blksize
        self.wait = wait
        self.retries = retries
        self.accepted = accepted
        self.finished = finished
        self.transport: asyncio.DatagramTransport | None = None
        self.block = 0
        """The block sent and not yet acknowledged (0: the OACK)."""
        self.packet = b""
        self.sends = 0
        self.last = False
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)
        if self.accepted:
            # RFC 2347: the OACK is acknowledged with ACK 0 before DATA 1 is sent.
            self._send(0, packets.oack(self.accepted))
        else:
            self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self._finish("failed", "the server stopped")

    def _next(self) -> None:
        block = self.block + 1
        start = (block - 1) * self.blksize
        chunk = self.content[start : start + self.blksize]
        # A short (possibly empty) block ends the file.
        self.last = len(chunk) < self.blksize
        self._send(block, packets.data(block, chunk))

    def _send(self, block: int, packet: bytes) -> None:
        self.block, self.packet, self.sends = block, packet, 0
        self._resend()

    def _resend(self) -> None:
        if self.sends > self.retries:
            self._finish("failed", f"no ACK of block {self.block} after {self.sends} sends")
            return
        assert self.transport is not None
        self.sends += 1
        self.transport.sendto(self.packet, self.peer)
        loop = asyncio.get_running_loop()
        if self.timer is not None:
            self.timer.cancel()
        self.timer = loop.call_later(self.wait, self._resend)

    def datagram_received(self, data: bytes, addr: tuple[object, ...]) -> None:
        if self.finished.done() or self.transport is None:
            return
        if addr != self.peer:
            error = packets.error(ErrorCode.UNKNOWN_TID, "unknown transfer ID")
            self.transport.sendto(error, addr)
            return
        try:
            opcode = packets.opcode_of(data)
            if opcode == Opcode.ERROR:
                code, message = packets.parse_error(data)
                self._finish("failed", f"the client sent error {code}: {message[:80]}")
                return
            acked = packets.parse_ack(data)
        except Malformed:
            return  # not an ACK: ignored, the timer resends if need be
        if acked != self.block & 0xFFFF:
            return  # an older block's ACK (a duplicate): ignored, never resent on
        if self.block > 0 and self.last:
            blocks = self.block
            self._finish("done", f"{len(self.content)} bytes in {blocks} blocks of {self.blksize}")
            return
        self._next()

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP unreachable: the client left; the timer gives up in time

    def _finish(self, kind: str, detail: str) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if not self.finished.done():
            self.finished.set_result((kind, detail))


@dataclass(frozen=True)
class Bound:
    host: str
    port: int


@contextlib.asynccontextmanager
async def serve_tftp(server: TftpServer, port: int) -> AsyncIterator[Bound]:
    """Serve on ``server.host``:``port`` (0: a free one) while the block runs; every
    transfer is cancelled and every socket closed when it ends."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in server.host else socket.AF_INET
    transport, endpoint = await loop.create_datagram_endpoint(
        lambda: _Endpoint(256), local_addr=(server.host, port), family=family
    )
    task = asyncio.create_task(server.serve(endpoint), name="hackattic-tftp")
    try:
        host, bound_port = transport.get_extra_info("sockname")[:2]
        yield Bound(host, bound_port)
    finally:
        task.cancel()
        for transfer in list(server.transfers):
            transfer.cancel()
        await asyncio.gather(task, *server.transfers, return_exceptions=True)
        transport.close()

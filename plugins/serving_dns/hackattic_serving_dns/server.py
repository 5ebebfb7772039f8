"""The DNS server: UDP and TCP on one port, as tasks of the running event loop.

UDP answers each datagram at once (no state per client). TCP (RFC 7766) reads
length-prefixed queries, each at most ``MAX_QUERY_BYTES``, at most ``MAX_TCP_QUERIES`` per
connection, ``MAX_TCP_CONNECTIONS`` at once, and closes a connection idle for
``TCP_IDLE_SECONDS``. Everything stops, and both sockets close, when the block ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import cast

from .resolver import MAX_QUERY_BYTES, Resolver

MAX_TCP_CONNECTIONS = 64
MAX_TCP_QUERIES = 100
TCP_IDLE_SECONDS = 10.0
BIND_ATTEMPTS = 20
"""With port 0, how many free UDP ports to try until TCP is free on the same one."""


@dataclass(frozen=True)
class Bound:
    host: str
    port: int


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # asyncio's own datagram transport does not subclass DatagramTransport.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        answer = self.resolver.answer(data, udp=True)
        if answer is not None and self.transport is not None:
            self.transport.sendto(answer, addr)

    def error_received(self, exc: Exception) -> None:
        pass  # an ICMP "port unreachable" from a client that left: nothing to do


def _bind_pair(host: str, port: int) -> tuple[socket.socket, socket.socket]:
    """A UDP and a listening TCP socket on the same ``host``:``port``."""
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_DGRAM, flags=socket.AI_PASSIVE
    )[0]
    last_error: OSError | None = None
    for _ in range(BIND_ATTEMPTS if port == 0 else 1):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        tcp = socket.socket(family, socket.SOCK_STREAM)
        try:
            udp.bind(address)
            chosen = udp.getsockname()
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind(chosen)
            tcp.listen(MAX_TCP_CONNECTIONS)
        except OSError as exc:
            udp.close()
            tcp.close()
            last_error = exc
            continue
        return udp, tcp
    assert last_error is not None
    raise last_error


class _TcpConnections:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.open: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        try:
            if len(self.open) >= MAX_TCP_CONNECTIONS:
                return
            if task is not None:
                self.open.add(task)
            for _ in range(MAX_TCP_QUERIES):
                async with asyncio.timeout(TCP_IDLE_SECONDS):
                    (length,) = struct.unpack("!H", await reader.readexactly(2))
                    if length > MAX_QUERY_BYTES:
                        return
                    query = await reader.readexactly(length)
                answer = self.resolver.answer(query, udp=False)
                if answer is None:
                    return
                writer.write(struct.pack("!H", len(answer)) + answer)
                async with asyncio.timeout(TCP_IDLE_SECONDS):
                    await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if task is not None:
                self.open.discard(task)
            writer.close()

    async def close(self) -> None:
        for task in list(self.open):
            task.cancel()
        await asyncio.gather(*self.open, return_exceptions=True)


@contextlib.asynccontextmanager
async def serve_dns(resolver: Resolver, host: str, port: int) -> AsyncIterator[Bound]:
    """Answer DNS over UDP and TCP on ``host``:``port`` (0: a free port) while the block
    runs; yields the address bound."""
    udp_sock, tcp_sock = _bind_pair(host, port)
    loop = asyncio.get_running_loop()
    transport: asyncio.DatagramTransport | None = None
    tcp_server: asyncio.Server | None = None
    connections = _TcpConnections(resolver)
    try:
        transport, _ = await loop.create_datagram_endpoint(lambda: _Udp(resolver), sock=udp_sock)
        tcp_server = await asyncio.start_server(connections.handle, sock=tcp_sock)
        bound_host, bound_port = udp_sock.getsockname()[:2]
        yield Bound(bound_host, bound_port)
    finally:
        if transport is not None:
            transport.close()
        udp_sock.close()
        if tcp_server is not None:
            tcp_server.close()
        await connections.close()
        tcp_sock.close()

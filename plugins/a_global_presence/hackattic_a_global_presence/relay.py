"""The sandbox's proxies: small HTTP (CONNECT and absolute-form) and SOCKS5 proxies.

Each proxy listens on a loopback port of its own and opens its outbound connections from
its own source address (``local_addr``), so that the sandbox sees each one as a different
country. They relay only to the sandbox itself (one host and port): never an open relay.
Each connection is bounded in header size, bytes relayed and time. A proxy's *behaviour*
makes the faults: ``slow`` waits before relaying, ``error`` answers every request with
502 Bad Gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import struct
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

MAX_HEAD_BYTES = 16 * 1024
MAX_RELAY_BYTES = 1024 * 1024
HEAD_TIMEOUT = 10.0

Kind = Literal["http", "socks5"]
Behaviour = Literal["ok", "slow", "error"]


@dataclass(frozen=True)
class Target:
    """Where the proxies may connect: the sandbox's own address."""

    host: str
    port: int

    def allows(self, host: str, port: int) -> bool:
        if port != self.port:
            return False
        if host == self.host or host == "localhost":
            return True
        with contextlib.suppress(ValueError):
            return ipaddress.ip_address(host).is_loopback
        return False


@dataclass
class Proxy:
    """One running proxy: its URL, source address and behaviour."""

    kind: Kind
    source: str
    behaviour: Behaviour
    delay: float
    target: Target
    server: asyncio.Server | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    relayed: int = 0

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"{self.kind}://127.0.0.1:{port}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.server is not None:
            await self.server.wait_closed()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(self._serve(reader, writer))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            serve = self._http if self.kind == "http" else self._socks
            await asyncio.wait_for(serve(reader, writer), HEAD_TIMEOUT + self.delay + 60)
        except (
            OSError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            TimeoutError,
            ValueError,
        ):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _outbound(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.delay:
            await asyncio.sleep(self.delay)
        return await asyncio.open_connection(host, port, local_addr=(self.source, 0))

    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
        if len(head) > MAX_HEAD_BYTES:
            raise ValueError("head too large")
        lines = head.decode("latin-1").split("\r\n")
        method, uri, version = lines[0].split(" ", 2)
        if self.behaviour == "error":
            writer.write(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            return
        if method == "CONNECT":
            host, _, port_text = uri.rpartition(":")
            host, port = host.strip("[]"), int(port_text)
            if not self.target.allows(host, port):
                writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            up_reader, up_writer = await self._outbound(host, port)
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await self._relay(reader, writer, up_reader, up_writer)
            return
        parts = urlsplit(uri)
        if parts.scheme != "http" or not parts.hostname:
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        port = parts.port or 80
        if not self.target.allows(parts.hostname, port):
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        kept = [
            line
            for line in lines[1:]
            if line
            and line.split(":", 1)[0].strip().lower()
            not in ("proxy-authorization", "proxy-connection", "connection", "keep-alive")
        ]
        request = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""])
        up_reader, up_writer = await self._outbound(parts.hostname, port)
        up_writer.write(request.encode("latin-1"))
        await self._relay(reader, writer, up_reader, up_writer)

    async def _socks(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != 5:
            return
        if 0 in methods:
            writer.write(b"\x05\x00")
        elif 2 in methods:  # user name and password: any are accepted
            writer.write(b"\x05\x02")
            await reader.readexactly(1)
            await reader.readexactly((await reader.readexactly(1))[0])
            await reader.readexactly((await reader.readexactly(1))[0])
            writer.write(b"\x01\x00")
        else:
            writer.write(b"\x05\xff")
            return
        _, command, _, address_type = await reader.readexactly(4)
        if address_type == 1:
            host = socket.inet_ntop(socket.AF_INET, await reader.readexactly(4))
        elif address_type == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        elif address_type == 4:
            host = socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16))
        else:
            return
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if command != 1 or not self.target.allows(host, port):
            writer.write(b"\x05\x02\x00\x01" + bytes(6))  # not allowed by the ruleset
            return
        up_reader, up_writer = await self._outbound(host, port)
        writer.write(b"\x05\x00\x00\x01" + socket.inet_aton(self.source) + struct.pack("!H", 0))
        await self._relay(reader, writer, up_reader, up_writer)

    async def _relay(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            sent = 0
            while chunk := await source.read(65536):
                sent += len(chunk)
                if sent > MAX_RELAY_BYTES:
                    return
                sink.write(chunk)
                await sink.drain()
            with contextlib.suppress(OSError):
                sink.write_eof()

        self.relayed += 1
        # The answer decides: once the sandbox has answered and closed, the relay ends
        # (whatever the client still holds open).
        to_upstream = asyncio.create_task(pipe(reader, up_writer))
        try:
            await pipe(up_reader, writer)
        finally:
            to_upstream.cancel()
            up_writer.close()


def closed_port_url() -> str:
    """The URL of a proxy that is not there: a loopback port bound a moment ago and closed
    (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"

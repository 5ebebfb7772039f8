"""A hostile stand-in for hackattic.com on loopback: it answers with whatever bytes a test
scripts, headers included, and speaks just enough WebSocket to flood a client.

Raw sockets (asyncio streams) in a thread of its own, so that nothing between the test and
the client normalises what is sent: a reason phrase, a ``Content-Encoding`` or a body is
written exactly as given. Every request is recorded (``requests``), CONNECT included, so
the same server also plays a proxy that must never be used in cleartext.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
STOP_TIMEOUT = 5.0
MAX_REQUEST_BODY = 1 << 20


@dataclass(frozen=True)
class Request:
    """One request as the server read it."""

    method: str
    target: str
    """The request target as sent: a path with its query, or ``host:port`` for CONNECT."""
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes
    raw: bytes
    """The request head and body, byte for byte (to look for a leaked token)."""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass
class Reply:
    """An HTTP answer, written byte for byte (Content-Length added unless given)."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    reason: bytes = b"OK"

    @classmethod
    def json(cls, value: Any, status: int = 200, **kwargs: Any) -> Reply:
        headers = [("Content-Type", "application/json"), *kwargs.pop("headers", [])]
        return cls(status, json.dumps(value).encode(), headers, **kwargs)

    @classmethod
    def raw_json(cls, text: str | bytes, status: int = 200) -> Reply:
        body = text.encode() if isinstance(text, str) else text
        return cls(status, body, [("Content-Type", "application/json")])

    def encode(self) -> bytes:
        names = {name.lower() for name, _ in self.headers}
        headers = list(self.headers)
        if "content-length" not in names and "transfer-encoding" not in names:
            headers.append(("Content-Length", str(len(self.body))))
        if "connection" not in names:
            headers.append(("Connection", "close"))
        head = b"HTTP/1.1 %d %s\r\n" % (self.status, self.reason)
        head += b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in headers)
        return head + b"\r\n" + self.body


Handler = Reply | Callable[[Request], Awaitable[Reply]]


class WebSocket:
    """The server's side of a WebSocket after the handshake: unmasked frames out, every
    frame from the client read and kept (texts) in the background."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.received: list[str] = []
        self.closed = asyncio.Event()

    async def send_text(self, text: str) -> bool:
        """Send one text frame; False once the client has gone."""
        if self.closed.is_set() or self.writer.is_closing():
            return False
        payload = text.encode()
        if len(payload) < 126:
            head = bytes([0x81, len(payload)])
        elif len(payload) < 1 << 16:
            head = bytes([0x81, 126]) + len(payload).to_bytes(2, "big")
        else:
            head = bytes([0x81, 127]) + len(payload).to_bytes(8, "big")
        try:
            self.writer.write(head + payload)
            await self.writer.drain()
        except (ConnectionError, RuntimeError):
            self.closed.set()
            return False
        return True

    async def read_frames(self) -> None:
        """Read the client's frames until it closes (its answers are kept as texts)."""
        try:
            while True:
                first, second = await self.reader.readexactly(2)
                length = second & 0x7F
                if length == 126:
                    length = int.from_bytes(await self.reader.readexactly(2), "big")
                elif length == 127:
                    length = int.from_bytes(await self.reader.readexactly(8), "big")
                mask = await self.reader.readexactly(4) if second & 0x80 else b"\0\0\0\0"
                data = await self.reader.readexactly(length)
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
                opcode = first & 0x0F
                if opcode == 0x8:
                    break
                if opcode == 0x1:
                    self.received.append(payload.decode(errors="replace"))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.closed.set()


WebSocketHandler = Callable[[WebSocket, Request], Awaitable[None]]


class HostileServer:
    """An HTTP/1.1 (and minimal WebSocket) server on ``127.0.0.1:<free port>``."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.websockets: dict[str, WebSocketHandler | Reply] = {}
        """Path prefix → what a WebSocket handshake there gets."""
        self.requests: list[Request] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- scripting ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method, path)] = handler

    def websocket(self, prefix: str, handler: WebSocketHandler | Reply) -> None:
        self.websockets[prefix] = handler

    def seen(self, method: str | None = None, path: str | None = None) -> list[Request]:
        return [
            r
            for r in list(self.requests)
            if (method is None or r.method == method) and (path is None or r.path == path)
        ]

    def wait_for(self, method: str, path: str, timeout: float = 20.0) -> Request:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.seen(method, path)
            if found:
                return found[0]
            time.sleep(0.02)
        raise AssertionError(f"no {method} {path} within {timeout} s: {self.requests}")

    # -- life -----------------------------------------------------------------------------

    def start(self) -> HostileServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = future.result(timeout=STOP_TIMEOUT)
        return self

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(STOP_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(STOP_TIMEOUT)
        if not self._thread.is_alive():
            self._loop.close()

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- serving --------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            request = await self._read_request(reader)
            if request is None:
                return
            self.requests.append(request)
            if request.headers.get("upgrade", "").lower() == "websocket":
                await self._websocket(request, reader, writer)
                return
            handler = self.routes.get((request.method, request.path))
            if handler is None:
                reply = Reply(404, b"not here", reason=b"Not Found")
            elif isinstance(handler, Reply):
                reply = handler
            else:
                reply = await handler(request)
            writer.write(reply.encode())
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            writer.close()

    async def _read_request(self, reader: asyncio.StreamReader) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = [*lines[0].split(" ", 2), "", ""][:3]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = min(int(headers.get("content-length", "0") or 0), MAX_REQUEST_BODY)
        body = await reader.readexactly(length) if length else b""
        return Request(method, target, headers, body, head + body)

    async def _websocket(
        self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        handler = next(
            (h for prefix, h in self.websockets.items() if request.path.startswith(prefix)), None
        )
        if handler is None:
            writer.write(Reply(404, b"no websocket here", reason=b"Not Found").encode())
            await writer.drain()
            return
        if isinstance(handler, Reply):
            writer.write(handler.encode())
            await writer.drain()
            return
        key = request.headers.get("sec-websocket-key", "")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()  # noqa: S324 - the protocol's
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        await writer.drain()
        socket = WebSocket(reader, writer)
        reading = asyncio.create_task(socket.read_frames())
        try:
            await handler(socket, request)
        finally:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading

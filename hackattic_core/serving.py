"""Serving an ASGI app for a run's length: the sandbox's HTTP side, and the apps of the
challenges where hackattic calls the solver (an HTTP app, a registry).

uvicorn runs as a task of the running event loop: no thread, no signal handlers of its own
(Ctrl-C and SIGTERM stay with the runner), on a socket bound first, so that a busy port
fails at once and port 0 takes a free one. A server that faces the internet is bounded:
few connections at once, a short keep-alive, small headers, a short shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass
from typing import Any

__all__ = ["ServedAddress", "bind_tcp", "serve_asgi"]


@dataclass(frozen=True)
class ServedAddress:
    """Where an app is served: the bound host and port."""

    host: str
    port: int


def bind_tcp(host: str, port: int, *, backlog: int = 128) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (OSError if that fails).

    Made with the protocol ``getaddrinfo`` names (``IPPROTO_TCP``, not 0): asyncio turns
    Nagle's algorithm off (``TCP_NODELAY``) only on such sockets, and with Nagle on every
    small answer waits ~40 ms for the client's delayed ACK.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        if os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def _server_class() -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server without signal handlers, stopping as soon as asked (not at its
        next 0.1-second tick)."""

        def __init__(self, config: uvicorn.Config) -> None:
            super().__init__(config)
            self._exit_requested = asyncio.Event()

        def request_exit(self) -> None:
            self.should_exit = True
            self._exit_requested.set()

        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            yield

        async def main_loop(self) -> None:
            counter = 0
            while not await self.on_tick(counter):
                counter = (counter + 1) % 864_000
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.1):
                        await self._exit_requested.wait()

    return Server


def quiet_server(config: Any) -> Any:
    """A uvicorn server for ``config`` that leaves signals to the caller (see above)."""
    return _server_class()(config)


async def wait_started(server: Any, task: asyncio.Task[None]) -> None:
    """Until ``server`` accepts connections; its error if it failed to start."""
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped while starting")
        await asyncio.sleep(0.005)


@contextlib.asynccontextmanager
async def serve_asgi(
    app: Any,
    host: str,
    port: int,
    *,
    max_connections: int = 32,
    keep_alive_seconds: int = 5,
    max_header_bytes: int = 16 * 1024,
    shutdown_seconds: int = 1,
    name: str = "hackattic-app",
) -> AsyncIterator[ServedAddress]:
    """Serve ``app`` on ``host``:``port`` while the block runs; yields the bound address.

    Past ``max_connections`` at once, clients get 503. On exit, open connections get
    ``shutdown_seconds`` to finish; a second cancellation stops it at once.
    """
    import uvicorn

    sock = bind_tcp(host, port)
    config = uvicorn.Config(
        app,
        http="h11",
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        server_header=False,
        date_header=False,
        limit_concurrency=max_connections,
        timeout_keep_alive=keep_alive_seconds,
        h11_max_incomplete_event_size=max_header_bytes,
        timeout_graceful_shutdown=shutdown_seconds,
    )
    server = quiet_server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=name)
    try:
        await wait_started(server, task)
        bound_host, bound_port = sock.getsockname()[:2]
        yield ServedAddress(bound_host, bound_port)
    finally:
        server.request_exit()
        try:
            await asyncio.wait({task})  # its connections drain (shutdown_seconds at most)
        finally:
            if not task.done():  # cancelled again meanwhile: stop at once
                task.cancel()
            sock.close()

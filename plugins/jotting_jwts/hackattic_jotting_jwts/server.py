"""The app served for a run's length: the core's bounded uvicorn (``serve_asgi``), with the
limits a server facing the internet needs for this challenge."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from hackattic_core import ServedAddress, serve_asgi

MAX_CONNECTIONS = 32
"""hackattic posts one token at a time; more connections than this get 503."""
KEEP_ALIVE_SECONDS = 5
MAX_HEADER_BYTES = 16 * 1024
SHUTDOWN_SECONDS = 1


@contextlib.asynccontextmanager
async def serve_app(app: Any, host: str, port: int) -> AsyncIterator[ServedAddress]:
    """Serve ``app`` on ``host``:``port`` while the block runs; yields the bound address."""
    async with serve_asgi(
        app,
        host,
        port,
        max_connections=MAX_CONNECTIONS,
        keep_alive_seconds=KEEP_ALIVE_SECONDS,
        max_header_bytes=MAX_HEADER_BYTES,
        shutdown_seconds=SHUTDOWN_SECONDS,
        name="hackattic-jwt-app",
    ) as address:
        yield address

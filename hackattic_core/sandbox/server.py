"""Running the sandbox under uvicorn: embedded in a run, or standalone until interrupted.

:func:`serve_sandbox` runs uvicorn as a task of the current event loop (no thread, no
signal handlers of its own: Ctrl-C and SIGTERM stay with the caller) on a socket it binds
itself, so a busy port raises :class:`OSError` at once and ``port=0`` takes a free one.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import secrets
import socket
import struct
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.applications import Starlette
from starlette.types import Scope

from hackattic_core.errors import ConfigError, describe_exception, guard_plugin
from hackattic_core.sandbox.app import build_app, sandbox_state
from hackattic_core.sandbox.build import Emulations, build_emulations
from hackattic_core.sandbox.conditions import SandboxConditions
from hackattic_core.sandbox.emulation import AnyEmulation
from hackattic_core.sandbox.faults import ConnectionAborter
from hackattic_core.serving import bind_tcp, quiet_server, wait_started
from hackattic_core.settings import is_loopback_host

if TYPE_CHECKING:
    from hackattic_core.challenge import AnyChallenge

logger = logging.getLogger("hackattic.sandbox")

WS_MAX_SIZE = 64 * 1024
"""Largest WebSocket message accepted from a client (the protocol needs a few bytes)."""
GRACEFUL_SHUTDOWN_SECONDS = 3
"""How long open connections may take to finish when the sandbox stops."""


@dataclass(frozen=True)
class SandboxHandle:
    """A running sandbox: where it is and the access token it accepts."""

    base_url: str
    """``http://127.0.0.1:PORT``"""
    ws_base_url: str
    """``ws://127.0.0.1:PORT``"""
    access_token: str = field(repr=False)
    app: Starlette = field(repr=False)
    port: int
    time_scale: float
    """The sandbox's time scale (solvers get it with each problem, too)."""
    emulations: Mapping[str, AnyEmulation] = field(repr=False)
    """The emulations served, by slug (their ``stats()``, their own servers' addresses)."""
    failed: Mapping[str, str]
    """The challenges left out, with the reason (``hackattic sandbox`` only)."""
    _task: asyncio.Task[None] = field(repr=False, compare=False)

    def fetch_problem(self, slug: str) -> dict[str, Any]:
        """A fresh problem, fetched as a solver fetches it (from a thread other than the
        sandbox's event loop: a test's, say)."""
        import httpx

        answer = httpx.get(
            f"{self.base_url}/challenges/{slug}/problem",
            params={"access_token": self.access_token},
            timeout=30,
        )
        answer.raise_for_status()
        problem: dict[str, Any] = answer.json()
        return problem

    async def wait_closed(self) -> None:
        """Wait until the server stops (without stopping it when cancelled)."""
        await asyncio.wait({self._task})


class _DropShutdownCancellations(logging.Filter):
    """uvicorn logs "Exception in ASGI application" with a traceback when its graceful
    shutdown cancels a request still in progress (a ``slow`` fault's sleep, say): that is
    the shutdown working, not an error of the app."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, asyncio.CancelledError):
            return False
        if record.getMessage().startswith("Cancel ") and record.levelno > logging.WARNING:
            # "Cancel N running task(s), timeout graceful shutdown exceeded": expected.
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


logging.getLogger("uvicorn.error").addFilter(_DropShutdownCancellations())


def _config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http="h11",
        ws="websockets-sansio",
        ws_max_size=WS_MAX_SIZE,
        ws_ping_interval=None,
        ws_ping_timeout=None,
        ws_per_message_deflate=False,
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def _url_host(address: str) -> str:
    """How URLs name the bound address (loopback for a wildcard bind)."""
    ip = ipaddress.ip_address(address)
    if ip.is_unspecified:
        ip = ipaddress.ip_address("::1" if ip.version == 6 else "127.0.0.1")
    return f"[{ip}]" if ip.version == 6 else str(ip)


def _connection_aborter(server: uvicorn.Server) -> ConnectionAborter:
    """Resets the connection of a request by finding it among the server's connections."""
    linger = struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)

    def abort(scope: Scope) -> bool:
        client = scope.get("client")
        if client is None:
            return False
        for connection in list(server.server_state.connections):
            transport = getattr(connection, "transport", None)
            if getattr(connection, "client", None) != client or transport is None:
                continue
            sock = transport.get_extra_info("socket")
            if sock is not None:
                # Linger 0: closing sends RST instead of FIN.
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            transport.abort()
            return True
        return False

    return abort


async def _start_emulations(emulations: Emulations, *, strict: bool) -> list[AnyEmulation]:
    """Start each emulation; one that fails is an error (``strict``) or is left out."""
    started: list[AnyEmulation] = []
    for slug, emulation in list(emulations.built.items()):
        try:
            await guard_plugin(emulation.start(), f"{slug}'s emulation")
        except Exception as exc:
            message = f"{slug}: its emulation failed to start: {describe_exception(exc)}"
            if strict:
                await _stop_emulations(started)
                raise ConfigError(message) from None
            del emulations.built[slug]
            emulations.failed[slug] = message
            continue
        started.append(emulation)
    return started


async def _stop_emulations(emulations: list[AnyEmulation]) -> None:
    results = await asyncio.gather(
        *(guard_plugin(em.stop(), f"{em.env.slug}'s emulation") for em in emulations),
        return_exceptions=True,
    )
    for emulation, result in zip(emulations, results, strict=True):
        if isinstance(result, Exception):
            logger.warning("stopping %s: %s: %s", emulation.env.slug, type(result).__name__, result)


@asynccontextmanager
async def serve_sandbox(
    emulations: Emulations | Mapping[str, AnyEmulation],
    conditions: SandboxConditions,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    access_token: str | None = None,
    strict: bool = True,
) -> AsyncIterator[SandboxHandle]:
    """Serve ``emulations`` (see :func:`~hackattic_core.sandbox.build.build_emulations`) in
    this event loop while the block runs.

    Each emulation's ``start()`` is awaited first: one that fails is a :class:`ConfigError`
    (``strict``) or is left out and named in ``handle.failed``. ``port=0`` takes a free
    port; the access token defaults to a fresh random one. On exit the server stops (open
    connections get ``GRACEFUL_SHUTDOWN_SECONDS``) and every emulation's ``stop()`` is
    awaited. Raises :class:`OSError` if it cannot bind.
    """
    if not isinstance(emulations, Emulations):
        emulations = Emulations(built=dict(emulations))
    token = access_token or secrets.token_hex(16)
    sock = bind_tcp(host, port, backlog=2048)
    bound_host, bound_port = sock.getsockname()[:2]
    authority = f"{_url_host(bound_host)}:{bound_port}"
    for emulation in emulations.built.values():
        # Known before any problem is issued: download links name the sandbox's address.
        emulation.env.downloads.base_url = f"http://{authority}"
    try:
        started = await _start_emulations(emulations, strict=strict)
    except BaseException:
        sock.close()
        raise
    try:
        app = build_app(emulations.built, conditions, token)
    except BaseException:
        sock.close()
        await _stop_emulations(started)
        raise
    state = sandbox_state(app)
    server = quiet_server(_config(app, host, port))
    state.faults.abort_connection = _connection_aborter(server)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="hackattic-sandbox")
    try:
        await wait_started(server, task)
        logger.info("sandbox serving on http://%s", authority)
        yield SandboxHandle(
            base_url=f"http://{authority}",
            ws_base_url=f"ws://{authority}",
            access_token=token,
            app=app,
            port=bound_port,
            time_scale=conditions.time_scale,
            emulations=emulations.built,
            failed=emulations.failed,
            _task=task,
        )
    finally:
        server.request_exit()
        # Emulations stop alongside the server: open conversations end while it drains.
        results = await asyncio.gather(task, _stop_emulations(started), return_exceptions=True)
        sock.close()
        for result in results:
            if isinstance(result, Exception):
                logger.warning("sandbox shutdown: %s: %s", type(result).__name__, result)


@asynccontextmanager
async def serve_challenges(
    challenges: Mapping[str, type[AnyChallenge]],
    conditions: SandboxConditions,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    strict: bool = True,
    read_env: bool = True,
    **serve_options: Any,
) -> AsyncIterator[SandboxHandle]:
    """Build the emulations of ``challenges`` and serve them (:func:`serve_sandbox`)."""
    emulations = build_emulations(challenges, conditions, options, strict=strict, read_env=read_env)
    async with serve_sandbox(emulations, conditions, strict=strict, **serve_options) as handle:
        yield handle


def remote_warning(host: str) -> str | None:
    """A warning for a bind address reachable from other machines, or None for loopback."""
    if is_loopback_host(host):
        return None
    return (
        f"warning: serving on {host}, reachable beyond this machine; the sandbox speaks "
        "plain http, so its access token travels unencrypted"
    )


def _print_stdout(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def announcement(handle: SandboxHandle, *, json_output: bool) -> str:
    """What :func:`run_standalone` prints once the sandbox accepts connections."""
    if json_output:
        return json.dumps({"base_url": handle.base_url, "access_token": handle.access_token})
    slugs = sorted(handle.emulations)
    example = slugs[0] if slugs else "<slug>"
    return "\n".join(
        [
            f"hackattic sandbox serving on {handle.base_url}",
            f"access token: {handle.access_token}",
            f"challenges: {', '.join(slugs) or '(none has an emulation)'}",
            "",
            "Point the CLI at it:",
            f"  export HACKATTIC_BASE_URL={handle.base_url}",
            f"  export HACKATTIC_ACCESS_TOKEN={handle.access_token}",
            "Or try it by hand:",
            f"  curl '{handle.base_url}/challenges/{example}/problem"
            f"?access_token={handle.access_token}'",
            "",
            "Press Ctrl-C to stop.",
        ]
    )


async def run_standalone(
    challenges: Mapping[str, type[AnyChallenge]],
    conditions: SandboxConditions,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    access_token: str | None = None,
    json_output: bool = False,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve the sandbox until cancelled, announcing where once it accepts connections.

    With ``json_output`` the announcement is exactly one JSON line
    ``{"base_url": …, "access_token": …}``; otherwise a few lines for a human. It goes to
    ``announce`` (default: stdout, flushed); warnings go to stderr. The caller's event loop
    owns Ctrl-C and SIGTERM: cancelling this coroutine stops the server cleanly.
    """
    say = announce or _print_stdout
    warning = remote_warning(host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    emulations = build_emulations(challenges, conditions, options, strict=False)
    async with serve_sandbox(
        emulations, conditions, host=host, port=port, access_token=access_token, strict=False
    ) as handle:
        for slug, reason in sorted(handle.failed.items()):
            print(f"warning: not serving {slug}: {reason}", file=sys.stderr, flush=True)
        if not handle.emulations:
            print(
                "warning: no installed challenge has a working sandbox emulation", file=sys.stderr
            )
        say(announcement(handle, json_output=json_output))
        await handle.wait_closed()
    # Only a crash ends the server before this coroutine is cancelled.
    raise RuntimeError("the sandbox server stopped unexpectedly (see the log)")

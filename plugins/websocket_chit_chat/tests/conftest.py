"""A chit chat sandbox (real sockets, this event loop) and a small helper to drive it.

``async with chit_chat(time_scale=0.05, rounds=3, faults=["drop"]) as sandbox:`` serves
chit chat's emulation, built by the core's ``hackattic_emulation`` fixture (its conditions
validated as the sandbox validates them, every other field at its default, whatever the
environment says), behind a small stand-in of the sandbox's HTTP API on a free loopback
port, and yields a :class:`ChitChatSandbox`. The core's fixtures serve a whole sandbox in a
thread of its own, with conditions fixed per test; these tests open sandboxes of several
conditions inside their own event loop, and reach into the emulation (its stats, its
``stop``) while it serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import secrets
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import uvicorn
from hackattic_websocket_chit_chat.challenge import WebsocketChitChat
from hackattic_websocket_chit_chat.conversation import ws_url
from hackattic_websocket_chit_chat.emulation import ChitChatEmulation
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SLUG = "websocket_chit_chat"
FAST_SCALE = 0.1
"""Ten times real time: intervals of 70 to 300 ms."""
ROUNDS = 3
"""Correct answers that earn the secret in these tests: enough to test, quick."""
SEED = 7
TIME_SCALE_HEADER = "X-Hackattic-Time-Scale"
"""How the sandbox tells a solver its time scale with each problem (the core's client
honours it from loopback)."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "timing: bounds wall time from above (deselect on a loaded machine)"
    )


@dataclass
class Handle:
    """Where the stand-in serves (the fields of the core's sandbox handle tests use)."""

    base_url: str
    ws_base_url: str
    access_token: str


def _api(emulation: ChitChatEmulation, token: str, time_scale: float) -> list[Route]:
    """``GET …/problem`` and ``POST …/solve`` as the sandbox answers them."""
    issued: dict[str, Any] = {}

    def refused(request: Request) -> Response | None:
        if request.query_params.get("access_token") != token:
            return JSONResponse({"error": "bad access token"}, 401)
        if request.path_params["slug"] != SLUG:
            return JSONResponse({"error": "no such challenge in this sandbox"}, 404)
        return None

    async def problem(request: Request) -> Response:
        error = refused(request)
        if error is not None:
            return error
        issued["last"] = await emulation.new_problem()
        response = JSONResponse(issued["last"].problem)
        response.headers[TIME_SCALE_HEADER] = repr(time_scale)
        return response

    async def solve(request: Request) -> Response:
        error = refused(request)
        if error is not None:
            return error
        if "last" not in issued:
            return JSONResponse({"rejected": "no problem fetched yet"})
        reason = await emulation.check(issued["last"], json.loads(await request.body()))
        if reason is None:
            return JSONResponse({"result": "passed: the sandbox accepted the solution"})
        return JSONResponse({"rejected": reason})

    return [
        Route("/challenges/{slug}/problem", problem, methods=["GET"]),
        Route("/challenges/{slug}/solve", solve, methods=["POST"]),
    ]


@contextlib.asynccontextmanager
async def serve(emulation: ChitChatEmulation, time_scale: float) -> AsyncIterator[Handle]:
    """Serve ``emulation`` on a free loopback port in this event loop while the block runs."""
    token = secrets.token_hex(16)
    app = Starlette(routes=[*_api(emulation, token, time_scale), *emulation.routes()])
    config = uvicorn.Config(
        app,
        http="h11",
        ws="websockets-sansio",
        ws_max_size=16 * 1024 * 1024,
        ws_ping_interval=None,
        ws_ping_timeout=None,
        ws_per_message_deflate=False,
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    await emulation.start()
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the test sandbox stopped while starting")
            await asyncio.sleep(0.005)
        authority = f"127.0.0.1:{port}"
        yield Handle(f"http://{authority}", f"ws://{authority}", token)
    finally:
        server.should_exit = True
        await emulation.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()


@dataclass
class ChitChatSandbox:
    handle: Handle
    http: httpx.AsyncClient
    conditions: SimpleNamespace
    """Every condition in force (seed, time_scale, fault_count and chit chat's own)."""
    emulation: ChitChatEmulation

    async def token(self) -> str:
        """A fresh problem's token, fetched over HTTP."""
        response = await self.http.get(f"/challenges/{SLUG}/problem")
        assert response.status_code == 200, response.text
        problem = response.json()
        assert set(problem) == {"token"}
        return str(problem["token"])

    def url(self, token: str) -> str:
        return ws_url(self.handle.ws_base_url, token)

    async def solve(self, secret: Any) -> dict[str, Any]:
        """Submit ``{"secret": secret}`` for the last problem fetched (playground)."""
        response = await self.http.post(
            f"/challenges/{SLUG}/solve", params={"playground": "1"}, json={"secret": secret}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def totals(self) -> dict[str, Any]:
        totals: dict[str, Any] = self.emulation.stats()["totals"]
        return totals

    def last_conversation(self) -> dict[str, Any]:
        conversations: list[dict[str, Any]] = self.emulation.stats()["conversations"]
        return conversations[-1]


OpenSandbox = Callable[..., contextlib.AbstractAsyncContextManager[ChitChatSandbox]]


@pytest.fixture
def chit_chat(hackattic_emulation: Callable[..., Any]) -> OpenSandbox:
    """``async with chit_chat(seed=7, time_scale=0.1, rounds=3, faults=[], fault_count=2,
    **conditions) as sandbox``: a sandbox serving chit chat only."""

    @contextlib.asynccontextmanager
    async def open_sandbox(
        *,
        seed: int = SEED,
        time_scale: float = FAST_SCALE,
        faults: list[str] | tuple[str, ...] = (),
        fault_count: int = 2,
        **conditions: Any,
    ) -> AsyncIterator[ChitChatSandbox]:
        conditions.setdefault("rounds", ROUNDS)
        emulation = hackattic_emulation(WebsocketChitChat, faults=list(faults), **conditions)
        assert isinstance(emulation, ChitChatEmulation)
        # The core's seed, time scale and fault count for this sandbox, as the sandbox
        # would give them (its random source is derived from the seed and the slug).
        env = emulation.env
        env.rng = random.Random(f"{seed}/{SLUG}")
        env.time_scale = time_scale
        env.fault_count = fault_count
        in_force = SimpleNamespace(
            seed=seed,
            time_scale=time_scale,
            fault_count=fault_count,
            **env.conditions.model_dump(),
        )
        async with (
            serve(emulation, time_scale) as handle,
            httpx.AsyncClient(
                base_url=handle.base_url, params={"access_token": handle.access_token}
            ) as http,
        ):
            yield ChitChatSandbox(handle, http, in_force, emulation)

    return open_sandbox


@pytest.fixture
def hackattic_sandbox_options() -> dict[str, dict[str, Any]]:
    """The core fixtures' sandbox (``hackattic_run``) gives the secret after ROUNDS answers."""
    return {SLUG: {"rounds": ROUNDS}}

"""A tiny fake challenge ("echo": double a number) and a running sandbox to test against."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from hackattic_core.challenge import Challenge, Context, Problem, Solution
from hackattic_core.sandbox.conditions import SandboxConditions, sandbox_conditions
from hackattic_core.sandbox.emulation import Emulation, Issued
from hackattic_core.sandbox.server import SandboxHandle, serve_challenges


class EchoProblem(Problem):
    n: int
    note: str


class EchoSolution(Solution):
    n2: int


class EchoEmulation(Emulation):
    """Problem ``{"n": <int>, "note": …}``; solution ``{"n2": n * 2}``."""

    slug = "echo"
    faults: ClassVar[dict[str, str]] = {"shout": "the WebSocket echo answers in capitals"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.issued = 0
        self.checked = 0
        self.started = False
        self.closed = False

    async def start(self) -> None:
        self.started = True

    async def new_problem(self) -> Issued:
        self.issued += 1
        n = self.env.rng.randint(1, 1_000_000)
        return Issued({"n": n, "note": "double it"}, state=n)

    async def check(self, issued: Issued, solution: dict[str, Any]) -> str | None:
        self.checked += 1
        if "boom" in solution:
            raise RuntimeError("the echo checker blew up")
        expected = issued.state * 2
        if solution.get("n2") == expected:
            return None
        return f"wrong n2: got {solution.get('n2')!r}, expected {expected}"

    def routes(self) -> list[BaseRoute]:
        async def hello(request: Request) -> Response:
            return PlainTextResponse("hello from echo")

        async def websocket_echo(websocket: WebSocket) -> None:
            await websocket.accept()
            text = await websocket.receive_text()
            if self.env.has_fault("shout"):
                text = text.upper()
            await websocket.send_text(f"{websocket.path_params['token']}:{text}")
            await websocket.close()

        return [Route("/_/echo", hello), WebSocketRoute("/_/ws/{token}", websocket_echo)]

    def stats(self) -> dict[str, Any]:
        return {"issued": self.issued, "checked": self.checked}

    async def stop(self) -> None:
        self.closed = True


class Echo(Challenge):
    name = "echo"
    title = "Double a number"
    problem_model = EchoProblem
    solution_model = EchoSolution

    async def solve(self, problem: Any, context: Context) -> Solution:
        return EchoSolution(n2=problem.n * 2)

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        return EchoEmulation


class Plain(Challenge):
    """A challenge without an emulation: not served by the sandbox."""

    name = "plain"
    title = "No emulation"
    problem_model = Problem
    solution_model = Solution


class Sandbox:
    """A running sandbox and an httpx client for it."""

    def __init__(self, handle: SandboxHandle, http: httpx.AsyncClient) -> None:
        self.handle = handle
        self.http = http
        self.auth = {"access_token": handle.access_token}

    async def problem(self) -> httpx.Response:
        return await self.http.get("/challenges/echo/problem", params=self.auth)

    async def solve(self, body: object, **params: str) -> httpx.Response:
        return await self.http.post(
            "/challenges/echo/solve", params={**self.auth, **params}, json=body
        )

    async def stats(self) -> dict[str, Any]:
        response = await self.http.get("/_/stats", params=self.auth)
        assert response.status_code == 200
        stats: dict[str, Any] = response.json()
        return stats


@pytest.fixture(scope="session")
def challenges() -> dict[str, type[Challenge]]:
    """The echo challenge, and one without an emulation."""
    return {"echo": Echo, "plain": Plain}


@pytest.fixture(scope="session")
def make_conditions() -> Callable[..., SandboxConditions]:
    """``make_conditions(**values)``: SandboxConditions from the values only (seed 1 by default).

    Neither ``HACKATTIC_SANDBOX_*`` variables nor ``.env`` can change what a test sees.
    """

    def make(**values: Any) -> SandboxConditions:
        values.setdefault("seed", 1)
        with pytest.MonkeyPatch.context() as patch:
            for name in list(os.environ):
                if name.startswith("HACKATTIC_SANDBOX_"):
                    patch.delenv(name)
            return sandbox_conditions(values, read_env=False)

    return make


@pytest.fixture(scope="session")
def sandbox_with(
    challenges: dict[str, type[Challenge]], make_conditions: Callable[..., SandboxConditions]
) -> Callable[..., contextlib.AbstractAsyncContextManager[Sandbox]]:
    """``async with sandbox_with(**conditions) as sandbox:``: a sandbox of its own."""

    @contextlib.asynccontextmanager
    async def start(**conditions: Any) -> AsyncIterator[Sandbox]:
        async with (
            serve_challenges(challenges, make_conditions(**conditions)) as handle,
            httpx.AsyncClient(base_url=handle.base_url, timeout=10) as http,
        ):
            yield Sandbox(handle, http)

    return start

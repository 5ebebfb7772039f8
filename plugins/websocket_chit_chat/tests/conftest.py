"""A chit chat sandbox (real sockets, this event loop) and a small helper to drive it.

``async with chit_chat(time_scale=0.05, rounds=3, faults=["drop"]) as sandbox:`` serves the
sandbox with the given conditions, the core's and chit chat's alike (every other field at
its default, whatever the environment says), and yields a :class:`ChitChatSandbox`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from hackattic_websocket_chit_chat.challenge import WebsocketChitChat
from hackattic_websocket_chit_chat.conversation import ws_url
from hackattic_websocket_chit_chat.emulation import ChitChatEmulation

from hackattic_core.sandbox.build import build_emulations
from hackattic_core.sandbox.conditions import SandboxConditions, sandbox_conditions
from hackattic_core.sandbox.server import SandboxHandle, serve_sandbox

SLUG = "websocket_chit_chat"
FAST_SCALE = 0.1
"""Twenty times real time: intervals of 35 to 150 ms."""


ROUNDS = 3
"""Correct answers that earn the secret in these tests: enough to test, quick."""


def make_conditions(**overrides: Any) -> tuple[SandboxConditions, dict[str, Any]]:
    """The core's conditions and chit chat's own from the field defaults (not the
    environment), a fixed seed, fast time and :data:`ROUNDS`, then ``overrides``."""
    core_names = set(SandboxConditions.model_fields)
    values: dict[str, Any] = {"seed": 7, "time_scale": FAST_SCALE, "rounds": ROUNDS, **overrides}
    core = {k: v for k, v in values.items() if k in core_names}
    own = {k: v for k, v in values.items() if k not in core_names}
    return sandbox_conditions(core, read_env=False), own


@dataclass
class ChitChatSandbox:
    handle: SandboxHandle
    http: httpx.AsyncClient
    conditions: SimpleNamespace
    """Every condition in force, the core's and chit chat's, as attributes."""

    @property
    def emulation(self) -> ChitChatEmulation:
        emulation = self.handle.emulations[SLUG]
        assert isinstance(emulation, ChitChatEmulation)
        return emulation

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
def chit_chat() -> OpenSandbox:
    """``async with chit_chat(**conditions) as sandbox``: a sandbox serving chit chat only."""

    @contextlib.asynccontextmanager
    async def open_sandbox(**overrides: Any) -> AsyncIterator[ChitChatSandbox]:
        conditions, own = make_conditions(**overrides)
        emulations = build_emulations(
            {SLUG: WebsocketChitChat}, conditions, {SLUG: own}, read_env=False
        )
        in_force = SimpleNamespace(
            **conditions.model_dump(), **emulations.built[SLUG].env.conditions.model_dump()
        )
        async with (
            serve_sandbox(emulations, conditions) as handle,
            httpx.AsyncClient(
                base_url=handle.base_url, params={"access_token": handle.access_token}
            ) as http,
        ):
            yield ChitChatSandbox(handle, http, in_force)

    return open_sandbox


@pytest.fixture
def hackattic_sandbox_options() -> dict[str, dict[str, Any]]:
    """The core fixtures' sandbox (``hackattic_run``) gives the secret after ROUNDS answers."""
    return {SLUG: {"rounds": ROUNDS}}

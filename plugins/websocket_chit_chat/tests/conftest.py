"""A chit chat sandbox (real sockets, this event loop) and a small helper to drive it.

``async with chit_chat(time_scale=0.05, rounds=3, faults=["drop"]) as sandbox:`` serves the
sandbox with the given conditions (every other field at its default, whatever the
environment says) and yields a :class:`ChitChatSandbox`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hackattic_websocket_chit_chat.challenge import WebsocketChitChat
from hackattic_websocket_chit_chat.conversation import ws_url
from hackattic_websocket_chit_chat.emulation import ChitChatEmulation

from hackattic_core.sandbox.app import sandbox_state
from hackattic_core.sandbox.conditions import Conditions
from hackattic_core.sandbox.server import SandboxHandle, serve_sandbox

SLUG = "websocket_chit_chat"
FAST_SCALE = 0.1
"""Twenty times real time: intervals of 35 to 150 ms."""


def make_conditions(**overrides: Any) -> Conditions:
    """Conditions from the field defaults (not the environment), a fixed seed, fast time."""
    values: dict[str, Any] = {
        name: field.get_default(call_default_factory=True)
        for name, field in Conditions.model_fields.items()
    }
    values.update(seed=7, time_scale=FAST_SCALE, rounds=3)
    values.update(overrides)
    return Conditions(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class ChitChatSandbox:
    handle: SandboxHandle
    http: httpx.AsyncClient
    conditions: Conditions

    @property
    def emulation(self) -> ChitChatEmulation:
        emulation = sandbox_state(self.handle.app).emulations[SLUG]
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
        conditions = make_conditions(**overrides)
        async with (
            serve_sandbox({SLUG: WebsocketChitChat}, conditions) as handle,
            httpx.AsyncClient(
                base_url=handle.base_url, params={"access_token": handle.access_token}
            ) as http,
        ):
            yield ChitChatSandbox(handle, http, conditions)

    return open_sandbox

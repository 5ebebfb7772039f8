"""What a challenge provides to run in the offline sandbox.

An :class:`Emulation` issues problems, checks solutions and may add routes of its own
(chit chat's WebSocket). The sandbox server owns the HTTP API, access tokens and faults.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute

from hackattic_core.sandbox.conditions import Conditions


@dataclass
class Issued:
    """One problem handed out: what was sent, and whatever the checker needs later."""

    problem: dict[str, Any]
    state: Any = None


@dataclass
class EmulationEnv:
    """What the sandbox gives an emulation."""

    conditions: Conditions
    rng: random.Random = field(default_factory=random.Random)


class Emulation:
    """A challenge's stand-in on the sandbox. One instance lives as long as the server."""

    slug: str = ""

    def __init__(self, env: EmulationEnv) -> None:
        self.env = env

    def new_problem(self) -> Issued:
        """A fresh problem (the JSON body of ``GET /challenges/<slug>/problem``)."""
        raise NotImplementedError

    def check(self, issued: Issued, solution: dict[str, Any]) -> str | None:
        """None when ``solution`` solves ``issued``; otherwise the rejection reason."""
        raise NotImplementedError

    def routes(self) -> list[BaseRoute]:
        """Extra routes mounted on the sandbox (e.g. a WebSocket endpoint)."""
        return []

    def stats(self) -> dict[str, Any]:
        """What ``GET /_/stats`` reports for this challenge."""
        return {}

    async def aclose(self) -> None:
        """Stop background work (open conversations) when the server stops."""

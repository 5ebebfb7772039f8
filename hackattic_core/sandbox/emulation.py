"""What a challenge provides to run in the offline sandbox.

An :class:`Emulation` issues problems, checks solutions and may add routes of its own (a
WebSocket, a download), start and stop a server of its own, declare its own conditions
(:class:`~hackattic_core.sandbox.conditions.EmulationConditions`) and its own faults. The
sandbox owns the HTTP API, access tokens, the seed, the time scale and the HTTP faults.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from hackattic_core.sandbox.conditions import EmulationConditions

if TYPE_CHECKING:
    from starlette.routing import BaseRoute


@dataclass
class Issued:
    """One problem handed out: what was sent, and whatever the checker needs later."""

    problem: dict[str, Any]
    state: Any = None


@dataclass
class EmulationEnv:
    """What the sandbox gives an emulation."""

    conditions: Any = field(default_factory=EmulationConditions)
    """The emulation's own conditions: an instance of its ``conditions_model``."""
    rng: random.Random = field(default_factory=random.Random)
    """Its random source: reproducible per challenge when the sandbox has a seed."""
    time_scale: float = 1.0
    """Multiplies every interval and delay (the sandbox's, owned by the core)."""
    faults: frozenset[str] = frozenset()
    """Its own faults that are switched on."""
    fault_count: int = 2
    """How many problems, requests or conversations a counted fault hits."""

    def has_fault(self, name: str) -> bool:
        """Whether this emulation's fault ``name`` is switched on."""
        return name in self.faults


class Emulation:
    """A challenge's stand-in on the sandbox. One instance lives as long as the server.

    Class attributes: ``slug`` (the challenge's); ``conditions_model`` (its options, an
    :class:`EmulationConditions` subclass; the base has none); ``faults`` (its own fault
    names, each with a one-line description). Subclasses implement :meth:`new_problem` and
    :meth:`check`; everything else has a safe default.
    """

    slug: ClassVar[str] = ""
    conditions_model: ClassVar[type[EmulationConditions]] = EmulationConditions
    faults: ClassVar[Mapping[str, str]] = {}

    def __init__(self, env: EmulationEnv) -> None:
        self.env = env

    async def start(self) -> None:
        """Start what it needs before the sandbox serves (a server of its own, say)."""

    async def stop(self) -> None:
        """Stop background work (open conversations, its server) when the sandbox stops."""

    async def new_problem(self) -> Issued:
        """A fresh problem (the JSON body of ``GET /challenges/<slug>/problem``)."""
        raise NotImplementedError

    async def check(self, issued: Issued, solution: dict[str, Any]) -> str | None:
        """None when ``solution`` solves ``issued``; otherwise the rejection reason.

        Run heavy checks off the event loop (``await asyncio.to_thread(...)``): the
        sandbox serves every other request meanwhile.
        """
        raise NotImplementedError

    def routes(self) -> list[BaseRoute]:
        """Extra routes mounted on the sandbox (e.g. a WebSocket endpoint)."""
        return []

    def stats(self) -> dict[str, Any]:
        """What ``GET /_/stats`` reports for this challenge."""
        return {}

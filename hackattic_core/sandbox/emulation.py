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
from typing import TYPE_CHECKING, Any, ClassVar, Generic

from typing_extensions import TypeVar

from hackattic_core.sandbox.conditions import EmulationConditions
from hackattic_core.sandbox.downloads import Downloads

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

ConditionsT = TypeVar("ConditionsT", bound=EmulationConditions, default=EmulationConditions)
StateT = TypeVar("StateT", default=None)


@dataclass
class Issued(Generic[StateT]):
    """One problem handed out: what was sent, and whatever the checker needs later."""

    problem: dict[str, Any]
    state: StateT = None  # type: ignore[assignment]


@dataclass
class EmulationEnv(Generic[ConditionsT]):
    """What the sandbox gives an emulation."""

    conditions: ConditionsT = field(default_factory=EmulationConditions)  # type: ignore[assignment]
    """The emulation's own conditions: an instance of its ``conditions_model``."""
    rng: random.Random = field(default_factory=random.Random)
    """Its random source: reproducible per challenge when the sandbox has a seed."""
    time_scale: float = 1.0
    """Multiplies every interval and delay (the sandbox's, owned by the core)."""
    faults: frozenset[str] = frozenset()
    """Its own faults that are switched on."""
    fault_count: int = 2
    """How many problems, requests or conversations a counted fault hits."""
    slug: str = ""
    """The challenge's slug (the sandbox takes it from the challenge)."""
    downloads: Downloads = field(default_factory=Downloads)
    """One-time download links for what a problem points to (``downloads.publish``)."""

    def has_fault(self, name: str) -> bool:
        """Whether this emulation's fault ``name`` is switched on."""
        return name in self.faults


class Emulation(Generic[ConditionsT, StateT]):
    """A challenge's stand-in on the sandbox. One instance lives as long as the server.

    Generic over its conditions and the state each issued problem keeps
    (``class Mine(Emulation[MyConditions, MyState])``). Class attributes:
    ``conditions_model`` (its options, an :class:`EmulationConditions` subclass; the base
    has none); ``faults`` (its own fault names, each with a one-line description);
    ``slug`` (optional: the sandbox sets it from the challenge, and refuses a different
    one). Subclasses implement :meth:`new_problem` and :meth:`check`; everything else has a
    safe default.
    """

    slug: ClassVar[str] = ""
    conditions_model: type[ConditionsT] = EmulationConditions  # type: ignore[assignment]
    faults: ClassVar[Mapping[str, str]] = {}

    def __init__(self, env: EmulationEnv[ConditionsT]) -> None:
        self.env = env

    async def start(self) -> None:
        """Start what it needs before the sandbox serves (a server of its own, say)."""

    async def stop(self) -> None:
        """Stop background work (open conversations, its server) when the sandbox stops."""

    async def new_problem(self) -> Issued[StateT]:
        """A fresh problem (the JSON body of ``GET /challenges/<slug>/problem``)."""
        raise NotImplementedError

    async def check(self, issued: Issued[StateT], solution: dict[str, Any]) -> str | None:
        """None when ``solution`` solves ``issued``; otherwise the rejection reason.

        Run heavy checks off the event loop (``await run_blocking(...)``): the sandbox
        serves every other request meanwhile (and, under ``run --sandbox``, the solver).
        """
        raise NotImplementedError

    def routes(self) -> list[BaseRoute]:
        """Extra routes mounted on the sandbox (e.g. a WebSocket endpoint)."""
        return []

    def stats(self) -> dict[str, Any]:
        """What ``GET /_/stats`` reports for this challenge."""
        return {}


AnyEmulation = Emulation[Any, Any]
"""An emulation of any challenge (what the sandbox holds)."""

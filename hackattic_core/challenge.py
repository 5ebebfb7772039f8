"""The interface every challenge plugin implements.

A *challenge* is one hackattic slug's plugin; a *problem* is one fetched instance of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import httpx

    from hackattic_core.sandbox.emulation import Emulation
    from hackattic_core.settings import Settings


class Problem(BaseModel):
    """Base for a challenge's problem model: extra fields the service adds are ignored."""

    model_config = ConfigDict(extra="ignore")


class Solution(BaseModel):
    """Base for a challenge's solution model: exactly what is POSTed to ``/solve``."""


class Progress(Protocol):
    """Where a solver reports what it is doing; the core shows it (a live bar on a terminal).

    ``update`` is cheap enough to call at every step: the core throttles what it draws.
    """

    def update(
        self, description: str, *, completed: float | None = None, total: float | None = None
    ) -> None:
        """What the solver is doing now, and optionally how far along (``completed`` of
        ``total``; ``total`` None when unknown)."""

    def done(self, message: str) -> None:
        """Print a permanent line, such as a summary."""


class NullProgress:
    """Progress that shows nothing (libraries, tests, ``--json`` without a terminal)."""

    def update(
        self, description: str, *, completed: float | None = None, total: float | None = None
    ) -> None:
        """Ignore the update."""

    def done(self, message: str) -> None:
        """Ignore the summary."""


@dataclass
class Context:
    """What a solver may use without reaching into the core."""

    settings: Settings
    http: httpx.AsyncClient
    """For downloads a problem points to (not for the hackattic API itself). Like the API's,
    its answers are refused past ``HACKATTIC_MAX_BODY_BYTES`` once decoded (a
    :class:`~hackattic_core.errors.ServiceError`), and loopback is never proxied."""
    ws_base_url: str
    """``wss://hackattic.com`` (or ``ws://127.0.0.1:PORT`` for the sandbox)."""
    logger: logging.Logger
    progress: Progress = field(default_factory=NullProgress)
    attempt: int = 1
    """Which attempt at this run this is, from 1."""
    plugin_settings: Any = None
    """An instance of the challenge's ``settings_model``, if it declares one."""
    time_scale: float = 1.0
    """How the server scales its clock: 1.0 for hackattic.com; a sandbox announces its own
    with each problem. Solvers whose answers depend on timing divide measured times by it."""


class Challenge:
    """A hackattic challenge.

    Subclasses set these class attributes:

    - ``name``: the hackattic slug, a lowercase identifier such as ``my_challenge``;
    - ``title``: a one-line description shown by ``hackattic list``;
    - ``problem_model`` / ``solution_model``: pydantic models (subclasses of
      :class:`Problem` and :class:`Solution`);

    and implement :meth:`solve`. Optional: ``settings_model`` (a
    :class:`~hackattic_core.settings.ChallengeSettings` subclass, read from
    ``HACKATTIC_<NAME>_*`` when a run starts) and
    :meth:`emulation` (the challenge's stand-in for the offline sandbox).

    To ask for a fresh problem and start over, ``solve`` raises
    :class:`~hackattic_core.errors.AttemptLost`; the runner owns that loop. A failure the
    user must read is a :class:`~hackattic_core.errors.SolverError` (exit 4).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    problem_model: ClassVar[type[Problem]]
    solution_model: ClassVar[type[Solution]]
    settings_model: ClassVar[type[BaseModel] | None] = None

    async def solve(self, problem: Any, context: Context) -> Solution:
        """Solve one problem (an instance of ``problem_model``)."""
        raise NotImplementedError

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        """The sandbox emulation of this challenge, or None if it has none."""
        return None

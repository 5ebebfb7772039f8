"""The interface every challenge plugin implements.

A *challenge* is one hackattic slug's plugin; a *problem* is one fetched instance of it.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict
from typing_extensions import TypeVar as DefaultTypeVar

from hackattic_core.settings import ChallengeSettings, NoSettings

if TYPE_CHECKING:
    import httpx

    from hackattic_core.sandbox.emulation import Emulation
    from hackattic_core.settings import Settings

T = TypeVar("T")


class Problem(BaseModel):
    """Base for a challenge's problem model: extra fields the service adds are ignored."""

    model_config = ConfigDict(extra="ignore")


class Solution(BaseModel):
    """Base for a challenge's solution model: exactly what is POSTed to ``/solve``."""


ProblemT = TypeVar("ProblemT", bound=Problem)
SolutionT = TypeVar("SolutionT", bound=Solution)
SettingsT = DefaultTypeVar("SettingsT", bound=ChallengeSettings, default=NoSettings)


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
class Context(Generic[SettingsT]):
    """What a solver may use without reaching into the core."""

    settings: Settings
    """The core's settings (the challenge's own are :attr:`plugin_settings`)."""
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
    plugin_settings: SettingsT = field(default_factory=NoSettings)  # type: ignore[assignment]
    """The challenge's own settings: an instance of its ``settings_model``
    (:class:`~hackattic_core.settings.NoSettings` when it declares none)."""
    time_scale: float = 1.0
    """How the server scales its clock: 1.0 for hackattic.com; a sandbox announces its own
    with each problem. Solvers whose answers depend on timing divide measured times by it."""
    public_host: str | None = None
    """For a challenge that runs a server: the host by which hackattic reaches it
    (``HACKATTIC_PUBLIC_HOST``, else ``HACKATTIC_PUBLIC_URL``'s host; the loopback address
    under ``--sandbox``)."""
    listen_host: str = "127.0.0.1"
    """The address such a server binds (``HACKATTIC_LISTEN_HOST``)."""
    public_url: str | None = None
    """A public base URL for an HTTP app (``HACKATTIC_PUBLIC_URL``), if the user set one."""
    resources: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)
    """What :meth:`keep_open` entered; the runner closes it after the submit's answer."""

    async def keep_open(self, resource: contextlib.AbstractAsyncContextManager[T]) -> T:
        """Enter ``resource`` (a server, say) now and keep it open until the service has
        answered the submit (hackattic calls the server during the submit); the runner
        closes it after that on every path: passed, rejected, failed, interrupted."""
        return await self.resources.enter_async_context(resource)

    async def download(self, url: str, *, what: str = "download") -> bytes:
        """The body at ``url`` (a one-time link a problem points to), through :attr:`http`
        (bounded, never proxied to loopback); a one-line
        :class:`~hackattic_core.errors.ServiceError` naming ``what`` if it cannot be had."""
        import httpx

        from hackattic_core.errors import ServiceError, shorten

        try:
            response = await self.http.get(url)
        except httpx.HTTPError as exc:  # the core describes a body too large itself
            reason = shorten(str(exc) or type(exc).__name__)
            raise ServiceError(f"could not download the {what}: {reason}") from None
        if response.status_code != httpx.codes.OK:
            # hackattic's links work once: a second fetch, or a late one, is a 404.
            raise ServiceError(
                f"could not download the {what}: HTTP {response.status_code} "
                f"{response.reason_phrase}".rstrip()
            )
        return response.content

    def require_public_host(self) -> str:
        """:attr:`public_host`; the runner checks it is set for a serving challenge."""
        if self.public_host is None:
            from hackattic_core.errors import ConfigError

            raise ConfigError(PUBLIC_HOST_MISSING)
        return self.public_host


MAX_URL_LENGTH = 4096


def check_download_url(value: str) -> str:
    """``value`` if it is an absolute http(s) URL of sane length; ValueError otherwise."""
    from urllib.parse import urlsplit

    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"a URL of {len(value):,} characters (at most {MAX_URL_LENGTH:,})")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an absolute http(s) URL")
    return value


DownloadUrl = Annotated[str, AfterValidator(check_download_url)]
"""A problem field holding a download link (``image_url: DownloadUrl``): an absolute
http(s) URL of sane length, or the problem is refused."""

PUBLIC_HOST_MISSING = (
    "this challenge runs a server that hackattic connects to: set HACKATTIC_PUBLIC_HOST to "
    "the host name or IP address by which hackattic reaches this machine (or "
    "HACKATTIC_PUBLIC_URL to a tunnel's URL for an HTTP app), or use --sandbox"
)


class Challenge(Generic[ProblemT, SolutionT, SettingsT]):
    """A hackattic challenge, generic over its problem, solution and settings models.

    Subclasses (``class Mine(Challenge[MyProblem, MySolution, MySettings])``, the settings
    optional) set these class attributes:

    - ``name``: the hackattic slug, a lowercase identifier such as ``my_challenge``;
    - ``title``: a one-line description shown by ``hackattic list``;
    - ``problem_model`` / ``solution_model``: the pydantic models;

    and implement :meth:`solve`. Optional:

    - ``settings_model``: a :class:`~hackattic_core.settings.ChallengeSettings` subclass,
      read from ``HACKATTIC_<NAME>_*`` when a run starts (``context.plugin_settings``);
    - ``emulation_class``: ``"package.module:Class"``, the challenge's stand-in for the
      offline sandbox, imported only when a sandbox needs it;
    - ``serves``: True for a challenge whose solver runs a server that hackattic connects
      to: the runner then requires ``HACKATTIC_PUBLIC_HOST`` against the real service;
    - :meth:`check_cost`: refuse a problem that would cost too much, before any work.

    To ask for a fresh problem and start over, ``solve`` raises
    :class:`~hackattic_core.errors.AttemptLost`; the runner owns that loop. A failure the
    user must read is a :class:`~hackattic_core.errors.SolverError` (exit 4).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    problem_model: type[ProblemT]
    solution_model: type[SolutionT]
    settings_model: type[SettingsT] | None = None
    emulation_class: ClassVar[str | None] = None
    serves: ClassVar[bool] = False

    def check_cost(self, problem: ProblemT, settings: SettingsT) -> None:
        """Raise :class:`~hackattic_core.errors.CostLimitExceeded` if solving ``problem``
        would take more time or memory than ``settings`` allow (called before solving)."""

    async def solve(self, problem: ProblemT, context: Context[SettingsT]) -> SolutionT:
        """Solve one problem."""
        raise NotImplementedError

    @classmethod
    def emulation(cls) -> type[Emulation[Any, Any]] | None:
        """The sandbox emulation of this challenge (``emulation_class`` imported), or None."""
        if cls.emulation_class is None:
            return None
        module, _, attribute = cls.emulation_class.partition(":")
        found: type[Emulation[Any, Any]] = getattr(importlib.import_module(module), attribute)
        return found


AnyChallenge = Challenge[Any, Any, Any]
"""A challenge of any problem, solution and settings (what the core holds)."""


def settings_of(challenge: type[AnyChallenge]) -> type[ChallengeSettings]:
    """The challenge's settings model (:class:`NoSettings` when it declares none)."""
    return challenge.settings_model or NoSettings

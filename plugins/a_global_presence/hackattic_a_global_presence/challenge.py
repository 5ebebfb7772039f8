"""The challenge a_global_presence: be seen by hackattic from 7 countries within 30 s.

The problem is ``{"presence_token"}``. ``GET /_/presence/<presence_token>`` must arrive
from at least 7 countries (hackattic geolocates the client's address; each answer lists
the countries seen so far); then the solution is ``{}``. The solver sends one request
directly and one through each of the user's proxies (``HACKATTIC_A_GLOBAL_PRESENCE_PROXIES``),
all at once (:mod:`.presence`), and stops as soon as 7 countries are seen.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from hackattic_core import (
    Challenge,
    ChallengeSettings,
    ConfigError,
    Context,
    Problem,
    Solution,
    SolverError,
    is_loopback_host,
)

from .proxies import BadProxy, ProxySpec, parse_proxy

if TYPE_CHECKING:
    from .presence import Tally

TOKEN = re.compile(r"[A-Za-z0-9._-]{1,128}")
PROXY_LIST_PATH = "/_/presence_proxies"
SHOWN_FAILURES = 8


class PresenceProblem(Problem):
    """What ``GET /challenges/a_global_presence/problem`` returns."""

    presence_token: str

    @field_validator("presence_token")
    @classmethod
    def _token(cls, value: str) -> str:
        if not TOKEN.fullmatch(value):
            raise ValueError("must be a token of letters, digits, '.', '_' and '-'")
        return value


class PresenceSolution(Solution):
    """``{}``: the presence itself is the answer."""


class PresenceSettings(ChallengeSettings):
    """``HACKATTIC_A_GLOBAL_PRESENCE_*``."""

    proxies: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated proxy URLs, each in another country: http://, https://, "
        "socks5:// (user:password@ allowed; never shown).",
    )
    max_proxies: int = Field(default=200, ge=1, le=10_000, description="Most proxies used.")
    countries: int = Field(
        default=7, ge=1, le=300, description="Countries to reach before submitting."
    )
    direct: bool = Field(
        default=True, description="Also request directly (your own country counts too)."
    )
    proxy_timeout: float = Field(
        default=10.0,
        gt=0,
        le=300,
        allow_inf_nan=False,
        description="Seconds for each request through a proxy (hackattic allows 30 s in all).",
    )
    max_answer_bytes: int = Field(
        default=16 * 1024, ge=256, le=1024 * 1024, description="Largest presence answer read."
    )
    discover_local_proxies: bool = Field(
        default=True,
        description="With no PROXIES and a base URL on loopback (a sandbox), use the proxies "
        "it lists at /_/presence_proxies.",
    )

    @field_validator("proxies", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("proxies")
    @classmethod
    def _valid(cls, value: list[SecretStr]) -> list[SecretStr]:
        for position, item in enumerate(value, 1):
            parse_proxy(item.get_secret_value(), position)  # BadProxy names only its position
        return value

    @model_validator(mode="after")
    def _bounded(self) -> PresenceSettings:
        if len(self.proxies) > self.max_proxies:
            raise ValueError(
                f"{len(self.proxies)} proxies given, more than MAX_PROXIES ({self.max_proxies})"
            )
        return self

    def proxy_specs(self) -> list[ProxySpec]:
        return [parse_proxy(p.get_secret_value(), i) for i, p in enumerate(self.proxies, 1)]


class PresenceChallenge(Challenge[PresenceProblem, PresenceSolution, PresenceSettings]):
    name = "a_global_presence"
    title = "A global presence: be seen from 7 countries within 30 s, through your proxies"
    problem_model = PresenceProblem
    solution_model = PresenceSolution
    settings_model = PresenceSettings
    emulation_class = "hackattic_a_global_presence.emulation:PresenceEmulation"

    async def solve(
        self, problem: PresenceProblem, context: Context[PresenceSettings]
    ) -> PresenceSolution:
        from .presence import gather_presence  # here: `hackattic list` loads no HTTP stack

        settings = context.plugin_settings
        base_url = context.settings.base_url
        proxies = settings.proxy_specs() or await self._local_proxies(context)
        url = f"{base_url}/_/presence/{problem.presence_token}"

        async def direct(target: str) -> tuple[int, bytes]:
            # The core's client: bounded answers, the environment's proxy if any (off loopback).
            response = await context.http.get(target, headers={"Accept-Encoding": "identity"})
            return response.status_code, response.content[: settings.max_answer_bytes + 1]

        logged: list[str] = []

        def report(tally: Tally) -> None:
            failed = ""
            for label, why in tally.failures[len(logged) :]:
                logged.append(label)
                context.logger.info("presence via %s failed: %s", label, why)
            if tally.failures:
                label, why = tally.failures[-1]
                failed = f"; {len(tally.failures)} failed (last: {label}: {why})"
            context.progress.update(
                f"countries {len(tally.countries)}/{tally.needed}: {tally.summary()}{failed}",
                completed=min(len(tally.countries), tally.needed),
                total=tally.needed,
            )

        tally = await gather_presence(
            url,
            proxies,
            needed=settings.countries,
            seconds=settings.proxy_timeout,
            max_bytes=settings.max_answer_bytes,
            direct=direct if settings.direct else None,
            on_change=report,
        )
        failures = _failures(tally)
        if not tally.enough:
            raise SolverError(
                f"reached {len(tally.countries)} of {tally.needed} countries "
                f"({tally.summary()}) through {len(proxies)} proxies{failures}"
            )
        context.progress.done(
            f"seen from {len(tally.countries)} countries: {tally.summary()}{failures}"
        )
        return PresenceSolution()

    async def _local_proxies(self, context: Context[PresenceSettings]) -> list[ProxySpec]:
        """The proxies a server on this machine lists, when the user configured none.

        Only for a base URL on loopback: such a server was started by the user on this
        machine (the sandbox), and so are the proxies it lists (each must be on loopback
        too). Against any other server the proxies come from the setting.
        """
        import httpx

        settings = context.plugin_settings
        missing = (
            "no proxies: set HACKATTIC_A_GLOBAL_PRESENCE_PROXIES to comma-separated proxy URLs "
            f"in {settings.countries - int(settings.direct)} or more other countries "
            "(http://, https://, socks5://)"
        )
        host = httpx.URL(context.settings.base_url).host
        if not settings.discover_local_proxies or not is_loopback_host(host):
            raise ConfigError(missing)
        try:
            response = await context.http.get(context.settings.base_url + PROXY_LIST_PATH)
            listed = response.json()["proxies"] if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            listed = None
        if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
            raise ConfigError(f"{missing} (this server lists none at {PROXY_LIST_PATH})")
        specs: list[ProxySpec] = []
        for position, item in enumerate(listed[: settings.max_proxies], 1):
            try:
                spec = parse_proxy(item, position)
            except BadProxy as exc:
                context.logger.warning("ignoring a listed proxy: %s", exc)
                continue
            if spec.on_loopback:
                specs.append(spec)
        context.progress.done(f"using the {len(specs)} proxies this sandbox lists")
        return specs


def _failures(tally: Tally) -> str:
    if not tally.failures:
        return ""
    shown = "; ".join(f"{label}: {why}" for label, why in tally.failures[:SHOWN_FAILURES])
    more = len(tally.failures) - SHOWN_FAILURES
    return f"; {len(tally.failures)} failed: {shown}" + (f"; and {more} more" if more > 0 else "")

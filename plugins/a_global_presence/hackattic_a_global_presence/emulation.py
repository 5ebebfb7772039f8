"""The offline sandbox's stand-in for a_global_presence: hackattic's side, with real proxies.

``GET /_/presence/<presence_token>`` records the country of the client's address
(:mod:`.geo`: a fixed map of loopback addresses) and answers the countries seen so far,
comma-separated, as hackattic does. To give a solver somewhere to come from, the emulation
runs its own proxies (:mod:`.relay`: HTTP and SOCKS5, on loopback, each connecting out
from its own address, relaying only to the sandbox) and lists them at
``GET /_/presence_proxies`` (``{"proxies": [url, …]}``): the solver reads that list only
when no proxies are configured and the base URL is on loopback (see the README). ``check``
passes when at least ``countries_needed`` countries were seen within ``window_seconds``
(× the time scale) of the problem.
"""

from __future__ import annotations

import string
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from hackattic_core import Emulation, EmulationConditions, Issued

from .geo import COUNTRIES, SOURCES, country_of
from .relay import Behaviour, Kind, Proxy, Target, closed_port_url

MAX_OUTSTANDING = 64
ALPHABET = string.ascii_lowercase + string.digits


class PresenceConditions(EmulationConditions):
    """``-o KEY=VALUE`` or ``HACKATTIC_SANDBOX_A_GLOBAL_PRESENCE_<KEY>``."""

    proxies: int = Field(
        default=8,
        ge=0,
        le=len(COUNTRIES) - 2,
        description="Working proxies, each in a country of its own (direct requests add "
        "the home country).",
    )
    socks_every: int = Field(
        default=3, ge=0, le=100, description="Every n-th proxy speaks SOCKS5 (0: none do)."
    )
    countries_needed: int = Field(
        default=7, ge=1, le=len(COUNTRIES) + 1, description="Countries a solution needs."
    )
    window_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Seconds after the problem within which they count (× the time scale).",
    )
    slow_proxy_seconds: float = Field(
        default=8.0,
        ge=0,
        le=600,
        allow_inf_nan=False,
        description="How long the slow proxy waits before relaying (× the time scale).",
    )


@dataclass
class PresenceState:
    """One presence token: when it was issued, and when each country was first seen."""

    token: str
    issued_at: float = field(default_factory=time.monotonic)
    seen: dict[str, float] = field(default_factory=dict)


class PresenceEmulation(Emulation[PresenceConditions, PresenceState]):
    conditions_model = PresenceConditions
    faults: ClassVar[dict[str, str]] = {
        "dead_proxies": "fault_count more proxies are listed that are not there "
        "(connection refused)",
        "slow_proxy": "one more proxy waits slow_proxy_seconds before relaying",
        "error_proxy": "one more proxy answers 502 Bad Gateway to every request",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._proxies: list[Proxy] = []
        self._listed: list[str] = []
        self._tokens: OrderedDict[str, PresenceState] = OrderedDict()
        self.requests = 0

    async def start(self) -> None:
        c: PresenceConditions = self.env.conditions
        base = urlsplit(self.env.downloads.base_url)
        target = Target(base.hostname or "127.0.0.1", base.port or 80)
        plan: list[tuple[Behaviour, float]] = []
        if self.env.has_fault("slow_proxy"):
            plan.append(("slow", c.slow_proxy_seconds * self.env.time_scale))
        if self.env.has_fault("error_proxy"):
            plan.append(("error", 0.0))
        plan += [("ok", 0.0)] * c.proxies
        listed: list[str] = []
        if self.env.has_fault("dead_proxies"):
            listed += [closed_port_url() for _ in range(self.env.fault_count)]
        try:
            for index, (behaviour, delay) in enumerate(plan):
                socks = c.socks_every > 0 and index % c.socks_every == c.socks_every - 1
                kind: Kind = "socks5" if socks else "http"
                proxy = Proxy(kind, SOURCES[index], behaviour, delay, target)
                await proxy.start()
                self._proxies.append(proxy)
                listed.append(proxy.url)
        except BaseException:
            await self.stop()
            raise
        self._listed = listed

    async def stop(self) -> None:
        proxies, self._proxies = self._proxies, []
        for proxy in proxies:
            await proxy.stop()

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/_/presence/{token}", self._presence, methods=["GET"]),
            Route("/_/presence_proxies", self._proxy_list, methods=["GET"]),
        ]

    def stats(self) -> dict[str, Any]:
        return {
            "presence_requests": self.requests,
            "proxies": len(self._listed),
            "relayed": {proxy.url: proxy.relayed for proxy in self._proxies},
        }

    async def new_problem(self) -> Issued[PresenceState]:
        rng = self.env.rng
        token = "".join(rng.choice(ALPHABET) for _ in range(24))
        state = PresenceState(token)
        self._tokens[token] = state
        while len(self._tokens) > MAX_OUTSTANDING:
            self._tokens.popitem(last=False)
        return Issued(problem={"presence_token": token}, state=state)

    async def check(self, issued: Issued[PresenceState], solution: dict[str, Any]) -> str | None:
        c: PresenceConditions = self.env.conditions
        state = issued.state
        window = c.window_seconds * self.env.time_scale
        in_time = [k for k, at in state.seen.items() if at - state.issued_at <= window]
        if len(in_time) >= c.countries_needed:
            return None
        late = len(state.seen) - len(in_time)
        return (
            f"seen from {len(in_time)} countries within {c.window_seconds:g} s "
            f"({','.join(in_time) or 'none'}), {c.countries_needed} needed"
            + (f"; {late} more came later" if late else "")
        )

    async def _presence(self, request: Request) -> Response:
        state = self._tokens.get(str(request.path_params["token"]))
        if state is None:
            return PlainTextResponse("unknown presence token", 404)
        self.requests += 1
        country = country_of(request.client.host if request.client else None)
        state.seen.setdefault(country, time.monotonic())
        return PlainTextResponse(",".join(state.seen))

    async def _proxy_list(self, request: Request) -> Response:
        return JSONResponse({"proxies": self._listed})

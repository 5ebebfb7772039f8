"""Being seen from many countries: one presence request per proxy, all at once.

Each proxy gets its own :class:`httpx.AsyncClient` with that proxy set explicitly (the
core's client never proxies loopback, and takes only the environment's proxies), a time
limit for the whole request, and an answer read up to a few KiB. Every answer lists the
countries hackattic has seen so far; as soon as ``needed`` of them are seen, the rest are
cancelled. One proxy's failure (refused, timed out, an error status, garbage) is recorded
with its reason and never stops the others.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from .proxies import ProxySpec

COUNTRY = re.compile(r"[A-Z]{2}")
MAX_COUNTRIES = 300

Fetch = Callable[[str], Awaitable[tuple[int, bytes]]]
"""Fetches a URL directly: its status and (bounded) body."""


class BadAnswer(Exception):
    pass


@dataclass
class Tally:
    """What the requests found so far."""

    needed: int
    countries: dict[str, None] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)
    answered: int = 0

    @property
    def enough(self) -> bool:
        return len(self.countries) >= self.needed

    def summary(self) -> str:
        return ",".join(self.countries) or "none"


def parse_countries(body: bytes) -> list[str]:
    """The country codes of a presence answer (``PL,NL,DE``); :class:`BadAnswer` if it is
    not such a list."""
    text = body.decode("utf-8", "replace").strip()
    items = [item.strip().upper() for item in text.split(",") if item.strip()]
    if not items or len(items) > MAX_COUNTRIES or not all(COUNTRY.fullmatch(i) for i in items):
        raise BadAnswer(f"the answer is not a list of country codes: {text[:60]!r}")
    return items


async def fetch_via(
    proxy: ProxySpec, url: str, *, seconds: float, max_bytes: int, tls: ssl.SSLContext
) -> tuple[int, bytes]:
    """GET ``url`` through ``proxy`` only: its status and at most ``max_bytes`` of body."""
    async with (
        httpx.AsyncClient(
            proxy=proxy.url, trust_env=False, timeout=seconds, follow_redirects=False, verify=tls
        ) as client,
        client.stream("GET", url, headers={"Accept-Encoding": "identity"}) as response,
    ):
        body = bytearray()
        async for chunk in response.aiter_raw():
            body += chunk
            if len(body) > max_bytes:
                raise BadAnswer(f"the answer is larger than {max_bytes} bytes")
        return response.status_code, bytes(body)


def reason(exc: BaseException, seconds: float) -> str:
    """A short reason for a failed request."""
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return f"no answer within {seconds:g} s"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc or 'refused'})"
    if isinstance(exc, httpx.ProxyError):
        return f"the proxy refused ({exc})"
    if isinstance(exc, BadAnswer):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


async def gather_presence(
    url: str,
    proxies: list[ProxySpec],
    *,
    needed: int,
    seconds: float,
    max_bytes: int,
    direct: Fetch | None,
    on_change: Callable[[Tally], None],
) -> Tally:
    """Request ``url`` directly (if ``direct``) and through every proxy at once, until
    ``needed`` countries are seen or every request has ended."""
    tally = Tally(needed)

    async def one(
        label: str, fetch: Callable[[], Awaitable[tuple[int, bytes]]], mask: Callable[[str], str]
    ) -> None:
        try:
            status, body = await asyncio.wait_for(fetch(), seconds)
            if status != 200:
                raise BadAnswer(f"HTTP {status}")
            countries = parse_countries(body)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one proxy failing, whatever the way, is only recorded
            tally.failures.append((label, mask(reason(exc, seconds))))
        else:
            tally.answered += 1
            tally.countries.update(dict.fromkeys(countries))
        on_change(tally)

    jobs: list[Awaitable[None]] = []
    if direct is not None:
        jobs.append(one("direct", lambda: direct(url), str))

    # One TLS context for all: building one per client costs ~40 ms of the event loop each
    # (the certificates loaded anew), seconds for a long proxy list.
    tls = httpx.create_ssl_context()

    def through(proxy: ProxySpec) -> Callable[[], Awaitable[tuple[int, bytes]]]:
        return lambda: fetch_via(proxy, url, seconds=seconds, max_bytes=max_bytes, tls=tls)

    jobs += [one(proxy.shown, through(proxy), proxy.mask) for proxy in proxies]
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        for finished in asyncio.as_completed(tasks):
            await finished
            if tally.enough:
                break
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return tally

"""One-time downloads: what a problem's ``*_url`` points to (an image, a sound, a ZIP).

hackattic's download links work once and expire; an emulation publishes bytes here and puts
the returned URL in its problem. A link is gone after one successful fetch, and after
``expires_after`` seconds (times the sandbox's time scale) when given: a solver that
fetches twice, or too late, sees a 404 as it would from hackattic.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DOWNLOADS_PATH = "/_/downloads"
MAX_KEPT = 256
"""Links kept at once: the oldest unfetched ones are dropped past it (bounded memory)."""


@dataclass
class _Published:
    data: bytes
    media_type: str
    expires_at: float | None


@dataclass
class Downloads:
    """The sandbox's one-time download links. ``base_url`` is set when the server binds."""

    time_scale: float = 1.0
    base_url: str = ""
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _published: dict[str, _Published] = field(default_factory=dict, repr=False)
    fetched: int = 0
    """Links fetched so far (the ``/_/stats`` of an emulation can report it)."""
    refused: int = 0
    """Fetches refused: unknown, already fetched, or expired."""

    def _now(self) -> float:
        return self.clock()

    def publish(
        self,
        data: bytes,
        media_type: str,
        *,
        name: str = "download",
        expires_after: float | None = None,
    ) -> str:
        """A URL serving ``data`` once; with ``expires_after``, only within that many
        seconds (scaled by the sandbox's time scale)."""
        if not self.base_url:
            raise RuntimeError("the sandbox has not bound its port yet: publish in new_problem")
        while len(self._published) >= MAX_KEPT:
            del self._published[next(iter(self._published))]
        key = secrets.token_urlsafe(16)
        expires_at = None
        if expires_after is not None:
            expires_at = self._now() + expires_after * self.time_scale
        self._published[key] = _Published(data, media_type, expires_at)
        return f"{self.base_url}{DOWNLOADS_PATH}/{key}/{quote(name, safe='')}"

    def take(self, key: str) -> _Published | None:
        """The published bytes, removed (one fetch only); None if unknown or expired."""
        published = self._published.pop(key, None)
        if published is None or (
            published.expires_at is not None and self._now() > published.expires_at
        ):
            self.refused += 1
            return None
        self.fetched += 1
        return published

    def routes(self) -> list[Route]:
        """``GET /_/downloads/<key>/<name>``."""

        async def download(request: Request) -> Response:
            published = self.take(str(request.path_params["key"]))
            if published is None:
                return JSONResponse(
                    {"error": "no such download: links work once and may expire"}, 404
                )
            return Response(published.data, media_type=published.media_type)

        return [Route(DOWNLOADS_PATH + "/{key}/{name}", download, methods=["GET"])]

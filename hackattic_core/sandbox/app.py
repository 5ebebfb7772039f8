"""The sandbox's Starlette app: hackattic's HTTP API over the installed emulations.

Routes:

- ``GET /challenges/<slug>/problem?access_token=…``: a fresh problem;
- ``POST /challenges/<slug>/solve?access_token=…[&playground=1]``: the service's three kinds of
  answer (``result`` / ``rejected`` / ``message`` + ``hint``);
- ``GET /_/stats?access_token=…``: each emulation's stats, request counts and faults injected;
- ``GET /_/downloads/<key>/<name>``: one-time downloads the emulations publish;
- every route the emulations add (a WebSocket, a trigger).

Errors are JSON ``{"error": "…"}``. The access token is never logged.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hackattic_core.errors import guard_plugin
from hackattic_core.redaction import register_secret
from hackattic_core.sandbox import TIME_SCALE_HEADER
from hackattic_core.sandbox.conditions import SandboxConditions
from hackattic_core.sandbox.emulation import AnyEmulation, Issued
from hackattic_core.sandbox.faults import (
    FaultInjector,
    FaultState,
    forced_rejection,
    problem_response,
)

logger = logging.getLogger("hackattic.sandbox")

MAX_REQUEST_BODY = 64 * 1024
"""Largest solve body accepted (413 beyond)."""

STATS_PATH = "/_/stats"
NO_ANSWER = "no answer"
"""The status ``/_/stats`` counts for a request that got no answer (a reset connection)."""


@dataclass
class SandboxState:
    """Everything the app remembers; ``app.state.sandbox`` (see :func:`sandbox_state`)."""

    conditions: SandboxConditions
    access_token: str = field(repr=False)
    emulations: dict[str, AnyEmulation]
    faults: FaultState
    issued: dict[tuple[str, str], Issued[Any]] = field(default_factory=dict, repr=False)
    """The last problem issued per (access token, slug)."""
    solved: set[tuple[str, str]] = field(default_factory=set, repr=False)
    """(access token, slug) pairs that passed outside the playground."""
    requests: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """HTTP answers per route (``GET /challenges/echo/problem``) and status."""

    def stats(self) -> dict[str, Any]:
        """The body of ``GET /_/stats``."""
        return {
            "challenges": {slug: em.stats() for slug, em in sorted(self.emulations.items())},
            "http": {
                "total": sum(sum(counts.values()) for counts in self.requests.values()),
                "requests": {route: dict(counts) for route, counts in self.requests.items()},
            },
            "faults": dict(self.faults.injected),
            "conditions": self.conditions.model_dump(mode="json"),
            "emulation_conditions": {
                slug: em.env.conditions.model_dump(mode="json")
                for slug, em in sorted(self.emulations.items())
            },
        }


def sandbox_state(app: Starlette) -> SandboxState:
    """The state of an app made by :func:`build_app`."""
    return cast(SandboxState, app.state.sandbox)


def build_app(
    emulations: Mapping[str, AnyEmulation], conditions: SandboxConditions, access_token: str
) -> Starlette:
    """The sandbox app serving ``emulations`` (see :mod:`~hackattic_core.sandbox.build`)."""
    if not access_token:
        raise ValueError("the sandbox needs a non-empty access token")
    register_secret(access_token)
    state = SandboxState(
        conditions=conditions,
        access_token=access_token,
        emulations=dict(emulations),
        faults=FaultState(conditions),
    )
    api = _Api(state)
    routes: list[BaseRoute] = [
        Route("/challenges/{slug}/problem", api.problem, methods=["GET"]),
        Route("/challenges/{slug}/solve", api.solve, methods=["POST"]),
        Route(STATS_PATH, api.stats, methods=["GET"]),
    ]
    downloads = {id(em.env.downloads): em.env.downloads for em in state.emulations.values()}
    for store in downloads.values():
        routes.extend(store.routes())
    for emulation in state.emulations.values():
        routes.extend(emulation.routes())
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestCounter, state=state),
            Middleware(FaultInjector, state=state.faults),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.sandbox = state
    return app


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """A JSON error answer."""
    return JSONResponse({"error": message}, status, headers)


class _Api:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def _token(self, request: Request) -> str | Response:
        given = request.query_params.get("access_token")
        if not given:
            return error(401, "missing access token: add ?access_token=…")
        if not secrets.compare_digest(given.encode(), self.state.access_token.encode()):
            return error(401, "bad access token")
        return given

    def _target(self, request: Request) -> tuple[str, str, AnyEmulation] | Response:
        """The caller's token and the slug's emulation, or the error answer (401, 404)."""
        token = self._token(request)
        if isinstance(token, Response):
            return token
        slug = str(request.path_params["slug"])
        emulation = self.state.emulations.get(slug)
        if emulation is None:
            return error(404, "no such challenge in this sandbox")
        return token, slug, emulation

    async def problem(self, request: Request) -> Response:
        found = self._target(request)
        if isinstance(found, Response):
            return found
        token, slug, emulation = found
        issued = await guard_plugin(emulation.new_problem(), f"{slug}'s emulation")
        self.state.issued[token, slug] = issued
        logger.debug("issued a %s problem", slug)
        response = problem_response(issued.problem, self.state.faults)
        # The one owner of the clock tells solvers how it runs (hackattic.com says nothing).
        response.headers[TIME_SCALE_HEADER] = f"{self.state.conditions.time_scale!r}"
        return response

    async def solve(self, request: Request) -> Response:
        found = self._target(request)
        if isinstance(found, Response):
            return found
        token, slug, emulation = found
        raw = await _read_body(request, MAX_REQUEST_BODY)
        if raw is None:
            return error(413, f"the body is larger than {MAX_REQUEST_BODY} bytes")
        try:
            solution = json.loads(raw)
        except (ValueError, RecursionError):
            return error(400, "the body is not valid JSON")
        if not isinstance(solution, dict):
            return error(400, "the body must be a JSON object")

        playground = request.query_params.get("playground", "") not in ("", "0", "false")
        key = (token, slug)
        if key in self.state.solved and not playground:
            return JSONResponse(
                {
                    "message": f"you have already solved {slug}",
                    "hint": "add &playground=1 to the URL to solve it again "
                    "without affecting the ranking",
                }
            )
        issued = self.state.issued.get(key)
        if issued is None:
            return JSONResponse(
                {"rejected": f"no problem fetched yet: GET /challenges/{slug}/problem first"}
            )
        reason = forced_rejection(self.state.faults)
        if reason is None:
            reason = await guard_plugin(emulation.check(issued, solution), f"{slug}'s check")
        if reason is not None:
            logger.debug("rejected a %s solution: %s", slug, reason)
            return JSONResponse({"rejected": reason})
        if not playground:
            self.state.solved.add(key)
        where = " in the playground" if playground else ""
        logger.debug("a %s solution passed%s", slug, where)
        return JSONResponse({"result": f"passed: {slug} solved{where} (sandbox)"})

    async def stats(self, request: Request) -> Response:
        token = self._token(request)
        if isinstance(token, Response):
            return token
        return JSONResponse(self.state.stats())


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is larger than ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error(exc.status_code, exc.detail, exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    return error(500, "internal sandbox error (see the sandbox's log)")


class RequestCounter:
    """Pure ASGI middleware counting HTTP answers per route and status for ``/_/stats``.

    Routes are labelled ``GET /challenges/<slug>/problem`` and so on for the known ones and
    ``other`` for anything else; a request that got no answer at all (its connection was
    reset, or the client left first) counts as ``no answer``.
    """

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state
        self.known = {STATS_PATH: "GET"}
        for slug in state.emulations:
            self.known[f"/challenges/{slug}/problem"] = "GET"
            self.known[f"/challenges/{slug}/solve"] = "POST"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        route = f"{method} {path}" if self.known.get(path) == method else "other"
        status = NO_ANSWER

        async def counting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = str(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        except Exception:
            if status == NO_ANSWER:
                status = "500"
            raise
        finally:
            self.state.requests[route][status] += 1

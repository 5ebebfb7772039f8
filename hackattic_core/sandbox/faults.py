"""HTTP fault injection: the sandbox misbehaving on purpose (see :class:`Fault`).

*Counted* faults hit the first ``fault_count`` API requests (``/challenges/<slug>/problem``
and ``/challenges/<slug>/solve``, counted together), whatever their answer would have been:

- ``slow``: the answer comes after ``slow_seconds * time_scale``;
- ``reset``: the connection is reset (TCP RST) without any answer;
- ``http_503`` / ``http_502`` / ``http_429``: that status instead of the real answer, with
  ``Retry-After: retry_after`` on 429.

When several are on, a hit request is first delayed (``slow``), then reset, or else answered
with the first status fault switched on in the order 503, 502, 429.

*Problem* faults change every problem body (``malformed_problem``, ``incomplete_problem``,
``huge_body``, see :func:`problem_response`); ``always_reject`` rejects every solve.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from hackattic_core.sandbox.conditions import Fault, SandboxConditions

API_PATH = re.compile(r"/challenges/[^/]+/(?:problem|solve)")
"""The requests counted faults apply to."""

STATUS_FAULTS: tuple[tuple[Fault, int, str], ...] = (
    (Fault.HTTP_503, 503, "service unavailable"),
    (Fault.HTTP_502, 502, "bad gateway"),
    (Fault.HTTP_429, 429, "too many requests"),
)
COUNTED_FAULTS = frozenset({Fault.SLOW, Fault.RESET, *(fault for fault, _, _ in STATUS_FAULTS)})

HUGE_PADDING_BYTES = 20 * 1024 * 1024
"""Size of the junk field ``huge_body`` puts in front of a problem."""
_PADDING_CHUNK = b"x" * 65536

ConnectionAborter = Callable[[Scope], bool]
"""Resets the TCP connection a request came on; False if it cannot find it."""


class FaultState:
    """Which faults are on, how many API requests were seen, and what was injected."""

    def __init__(self, conditions: SandboxConditions) -> None:
        self.conditions = conditions
        self.counted = any(conditions.has(fault) for fault in COUNTED_FAULTS)
        self.api_requests = 0
        self.injected: Counter[str] = Counter()
        """Injections so far, by fault name (reported by ``/_/stats``)."""
        self.abort_connection: ConnectionAborter | None = None
        """Set by the server running the app (``reset`` needs the server's help)."""

    def record(self, fault: Fault) -> None:
        self.injected[fault.value] += 1

    def on(self, fault: Fault) -> bool:
        return self.conditions.has(fault)


class FaultInjector:
    """Pure ASGI middleware applying the counted faults to API requests."""

    def __init__(self, app: ASGIApp, state: FaultState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.state
        if not (scope["type"] == "http" and state.counted and API_PATH.fullmatch(scope["path"])):
            await self.app(scope, receive, send)
            return
        index = state.api_requests
        state.api_requests += 1
        if index >= state.conditions.fault_count:
            await self.app(scope, receive, send)
            return

        conditions = state.conditions
        if state.on(Fault.SLOW):
            state.record(Fault.SLOW)
            await asyncio.sleep(conditions.slow_seconds * conditions.time_scale)
        if state.on(Fault.RESET):
            state.record(Fault.RESET)
            await self._reset(scope, receive, send)
            return
        for fault, status, text in STATUS_FAULTS:
            if state.on(fault):
                state.record(fault)
                headers = {"Retry-After": f"{conditions.retry_after:g}"} if status == 429 else None
                response = JSONResponse(
                    {"error": f"{text} (sandbox fault {fault.value})"}, status, headers
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _reset(self, scope: Scope, receive: Receive, send: Send) -> None:
        abort = self.state.abort_connection
        if abort is None or not abort(scope):
            # Not under serve_sandbox: the nearest thing is an answer cut short.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"1024")],
                }
            )
            await send({"type": "http.response.body", "body": b"{", "more_body": True})
            return
        # Wait for the server to notice, so it does not try to answer on a dead connection.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                while (await receive())["type"] != "http.disconnect":
                    pass


def problem_response(problem: dict[str, Any], state: FaultState) -> Response:
    """The body of ``GET /challenges/<slug>/problem``, spoilt as the problem faults say.

    ``incomplete_problem`` drops the first field; then ``malformed_problem`` cuts the JSON
    text in half (``{"token": "abc``), or ``huge_body`` streams a valid JSON object whose
    first field is ~20 MB of junk (sent chunked, without a Content-Length).
    """
    if state.on(Fault.INCOMPLETE_PROBLEM) and problem:
        state.record(Fault.INCOMPLETE_PROBLEM)
        problem = dict(list(problem.items())[1:])
    text = json.dumps(problem)
    if state.on(Fault.MALFORMED_PROBLEM):
        state.record(Fault.MALFORMED_PROBLEM)
        return Response(text[: len(text) // 2], media_type="application/json")
    if state.on(Fault.HUGE_BODY):
        state.record(Fault.HUGE_BODY)
        return StreamingResponse(_padded(text), media_type="application/json")
    return Response(text, media_type="application/json")


async def _padded(text: str) -> AsyncIterator[bytes]:
    yield b'{"_padding": "'
    for _ in range(HUGE_PADDING_BYTES // len(_PADDING_CHUNK)):
        yield _PADDING_CHUNK
    yield ('", ' + text[1:] if text != "{}" else '"}').encode()


def forced_rejection(state: FaultState) -> str | None:
    """The rejection ``always_reject`` gives, or None when it is off."""
    if not state.on(Fault.ALWAYS_REJECT):
        return None
    state.record(Fault.ALWAYS_REJECT)
    return "that is not it (sandbox fault always_reject: every solution is rejected)"

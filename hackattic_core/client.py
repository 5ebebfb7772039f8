"""The hackattic HTTP API over httpx: fetch a problem, submit a solution, with retries.

Retries (tenacity): exponential backoff with jitter on connection errors, timeouts, 5xx and
429 (honouring ``Retry-After``), bounded in attempts and in total time; never on other 4xx.
A solution is re-sent only when its request certainly did not reach the server (it could not
connect), so the same solution is never submitted twice otherwise. Every httpx error is
translated here, once, into the project's own exceptions, with the token redacted.

Both HTTP clients (the API's and :func:`http_client`'s, for downloads a problem points to)
bound every answer once decoded (:mod:`~hackattic_core.body_limit`), never send loopback
requests through a proxy and tunnel all others (:mod:`~hackattic_core.proxies`), and
ignore httpx's reading of the environment (``trust_env``), which would do neither.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from hackattic_core.body_limit import BoundedBodyTransport
from hackattic_core.errors import HTTPStatusError, ServiceError, TransportError
from hackattic_core.proxies import ProxyRoutingTransport
from hackattic_core.redaction import RedactingFilter, redact, register_secret
from hackattic_core.sandbox import TIME_SCALE_HEADER
from hackattic_core.settings import Settings, is_loopback_host

logger = logging.getLogger("hackattic.client")

SubmitStatus = Literal["passed", "rejected", "already_solved"]
MAX_TIME_SCALE = 1000.0
"""Largest time scale taken from a sandbox (a slowed-down sandbox is 10, say)."""
MAX_JSON_DEPTH = 100
"""Deepest nesting accepted in an answer: hackattic's go a few levels deep, and deeper
structures would exhaust the recursion of whatever walks them (repr, validation)."""


@dataclass(frozen=True)
class SubmitOutcome:
    """What the service said of a solution."""

    status: SubmitStatus
    message: str
    hint: str | None = None
    body: dict[str, Any] = field(default_factory=dict)


class _RetryableStatus(Exception):
    """A 5xx or 429 answer: worth another try, perhaps after ``retry_after`` seconds."""

    def __init__(self, response: httpx.Response, body: str, retry_after: float | None) -> None:
        super().__init__(f"{response.status_code} {response.reason_phrase}")
        self.response = response
        self.body = body
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def describe_transport_error(exc: httpx.TransportError) -> str:
    """A one-line, token-free description of a transport failure."""
    kind = {
        httpx.ConnectError: "could not connect",
        httpx.ConnectTimeout: "timed out connecting",
        httpx.ReadTimeout: "timed out waiting for the answer",
        httpx.WriteTimeout: "timed out sending the request",
        httpx.PoolTimeout: "timed out waiting for a connection",
        httpx.RemoteProtocolError: "the connection was closed unexpectedly",
        httpx.ReadError: "the connection failed while reading",
        httpx.WriteError: "the connection failed while writing",
    }.get(type(exc), "network error")
    detail = redact(str(exc)) if str(exc) else type(exc).__name__
    return f"{kind} ({detail})"


def http_client(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None, **options: Any
) -> httpx.AsyncClient:
    """An httpx client whose answers are bounded once decoded (``MAX_BODY_BYTES``) and whose
    proxies follow :mod:`~hackattic_core.proxies`; ``transport`` replaces the network (tests).
    """
    # trust_env=True on the transport keeps SSL_CERT_FILE/SSL_CERT_DIR; on the client it
    # would mount the environment's proxies (loopback included) and read .netrc.
    inner = transport or ProxyRoutingTransport(trust_env=True)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.http_timeout),
        transport=BoundedBodyTransport(inner, settings.max_body_bytes),
        trust_env=False,
        **options,
    )


def may_have_arrived(exc: BaseException) -> bool:
    """Whether a request that failed with ``exc`` may have been taken by the service: not
    when the connection was never made, nor when it answered with an error status."""
    if isinstance(exc, HTTPStatusError):
        return False
    if isinstance(exc, TransportError):
        return exc.may_have_arrived
    return True


def install_httpx_redaction() -> None:
    """Redact httpx's own request log lines (they carry the URL) for every handler."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactingFilter) for f in httpx_logger.filters):
        httpx_logger.addFilter(RedactingFilter())


class HackatticClient:
    """The hackattic HTTP API. Use as ``async with HackatticClient(settings) as client``."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.settings = settings
        self._token = settings.require_token()
        register_secret(self._token)
        install_httpx_redaction()
        self._http = http_client(
            settings,
            transport=transport,
            base_url=settings.base_url,
            headers={"Content-Type": "application/json", "User-Agent": "hackattic-cli"},
            follow_redirects=False,
        )
        self._sleep = sleep
        self._honour_time_scale = is_loopback_host(urlsplit(settings.base_url).hostname or "")
        self.retries = 0
        """Retries made so far (for the run's result)."""
        self.time_scale = 1.0
        """The server's clock scale, as a loopback sandbox announces it with each problem
        (:data:`~hackattic_core.sandbox.TIME_SCALE_HEADER`); 1.0 for hackattic.com."""

    async def __aenter__(self) -> HackatticClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_problem(self, slug: str) -> dict[str, Any]:
        """Fetch a fresh problem for ``slug`` (every call issues a new one)."""
        body = await self._request("GET", f"/challenges/{slug}/problem", may_resend=True)
        return self._json_object(body, what="problem")

    async def submit(
        self, slug: str, solution: dict[str, Any], *, playground: bool = False
    ) -> SubmitOutcome:
        """Post ``solution``; retried only when the request certainly never left."""
        params = {"playground": "1"} if playground else {}
        body = await self._request(
            "POST",
            f"/challenges/{slug}/solve",
            params=params,
            content=json.dumps(solution, allow_nan=False).encode(),  # RFC 8259: no NaN
            may_resend=False,
        )
        return interpret_solve_answer(self._json_object(body, what="solve answer"))

    # -- internals -------------------------------------------------------------------------

    def _json_object(self, body: bytes, *, what: str) -> dict[str, Any]:
        problem: str | None = None
        value: Any = None
        try:
            value = json.loads(body)
        except json.JSONDecodeError as exc:
            problem = f"the {what} is not valid JSON ({exc.msg} at position {exc.pos})"
        except UnicodeDecodeError:
            problem = f"the {what} is not valid UTF-8 text"
        except RecursionError:
            problem = f"the {what} is nested too deeply to read"
        except ValueError as exc:  # e.g. an integer beyond Python's 4,300-digit limit
            problem = f"the {what} holds a value that cannot be read ({str(exc)[:120]})"
        else:
            if not isinstance(value, dict):
                problem = f"the {what} is not a JSON object but {type(value).__name__}"
            elif json_depth(value) > MAX_JSON_DEPTH:
                problem = f"the {what} is nested more than {MAX_JSON_DEPTH} levels deep"
        if problem is not None:
            # What the service sent is what a user needs to see to understand (with -v).
            logger.info("%s body: %s", what, redact(body[:2000].decode(errors="replace")))
            raise ServiceError(problem + " (run with -v to see it)")
        return cast(dict[str, Any], value)

    def _should_retry(self, may_resend: bool) -> Callable[[BaseException], bool]:
        def check(exc: BaseException) -> bool:
            if may_resend:
                return isinstance(exc, _RetryableStatus | httpx.TransportError)
            # Only a failed connect proves the server never saw the solution.
            return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)

        return check

    def _wait(self) -> Callable[[RetryCallState], float]:
        backoff = wait_exponential_jitter(
            multiplier=self.settings.retry_backoff,
            max=self.settings.retry_backoff_max,
            jitter=self.settings.retry_backoff,
        )

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _RetryableStatus) and exc.retry_after is not None:
                return exc.retry_after
            return float(backoff(state))

        return wait

    def _log_retry(self, method: str, path: str) -> Callable[[RetryCallState], None]:
        def log(state: RetryCallState) -> None:
            self.retries += 1
            exc = state.outcome.exception() if state.outcome else None
            reason = (
                describe_transport_error(exc) if isinstance(exc, httpx.TransportError) else str(exc)
            )
            wait = state.next_action.sleep if state.next_action else 0.0
            logger.warning(
                "retry %d/%d of %s %s: %s; waiting %.1fs",
                state.attempt_number,
                self.settings.retry_attempts - 1,
                method,
                path,
                reason,
                wait,
            )

        return log

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        may_resend: bool,
    ) -> bytes:
        retrying = AsyncRetrying(
            retry=retry_if_exception(self._should_retry(may_resend)),
            stop=stop_after_attempt(self.settings.retry_attempts)
            | stop_before_delay(self.settings.retry_total),
            wait=self._wait(),
            before_sleep=self._log_retry(method, path),
            reraise=True,
            sleep=self._sleep or asyncio.sleep,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._send_once(method, path, params=params, content=content)
        except _RetryableStatus as exc:
            raise self._status_error(exc.response, exc.body) from None
        except httpx.TransportError as exc:
            host = urlsplit(self.settings.base_url).netloc
            raise TransportError(
                f"{method} {path} on {host} failed: {describe_transport_error(exc)}",
                may_have_arrived=not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout),
            ) from None
        except httpx.HTTPError as exc:  # decoding errors and the like: still the service's fault
            raise ServiceError(
                f"{method} {path} failed: {redact(str(exc)) or type(exc).__name__}"
            ) from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    async def _send_once(
        self, method: str, path: str, *, params: dict[str, str] | None, content: bytes | None
    ) -> bytes:
        query = {"access_token": self._token, **(params or {})}
        request = self._http.build_request(method, path, params=query, content=content)
        response = await self._http.send(request, stream=True)
        try:
            # The transport bounds the body once decoded (HACKATTIC_MAX_BODY_BYTES).
            body = await response.aread()
        finally:
            await response.aclose()
        if response.status_code == 429 or response.status_code >= 500:
            raise _RetryableStatus(
                response,
                body.decode(errors="replace"),
                parse_retry_after(response.headers.get("Retry-After")),
            )
        if not response.is_success:
            raise self._status_error(response, body.decode(errors="replace"))
        self._note_time_scale(response.headers.get(TIME_SCALE_HEADER))
        return body

    def _note_time_scale(self, announced: str | None) -> None:
        """Take a sandbox's time scale; only a loopback server's, and only a sane value."""
        if announced is None or not self._honour_time_scale:
            return
        try:
            scale = float(announced)
        except ValueError:
            return
        if math.isfinite(scale) and 0 < scale <= MAX_TIME_SCALE:
            self.time_scale = scale

    def _status_error(self, response: httpx.Response, body: str) -> HTTPStatusError:
        snippet = redact(" ".join(body.split()))[:300]
        return HTTPStatusError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} {response.reason_phrase}"
            + (f": {snippet}" if snippet else ""),
            status_code=response.status_code,
            body=redact(body),
        )


def json_depth(value: Any) -> int:
    """How deeply ``value`` (parsed JSON) nests lists and objects, walked without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return deepest


def interpret_solve_answer(body: dict[str, Any]) -> SubmitOutcome:
    """Read the three kinds of solve answer hackattic gives."""
    if "rejected" in body:
        return SubmitOutcome("rejected", str(body["rejected"]), body=body)
    if "result" in body:
        text = str(body["result"])
        return SubmitOutcome("passed" if "passed" in text.lower() else "rejected", text, body=body)
    if "message" in body and "hint" in body:
        return SubmitOutcome("already_solved", str(body["message"]), str(body["hint"]), body=body)
    raise ServiceError(f"unexpected solve answer: {redact(json.dumps(body))[:300]}")

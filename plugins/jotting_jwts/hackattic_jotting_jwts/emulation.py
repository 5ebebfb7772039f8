"""The offline sandbox's stand-in for jotting_jwts: it plays hackattic's side of the exchange.

A problem is a random secret. On the solve request the emulation, like hackattic, posts a
sequence of tokens to the ``app_url`` with a real HTTP client (httpx), one request at a
time, raw bodies without a Content-Type: valid HS256 tokens with an ``append`` claim (some
with an ``exp`` ahead or an ``nbf`` behind), tokens signed with another secret (hackattic
sends those for sure), whatever the faults add, and last a valid token without
``append``, whose answer must be ``{"solution": "<the valid appends, in order>"}``.
Answers to the other tokens are ignored, as hackattic does. The ``app_url`` must come
within ``deadline_seconds`` of the problem (hackattic: 5 s), and is posted to only if it
is on loopback unless ``allow_remote``: the sandbox sends nothing beyond this machine.
"""

from __future__ import annotations

import ipaddress
import json
import string
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
from pydantic import Field

from hackattic_core import Emulation, EmulationConditions, Issued

from .forge import encode

MAX_ANSWER_BYTES = 1024 * 1024
HUGE_BODY_BYTES = 1024 * 1024


class JottingJwtsConditions(EmulationConditions):
    """``-o KEY=VALUE`` or ``HACKATTIC_SANDBOX_JOTTING_JWTS_<KEY>``."""

    tokens: int = Field(default=8, ge=0, le=10_000, description="Valid tokens carrying 'append'.")
    bad_signatures: int = Field(
        default=2, ge=0, le=10_000, description="Tokens signed with another secret."
    )
    deadline_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="How long after the problem the app_url may arrive (× the time scale).",
    )
    request_timeout: float = Field(
        default=10.0, gt=0, le=600, allow_inf_nan=False, description="Seconds for each POST."
    )
    allow_remote: bool = Field(
        default=False, description="Post to an app_url off loopback (default: refuse)."
    )


@dataclass(frozen=True)
class Planned:
    """One post of the exchange: its kind, and for a valid token its ``append``."""

    kind: str
    append: str | None = None


@dataclass
class JwtState:
    secret: str
    plan: list[Planned]
    expected: str
    issued_at: float = field(default_factory=time.monotonic)


FAULT_KINDS = {
    "expired": "tokens whose exp is an hour past",
    "future_nbf": "tokens whose nbf is an hour ahead",
    "alg_none": "unsigned tokens (alg: none)",
    "other_alg": "tokens signed with HS512 under the right secret",
    "garbage": "bodies that are not JWTs",
    "oversized_token": "a 1 MiB body (the app must refuse it and go on)",
}

_ALPHABET = string.ascii_letters + string.digits


class JottingJwtsEmulation(Emulation[JottingJwtsConditions, JwtState]):
    conditions_model = JottingJwtsConditions
    faults: ClassVar[dict[str, str]] = {name: f"adds {text}" for name, text in FAULT_KINDS.items()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.posted = 0
        self.exchanges = 0

    async def new_problem(self) -> Issued[JwtState]:
        rng = self.env.rng
        c: JottingJwtsConditions = self.env.conditions
        secret = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(16, 32)))
        plan = [
            Planned(rng.choice(["plain", "exp_ahead", "nbf_behind"]), self._word())
            for _ in range(c.tokens)
        ]
        plan += [Planned("bad_signature", self._word()) for _ in range(c.bad_signatures)]
        for fault in FAULT_KINDS:
            if self.env.has_fault(fault):
                count = 1 if fault == "oversized_token" else self.env.fault_count
                plan += [Planned(fault, self._word()) for _ in range(count)]
        rng.shuffle(plan)
        expected = "".join(p.append or "" for p in plan if p.kind in VALID_KINDS)
        return Issued(
            problem={"jwt_secret": secret},
            state=JwtState(secret=secret, plan=[*plan, Planned("final")], expected=expected),
        )

    async def check(self, issued: Issued[JwtState], solution: dict[str, Any]) -> str | None:
        state = issued.state
        c: JottingJwtsConditions = self.env.conditions
        elapsed = time.monotonic() - state.issued_at
        if elapsed > c.deadline_seconds * self.env.time_scale:
            return (
                f"app_url arrived {elapsed:.1f} s after the problem, "
                f"later than {c.deadline_seconds:g} s"
            )
        url = solution.get("app_url")
        refusal = self._refuse_url(url)
        if refusal is not None:
            return refusal
        assert isinstance(url, str)
        self.exchanges += 1
        key = state.secret.encode()
        *tokens, final = state.plan
        async with httpx.AsyncClient(
            timeout=c.request_timeout, trust_env=False, follow_redirects=False
        ) as client:
            for planned in tokens:
                try:
                    await _post(client, url, self._body(planned, key))  # answers are ignored
                except httpx.HTTPError as exc:
                    if planned.kind == "oversized_token":
                        continue  # closing on a body too large is a fine answer
                    return f"app_url {url}: {type(exc).__name__}: {exc}"
                self.posted += 1
            try:
                status, answer = await _post(client, url, self._body(final, key))
            except httpx.HTTPError as exc:
                return f"app_url {url}, the final token: {type(exc).__name__}: {exc}"
            self.posted += 1
        return _judge_final(status, answer, state.expected)

    def stats(self) -> dict[str, Any]:
        return {"exchanges": self.exchanges, "tokens_posted": self.posted}

    def _word(self) -> str:
        rng = self.env.rng
        return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(3, 12)))

    def _refuse_url(self, url: object) -> str | None:
        if not isinstance(url, str) or not url:
            return "missing field 'app_url' (a string)"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"app_url {url!r} is not an http(s) URL"
        if self.env.conditions.allow_remote:
            return None
        try:
            loopback = ipaddress.ip_address(parts.hostname).is_loopback
        except ValueError:
            loopback = parts.hostname == "localhost"
        if not loopback:
            return (
                f"app_url {url!r} is not on loopback: the sandbox posts only to this machine "
                "(-o allow_remote=true to allow it)"
            )
        return None

    def _body(self, planned: Planned, secret: bytes) -> bytes:
        now = int(time.time())
        claims: dict[str, Any] = {"append": planned.append}
        kind = planned.kind
        if kind == "final":
            return encode({"iat": now}, secret).encode()
        if kind == "exp_ahead":
            claims["exp"] = now + 3600
        elif kind == "nbf_behind":
            claims["nbf"] = now - 60
        elif kind == "expired":
            claims["exp"] = now - 3600
        elif kind == "future_nbf":
            claims["nbf"] = now + 3600
        elif kind == "bad_signature":
            return encode(claims, secret + b"!").encode()
        elif kind == "alg_none":
            return encode(claims, secret, alg="none").encode()
        elif kind == "other_alg":
            return encode(claims, secret, alg="HS512").encode()
        elif kind == "garbage":
            return f"not.a.{planned.append}".encode()
        elif kind == "oversized_token":
            return b"A" * HUGE_BODY_BYTES
        return encode(claims, secret).encode()


VALID_KINDS = frozenset({"plain", "exp_ahead", "nbf_behind"})


async def _post(client: httpx.AsyncClient, url: str, body: bytes) -> tuple[int, bytes]:
    """POST ``body`` raw (no Content-Type); the status and at most MAX_ANSWER_BYTES of answer."""
    async with client.stream("POST", url, content=body) as response:
        answer = bytearray()
        async for chunk in response.aiter_bytes():
            answer += chunk
            if len(answer) > MAX_ANSWER_BYTES:
                break
        return response.status_code, bytes(answer[: MAX_ANSWER_BYTES + 1])


def _judge_final(status: int, answer: bytes, expected: str) -> str | None:
    if status != 200:
        return f"the app answered the final token with HTTP {status}"
    try:
        payload = json.loads(answer)
    except ValueError:
        return f"the app's answer to the final token is not JSON: {answer[:80]!r}"
    if not isinstance(payload, dict) or "solution" not in payload:
        return "the app's answer to the final token has no 'solution'"
    got = payload["solution"]
    if got != expected:
        return f"wrong solution: the app answered {str(got)[:200]!r}, expected {expected!r}"
    return None

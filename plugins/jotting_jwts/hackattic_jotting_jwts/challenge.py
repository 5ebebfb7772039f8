"""The challenge jotting_jwts: run an HTTP app that hackattic posts JWTs to.

The problem is ``{"jwt_secret"}``. The solver starts :mod:`.app` on
``HACKATTIC_LISTEN_HOST``:``HACKATTIC_JOTTING_JWTS_PORT`` and answers at once with
``{"app_url"}`` (hackattic wants it within 5 s): ``HACKATTIC_PUBLIC_URL`` if set (an https
tunnel), else ``http://HACKATTIC_PUBLIC_HOST:PORT/``. hackattic then posts its tokens
while the submit is pending; the runner keeps the app up until the submit's answer and
closes it after, on every path.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import Field

from hackattic_core import Challenge, ChallengeSettings, Context, Problem, Solution

if TYPE_CHECKING:
    from .tokens import Verdict

MAX_SECRET_CHARS = 4096


class JottingJwtsProblem(Problem):
    """``{"jwt_secret": "..."}``: the HS256 key, used as its raw (UTF-8) bytes."""

    jwt_secret: str = Field(min_length=1, max_length=MAX_SECRET_CHARS)


class JottingJwtsSolution(Solution):
    """``{"app_url": "..."}``: where hackattic posts the tokens."""

    app_url: str


class JottingJwtsSettings(ChallengeSettings):
    """``HACKATTIC_JOTTING_JWTS_*``."""

    port: int = Field(default=0, ge=0, le=65535, description="TCP port of the app; 0: a free one.")
    max_body_bytes: int = Field(
        default=64 * 1024, ge=256, le=16 * 1024 * 1024, description="Largest token body read."
    )
    max_tokens: int = Field(
        default=10_000, ge=1, le=10_000_000, description="Tokens accepted in one run."
    )
    max_solution_chars: int = Field(
        default=1_000_000, ge=1, le=100_000_000, description="Longest concatenation kept."
    )
    leeway_seconds: float = Field(
        default=0.0,
        ge=0,
        le=3600,
        allow_inf_nan=False,
        description="Clock skew allowed when checking exp and nbf.",
    )


def url_host(host: str) -> str:
    """``host`` as the authority of a URL (IPv6 in brackets)."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host
    return f"[{address}]" if address.version == 6 else str(address)


class JottingJwtsChallenge(Challenge[JottingJwtsProblem, JottingJwtsSolution, JottingJwtsSettings]):
    name = "jotting_jwts"
    title = "Jotting JWTs: an HTTP app concatenating the claims of valid HS256 tokens"
    problem_model = JottingJwtsProblem
    solution_model = JottingJwtsSolution
    settings_model = JottingJwtsSettings
    emulation_class = "hackattic_jotting_jwts.emulation:JottingJwtsEmulation"
    serves = True

    async def solve(
        self, problem: JottingJwtsProblem, context: Context[JottingJwtsSettings]
    ) -> JottingJwtsSolution:
        # Imported here: `hackattic list` must not load PyJWT, Starlette and uvicorn.
        from .app import build_app
        from .server import serve_app
        from .tokens import Outcome, TokenCollector

        settings = context.plugin_settings
        collector = TokenCollector(
            problem.jwt_secret.encode(),
            max_tokens=settings.max_tokens,
            max_solution_chars=settings.max_solution_chars,
            leeway_seconds=settings.leeway_seconds,
        )
        public_url = context.public_url
        paths = ["/"]
        if public_url:
            paths.append(urlsplit(public_url).path or "/")

        def report(verdict: Verdict) -> None:
            if verdict.outcome is Outcome.FINAL:
                context.progress.done(
                    f"final token: answered {len(verdict.detail)} characters from "
                    f"{len(collector.parts)} valid tokens ({collector.skipped} skipped)"
                )
                return
            context.progress.update(
                f"tokens: {collector.received} received, {len(collector.parts)} appended, "
                f"{collector.skipped} skipped (last: {verdict.outcome.value})"
            )
            context.logger.info("token %s: %s", verdict.outcome.value, verdict.detail)

        app = build_app(
            collector, max_body_bytes=settings.max_body_bytes, paths=paths, listener=report
        )
        # Said when the runner closes what was kept open: registered before the server,
        # it runs after the server has closed.
        context.resources.callback(
            lambda: context.progress.done(
                f"app closed: {collector.received} tokens received, "
                f"{len(collector.parts)} appended, {collector.skipped} skipped"
                + ("" if collector.solution is not None else ", no final token")
            )
        )
        bound = await context.keep_open(serve_app(app, context.listen_host, settings.port))
        app_url = public_url or f"http://{url_host(context.require_public_host())}:{bound.port}/"
        context.progress.update(f"app listening on {url_host(bound.host)}:{bound.port}")
        return JottingJwtsSolution(app_url=app_url)

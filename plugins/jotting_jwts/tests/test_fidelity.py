"""The sandbox's default problem and exchange, as served, set beside the facts file's
description of hackattic's (no real payload was kept): ``{"jwt_secret"}`` only; then, on
the submit, one raw JWT per POST to the app's path, no Content-Type, HS256 under the
secret's bytes, a string ``append`` claim on the valid ones, some signed with another
secret, last a valid one without ``append``. A drift of the emulation shows up here."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import jwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hackattic_core import serve_asgi

SLUG = "jotting_jwts"
Request_ = tuple[str, str, str | None, bytes]
"""A request the app saw: method, path, Content-Type, body."""


def capture(
    hackattic_sandbox: Any,
) -> tuple[dict[str, Any], list[tuple[str, str, str | None, bytes]]]:
    """The default problem, and every request hackattic's stand-in makes to an app that
    records them (method, path, Content-Type, body) during the submit."""
    seen: list[tuple[str, str, str | None, bytes]] = []

    async def record(request: Request) -> JSONResponse:
        body = await request.body()
        seen.append((request.method, request.url.path, request.headers.get("content-type"), body))
        return JSONResponse({})

    async def exchange() -> None:
        app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST", "PUT"])])
        base, token = hackattic_sandbox.base_url, hackattic_sandbox.access_token
        async with serve_asgi(app, "127.0.0.1", 0) as bound, httpx.AsyncClient(timeout=60) as http:
            await http.post(
                f"{base}/challenges/{SLUG}/solve",
                params={"access_token": token},
                json={"app_url": f"http://127.0.0.1:{bound.port}/"},
            )

    problem = hackattic_sandbox.fetch_problem(SLUG)
    asyncio.run(exchange())
    return problem, seen


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_the_default_problem_and_exchange_are_hackattics(hackattic_sandbox: Any) -> None:
    problem, seen = capture(hackattic_sandbox)
    assert {name: type(value) for name, value in problem.items()} == {"jwt_secret": str}
    assert 16 <= len(problem["jwt_secret"]) <= 256
    assert {(method, path, content_type) for method, path, content_type, _ in seen} == {
        ("POST", "/", None)
    }
    secret = problem["jwt_secret"].encode()
    claims: list[dict[str, Any] | None] = []
    for *_, body in seen:
        assert jwt.get_unverified_header(body)["alg"] == "HS256"
        try:
            claims.append(jwt.decode(body, secret, algorithms=["HS256"]))
        except jwt.InvalidSignatureError:
            claims.append(None)
    valid = [claim for claim in claims if claim is not None]
    assert None in claims  # tokens signed with another secret, as hackattic sends
    assert all(isinstance(claim["append"], str) for claim in valid[:-1])
    assert claims[-1] is valid[-1]  # the last token is valid, and final:
    assert "append" not in valid[-1]

"""The app served for real (uvicorn on loopback), spoken to by a plain HTTP client."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable

import httpx
from hackattic_jotting_jwts.app import build_app
from hackattic_jotting_jwts.challenge import JottingJwtsChallenge, JottingJwtsProblem
from hackattic_jotting_jwts.forge import encode
from hackattic_jotting_jwts.server import serve_app
from hackattic_jotting_jwts.tokens import TokenCollector

SECRET = "hackattic-secret-of-32-bytes-or-so"


def test_the_solver_serves_a_second_client_and_closes(hackattic_context, listening) -> None:
    """solve() starts the app; any HTTP client gets the right answers; closing the
    context (what the runner does after the submit) stops it."""

    async def exchange() -> tuple[str, list[int], int]:
        async with hackattic_context(JottingJwtsChallenge) as context:
            solution = await JottingJwtsChallenge().solve(
                JottingJwtsProblem(jwt_secret=SECRET), context
            )
            url = solution.app_url
            key = SECRET.encode()
            async with httpx.AsyncClient(trust_env=False) as client:
                statuses = []
                for body in (
                    encode({"append": "one"}, key),
                    encode({"append": "bad"}, b"other"),
                    encode({"append": "two", "exp": int(time.time()) + 30}, key),
                ):
                    response = await client.post(url, content=body)
                    statuses.append(response.status_code)
                final = await client.post(url, content=encode({}, key))
                answer = final.json()["solution"]
            port = httpx.URL(url).port
            assert port is not None
        return answer, statuses, port

    answer, statuses, port = asyncio.run(exchange())
    assert answer == "onetwo"
    assert statuses == [200, 200, 200]
    assert not listening(port)


@contextlib.asynccontextmanager
async def _serving(limit: int = 1024) -> AsyncIterator[tuple[str, TokenCollector]]:
    collector = TokenCollector(SECRET.encode())
    async with serve_app(build_app(collector, max_body_bytes=limit), "127.0.0.1", 0) as bound:
        yield f"http://127.0.0.1:{bound.port}/", collector


async def _status(request: Awaitable[httpx.Response]) -> int | str:
    try:
        return (await request).status_code
    except httpx.TransportError:
        return "closed"


def test_hostile_requests_are_refused_and_the_app_goes_on() -> None:
    async def attack() -> dict[str, object]:
        seen: dict[str, object] = {}
        async with _serving() as (url, collector):
            async with httpx.AsyncClient(trust_env=False) as client:
                seen["declared"] = await _status(client.post(url, content=b"A" * 10_000_000))

                async def chunks() -> AsyncIterator[bytes]:
                    for _ in range(1000):  # no Content-Length: refused while streaming
                        yield b"B" * 4096

                seen["chunked"] = await _status(client.post(url, content=chunks()))
                seen["headers"] = await _status(
                    client.post(url, content=b"x", headers={"x-filler": "y" * 1024 * 1024})
                )
                seen["get"] = (await client.get(url)).status_code
                seen["other_path"] = (await client.post(url + "admin", content=b"x")).status_code
                final = await client.post(url, content=encode({}, SECRET.encode()))
                seen["final"] = final.json()
            seen["received"] = collector.received
        return seen

    seen = asyncio.run(attack())
    # Refused: a 413, or the connection closed on the rest of the body.
    assert seen["declared"] in (413, "closed")
    assert seen["chunked"] in (413, "closed")
    assert seen["headers"] in (400, 431, "closed")  # 1 MiB of headers: past the bound
    assert seen["get"] == 405
    assert seen["other_path"] == 404
    assert seen["final"] == {"solution": ""}
    assert seen["received"] == 1  # only the final token reached the collector


def test_a_busy_port_is_an_error() -> None:
    async def twice() -> None:
        async with _serving() as (url, _):
            port = httpx.URL(url).port
            assert port is not None
            try:
                app = build_app(TokenCollector(b"k"), max_body_bytes=10)
                async with serve_app(app, "127.0.0.1", port):
                    raise AssertionError("bound a busy port")
            except OSError:
                return

    asyncio.run(twice())

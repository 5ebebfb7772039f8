"""The emulation plays hackattic's side: right apps pass, wrong ones are named."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from hackattic_jotting_jwts.app import build_app
from hackattic_jotting_jwts.emulation import JottingJwtsEmulation
from hackattic_jotting_jwts.server import serve_app
from hackattic_jotting_jwts.tokens import TokenCollector

ALL_FAULTS = ("expired", "future_nbf", "alg_none", "other_alg", "garbage", "oversized_token")


@contextlib.asynccontextmanager
async def _app(secret: str, leeway: float = 0.0) -> AsyncIterator[str]:
    collector = TokenCollector(secret.encode(), leeway_seconds=leeway)
    async with serve_app(build_app(collector, max_body_bytes=65536), "127.0.0.1", 0) as bound:
        yield f"http://127.0.0.1:{bound.port}/"


def _check(
    emulation: JottingJwtsEmulation, solution: Any = None, leeway: float = 0.0
) -> str | None:
    async def go() -> str | None:
        issued = await emulation.new_problem()
        async with _app(issued.problem["jwt_secret"], leeway) as url:
            return await emulation.check(issued, solution or {"app_url": url})

    return asyncio.run(go())


def test_problems_look_like_hackattics(hackattic_emulation) -> None:
    emulation = hackattic_emulation(JottingJwtsEmulation, tokens=5, bad_signatures=3)
    issued = asyncio.run(emulation.new_problem())
    assert list(issued.problem) == ["jwt_secret"]
    assert isinstance(issued.problem["jwt_secret"], str)
    assert len(issued.problem["jwt_secret"]) >= 16
    kinds = [planned.kind for planned in issued.state.plan]
    assert kinds[-1] == "final"
    assert kinds.count("bad_signature") == 3
    assert len(kinds) == 9


def test_the_app_passes_with_every_fault(hackattic_emulation) -> None:
    emulation = hackattic_emulation(JottingJwtsEmulation)
    emulation.env.faults = frozenset(ALL_FAULTS)
    assert _check(emulation) is None
    assert emulation.posted >= 8 + 2 + 5 * 2 + 1


def test_an_app_that_ignores_exp_and_nbf_is_rejected(hackattic_emulation) -> None:
    emulation = hackattic_emulation(JottingJwtsEmulation)
    emulation.env.faults = frozenset({"expired", "future_nbf"})
    reason = _check(emulation, leeway=7200)  # admits tokens an hour out of date
    assert reason is not None
    assert reason.startswith("wrong solution")


def test_unreachable_remote_and_missing_urls_are_named(hackattic_emulation) -> None:
    emulation = hackattic_emulation(JottingJwtsEmulation)

    async def go() -> list[str | None]:
        issued = await emulation.new_problem()
        return [
            await emulation.check(issued, {}),
            await emulation.check(issued, {"app_url": "ftp://127.0.0.1/"}),
            await emulation.check(issued, {"app_url": "http://203.0.113.7:8080/"}),
            await emulation.check(issued, {"app_url": "http://127.0.0.1:1/"}),
        ]

    missing, scheme, remote, closed = asyncio.run(go())
    assert missing is not None
    assert "app_url" in missing
    assert scheme is not None
    assert "not an http(s) URL" in scheme
    assert remote is not None
    assert "not on loopback" in remote
    assert closed is not None
    assert "ConnectError" in closed


def test_an_app_url_later_than_the_deadline_is_rejected(hackattic_emulation) -> None:
    emulation = hackattic_emulation(JottingJwtsEmulation, deadline_seconds=0.05)

    async def go() -> str | None:
        issued = await emulation.new_problem()
        await asyncio.sleep(0.1)
        async with _app(issued.problem["jwt_secret"]) as url:
            return await emulation.check(issued, {"app_url": url})

    started = time.monotonic()
    reason = asyncio.run(go())
    assert reason is not None
    assert "after the problem" in reason
    assert time.monotonic() - started >= 0.1

"""Each HTTP fault switch does what it says, seen by a real httpx client."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from hackattic_core.errors import ConfigError
from hackattic_core.sandbox.faults import HUGE_PADDING_BYTES

PROBLEM = "/challenges/echo/problem"


@pytest.mark.parametrize(
    ("fault", "status"), [("http_503", 503), ("http_502", 502), ("http_429", 429)]
)
async def test_status_faults_hit_the_first_requests(
    sandbox_with: Any, fault: str, status: int
) -> None:
    async with sandbox_with(faults=[fault], fault_count=2, retry_after=0.5) as sandbox:
        # Only problem and solve requests count.
        await sandbox.stats()
        first = await sandbox.problem()
        second = await sandbox.solve({"n2": 1})
        for response in (first, second):
            assert response.status_code == status
            assert fault in response.json()["error"]
            if status == 429:
                assert response.headers["Retry-After"] == "0.5"
            else:
                assert "Retry-After" not in response.headers
        third = await sandbox.problem()
        assert third.status_code == 200
        assert "n" in third.json()
        assert "rejected" in (await sandbox.solve({"n2": 1})).json()

        stats = await sandbox.stats()
        assert stats["faults"] == {fault: 2}
        assert stats["http"]["requests"]["GET /challenges/echo/problem"] == {
            str(status): 1,
            "200": 1,
        }


async def test_retry_after_default_is_a_whole_number(sandbox_with: Any) -> None:
    async with sandbox_with(faults=["http_429"], fault_count=1) as sandbox:
        assert (await sandbox.problem()).headers["Retry-After"] == "1"


async def test_reset_gives_a_transport_error_then_answers(sandbox_with: Any) -> None:
    async with sandbox_with(faults=["reset"], fault_count=2) as sandbox:
        with pytest.raises(httpx.TransportError) as problem_error:
            await sandbox.problem()
        assert isinstance(problem_error.value, httpx.ReadError | httpx.RemoteProtocolError)
        with pytest.raises(httpx.TransportError):
            await sandbox.solve({"n2": 1})
        problem = await sandbox.problem()
        assert problem.status_code == 200
        solved = await sandbox.solve({"n2": problem.json()["n"] * 2})
        assert "passed" in solved.json()["result"]

        stats = await sandbox.stats()
        assert stats["faults"] == {"reset": 2}
        assert stats["http"]["requests"]["GET /challenges/echo/problem"] == {
            "no answer": 1,
            "200": 1,
        }


async def test_slow_answers_late(sandbox_with: Any) -> None:
    async with sandbox_with(
        faults=["slow"], fault_count=1, slow_seconds=0.2, time_scale=0.5
    ) as sandbox:
        started = time.monotonic()
        response = await sandbox.problem()
        assert time.monotonic() - started >= 0.1 - 0.005
        assert response.status_code == 200
        assert (await sandbox.problem()).status_code == 200
        assert (await sandbox.stats())["faults"] == {"slow": 1}


async def test_slow_and_503_together(sandbox_with: Any) -> None:
    async with sandbox_with(faults=["slow", "http_503"], fault_count=1, slow_seconds=0.05) as sb:
        started = time.monotonic()
        response = await sb.problem()
        assert time.monotonic() - started >= 0.05 - 0.005
        assert response.status_code == 503
        assert (await sb.problem()).status_code == 200


async def test_fault_count_zero_means_no_counted_fault(sandbox_with: Any) -> None:
    async with sandbox_with(faults=["http_503", "reset"], fault_count=0) as sandbox:
        assert (await sandbox.problem()).status_code == 200


async def test_an_emulations_own_fault_reaches_it_and_leaves_http_alone(
    sandbox_with: Any,
) -> None:
    from websockets.asyncio.client import connect

    async with sandbox_with(faults=["shout"]) as sandbox:
        response = await sandbox.problem()
        assert response.status_code == 200
        assert set(response.json()) == {"n", "note"}
        assert sandbox.handle.emulations["echo"].env.faults == {"shout"}
        async with connect(f"{sandbox.handle.ws_base_url}/_/ws/t") as ws:
            await ws.send("hi")
            assert await ws.recv() == "t:HI"
        assert (await sandbox.stats())["faults"] == {}


async def test_a_fault_nobody_declares_is_refused_naming_the_valid_ones(
    sandbox_with: Any,
) -> None:
    with pytest.raises(ConfigError) as refused:
        async with sandbox_with(faults=["drop"]):
            pass
    message = str(refused.value)
    assert "unknown fault 'drop'" in message
    assert "echo's: shout" in message
    assert "http_503" in message


async def test_malformed_problem(sandbox_with: Any) -> None:
    async with sandbox_with(faults=["malformed_problem"]) as sandbox:
        for _ in range(3):
            response = await sandbox.problem()
            assert response.status_code == 200
            assert response.text.startswith('{"n": ')
            with pytest.raises(json.JSONDecodeError):
                json.loads(response.text)
        # The problem was still issued.
        assert (await sandbox.stats())["challenges"]["echo"]["issued"] == 3


async def test_incomplete_problem(sandbox_with: Any) -> None:
    async with sandbox_with(faults=["incomplete_problem"]) as sandbox:
        response = await sandbox.problem()
        assert response.status_code == 200
        assert response.json() == {"note": "double it"}


async def test_huge_body(sandbox_with: Any) -> None:
    async with sandbox_with(faults=["huge_body"]) as sandbox:
        async with sandbox.http.stream("GET", PROBLEM, params=sandbox.auth) as response:
            assert response.status_code == 200
            assert "content-length" not in response.headers
            body = await response.aread()
        assert len(body) > HUGE_PADDING_BYTES
        problem = json.loads(body)
        assert set(problem) == {"_padding", "n", "note"}

        # A client that gives up early does not hurt the server.
        async with sandbox.http.stream("GET", PROBLEM, params=sandbox.auth) as response:
            async for _ in response.aiter_bytes():
                break
        assert (await sandbox.stats())["faults"] == {"huge_body": 2}


async def test_always_reject(sandbox_with: Any) -> None:
    async with sandbox_with(faults=["always_reject"]) as sandbox:
        problem = (await sandbox.problem()).json()
        for _ in range(2):
            answer = (await sandbox.solve({"n2": problem["n"] * 2})).json()
            assert set(answer) == {"rejected"}
            assert "always_reject" in answer["rejected"]
        assert (await sandbox.stats())["faults"] == {"always_reject": 2}

"""The sandbox's HTTP API, over real sockets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect

from hackattic_core.sandbox.app import MAX_REQUEST_BODY, sandbox_state
from hackattic_core.sandbox.build import emulation_rng
from hackattic_core.sandbox.server import serve_challenges

PROBLEM = "/challenges/echo/problem"
SOLVE = "/challenges/echo/solve"

# Stopping a server takes uvicorn ~0.1 s: the tests that leave no trace share one.
on_shared_loop = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(sandbox_with: Any) -> AsyncIterator[Any]:
    async with sandbox_with() as sandbox:
        yield sandbox


async def fetch(sandbox: Any) -> dict[str, int]:
    response = await sandbox.problem()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    problem: dict[str, int] = response.json()
    return problem


async def solve(sandbox: Any, body: object, **params: str) -> dict[str, str]:
    response = await sandbox.solve(body, **params)
    assert response.status_code == 200, response.text
    answer: dict[str, str] = response.json()
    return answer


# -- on the shared sandbox ------------------------------------------------------------------


@on_shared_loop
async def test_problem_is_fresh_each_time(shared: Any) -> None:
    first = await fetch(shared)
    second = await fetch(shared)
    assert set(first) == {"n", "note"}
    assert first != second


@on_shared_loop
async def test_rejected_names_the_reason(shared: Any) -> None:
    problem = await fetch(shared)
    answer = await solve(shared, {"n2": 3})
    assert answer == {"rejected": f"wrong n2: got 3, expected {problem['n'] * 2}"}


@on_shared_loop
@pytest.mark.parametrize(
    ("method", "path"), [("GET", PROBLEM), ("POST", SOLVE), ("GET", "/_/stats")]
)
async def test_access_token_required(shared: Any, method: str, path: str) -> None:
    client, token = shared.http, shared.handle.access_token
    missing = await client.request(method, path, json={})
    assert missing.status_code == 401
    assert "access token" in missing.json()["error"]
    wrong = await client.request(method, path, params={"access_token": "nope"}, json={})
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "bad access token"}
    near = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert (await client.request(method, path, params={"access_token": near})).status_code == 401


@on_shared_loop
@pytest.mark.parametrize("slug", ["nope", "plain"])
async def test_unknown_slug_or_no_emulation_is_404(shared: Any, slug: str) -> None:
    response = await shared.http.get(f"/challenges/{slug}/problem", params=shared.auth)
    assert response.status_code == 404
    assert set(response.json()) == {"error"}
    response = await shared.http.post(f"/challenges/{slug}/solve", params=shared.auth, json={})
    assert response.status_code == 404


@on_shared_loop
async def test_unknown_path_and_wrong_method_are_json_errors(shared: Any) -> None:
    response = await shared.http.get("/nowhere", params=shared.auth)
    assert response.status_code == 404
    assert set(response.json()) == {"error"}
    response = await shared.http.post(PROBLEM, params=shared.auth)
    assert response.status_code == 405
    assert set(response.json()) == {"error"}


@on_shared_loop
@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not json", "not valid JSON"), (b"[1, 2]", "JSON object"), (b"\xff\xfe", "not valid")],
)
async def test_bad_solve_body_is_400(shared: Any, content: bytes, message: str) -> None:
    await fetch(shared)
    response = await shared.http.post(SOLVE, params=shared.auth, content=content)
    assert response.status_code == 400
    assert message in response.json()["error"]


@on_shared_loop
async def test_huge_solve_body_is_413(shared: Any) -> None:
    body = json.dumps({"n2": 1, "pad": "x" * MAX_REQUEST_BODY}).encode()
    response = await shared.http.post(SOLVE, params=shared.auth, content=body)
    assert response.status_code == 413
    assert set(response.json()) == {"error"}

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"pad": "'
        for _ in range(MAX_REQUEST_BODY // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    # No Content-Length (chunked): the limit holds while reading.
    response = await shared.http.post(SOLVE, params=shared.auth, content=chunks())
    assert response.status_code == 413


@on_shared_loop
async def test_emulation_failure_is_a_json_500(shared: Any) -> None:
    await fetch(shared)
    response = await shared.solve({"boom": 1})
    assert response.status_code == 500
    assert set(response.json()) == {"error"}


@on_shared_loop
async def test_emulation_routes_are_mounted(shared: Any) -> None:
    response = await shared.http.get("/_/echo")
    assert response.text == "hello from echo"
    async with connect(f"{shared.handle.ws_base_url}/_/ws/t0k3n") as websocket:
        await websocket.send("hi")
        assert await websocket.recv() == "t0k3n:hi"


# -- each on a sandbox of its own -----------------------------------------------------------


async def test_passed_then_already_solved_then_playground(sandbox_with: Any) -> None:
    async with sandbox_with() as sandbox:
        problem = await fetch(sandbox)
        passed = await solve(sandbox, {"n2": problem["n"] * 2})
        assert set(passed) == {"result"}
        assert "passed" in passed["result"]

        again = await solve(sandbox, {"n2": problem["n"] * 2})
        assert set(again) == {"message", "hint"}
        assert "already solved" in again["message"]
        assert "&playground=1" in again["hint"]
        # Not even checked: a wrong answer gets the same reply.
        assert set(await solve(sandbox, {"n2": -1})) == {"message", "hint"}

        replay = await solve(sandbox, {"n2": problem["n"] * 2}, playground="1")
        assert "passed" in replay["result"]
        assert "rejected" in await solve(sandbox, {"n2": -1}, playground="1")


async def test_playground_pass_is_not_recorded_and_last_problem_counts(
    sandbox_with: Any,
) -> None:
    async with sandbox_with() as sandbox:
        old = await fetch(sandbox)
        new = await fetch(sandbox)
        assert "rejected" in await solve(sandbox, {"n2": old["n"] * 2}, playground="1")
        solution = {"n2": new["n"] * 2}
        assert "passed" in (await solve(sandbox, solution, playground="1"))["result"]
        assert "passed" in (await solve(sandbox, solution))["result"]


async def test_no_problem_fetched_yet(sandbox_with: Any) -> None:
    async with sandbox_with() as sandbox:
        answer = await solve(sandbox, {"n2": 2})
        assert set(answer) == {"rejected"}
        assert "no problem fetched yet" in answer["rejected"]


async def test_stats(sandbox_with: Any) -> None:
    async with sandbox_with() as sandbox:
        problem = await fetch(sandbox)
        await fetch(sandbox)
        await solve(sandbox, {"n2": problem["n"]})
        await sandbox.http.get(PROBLEM, params={"access_token": "wrong"})
        await sandbox.http.get("/elsewhere")

        response = await sandbox.http.get("/_/stats", params=sandbox.auth)
        assert response.status_code == 200
        stats = response.json()
        assert stats["challenges"] == {"echo": {"issued": 2, "checked": 1}}
        assert stats["http"]["requests"] == {
            "GET /challenges/echo/problem": {"200": 2, "401": 1},
            "POST /challenges/echo/solve": {"200": 1},
            "other": {"404": 1},
        }
        assert stats["http"]["total"] == 5
        assert stats["faults"] == {}
        assert stats["conditions"]["seed"] == 1
        assert sandbox.handle.access_token not in response.text


async def test_seeded_problems_repeat(sandbox_with: Any) -> None:
    problems = []
    for _ in range(2):
        async with sandbox_with(seed=42) as sandbox:
            problems.append(await fetch(sandbox))
    assert problems[0] == problems[1]
    assert emulation_rng(42, "echo").random() != emulation_rng(42, "other").random()
    assert emulation_rng(None, "echo").random() != emulation_rng(None, "echo").random()


async def test_emulations_are_started_before_serving_and_stopped_on_exit(
    challenges: Any, make_conditions: Any
) -> None:
    async with serve_challenges(challenges, make_conditions()) as handle:
        emulations = sandbox_state(handle.app).emulations
        assert set(emulations) == {"echo"} == set(handle.emulations)
        echo = emulations["echo"]
        assert type(echo).__name__ == "EchoEmulation"
        assert echo.started  # type: ignore[attr-defined]
        assert not echo.closed  # type: ignore[attr-defined]
    assert echo.closed  # type: ignore[attr-defined]

"""``run_challenge``: fetch → validate → solve → submit against an emulated API."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, ClassVar

import httpx
import pytest
from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from hackattic_core.challenge import Challenge, Context, Problem, Solution
from hackattic_core.errors import (
    EXIT_CONFIG,
    EXIT_PASSED,
    EXIT_REJECTED,
    EXIT_SERVICE,
    EXIT_SOLVER,
    AttemptLost,
    ProblemError,
    SolverError,
)
from hackattic_core.runner import RunResult, run_challenge, validate_problem
from hackattic_core.settings import NoSettings, Settings

TOKEN = "tok-SECRET-1234567890"
SLUG = "fake_double"

PASSED = {"result": "you passed this challenge!"}
REJECTED = {"rejected": "wrong n2: got 1, expected 2"}
ALREADY = {
    "message": "you've already solved this challenge",
    "hint": "try adding &playground=1 to the URL",
}


pytestmark = pytest.mark.usefixtures("clean_env")


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "access_token": SecretStr(TOKEN),
        "retry_attempts": 3,
        # No waiting between retries: run_challenge has no sleep seam, so make it zero.
        "retry_backoff": 0.0,
        "retry_backoff_max": 0.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# -- a fake challenge ----------------------------------------------------------------------


class DoubleProblem(Problem):
    n: int
    note: str


class DoubleSolution(Solution):
    n2: int


class FakeChallenge(Challenge):
    """Doubles ``n``; ``behaviour`` (one per attempt, the last repeats) says otherwise."""

    name = SLUG
    title = "fake: double a number"
    problem_model = DoubleProblem
    solution_model = DoubleSolution
    behaviour: ClassVar[list[str]] = ["solve"]
    seen: ClassVar[list[tuple[int, int]]] = []
    contexts: ClassVar[list[Context]] = []

    async def solve(self, problem: Any, context: Context) -> Any:
        assert isinstance(problem, DoubleProblem)
        self.seen.append((problem.n, context.attempt))
        self.contexts.append(context)
        action = self.behaviour[min(len(self.seen), len(self.behaviour)) - 1]
        if action == "lose":
            raise AttemptLost(f"conversation {problem.n} dropped")
        if action == "crash":
            return 1 / 0
        if action == "leak":
            raise RuntimeError(f"cannot fetch https://h/x?access_token={TOKEN}")
        if action == "solver_error":
            raise SolverError("gave up on purpose")
        if action == "wrong_type":
            return {"n2": problem.n * 2}
        return DoubleSolution(n2=problem.n * 2)


def challenge(*behaviour: str, **attributes: Any) -> type[FakeChallenge]:
    """A fresh FakeChallenge subclass with its own records."""
    namespace: dict[str, Any] = {
        "behaviour": list(behaviour or ["solve"]),
        "seen": [],
        "contexts": [],
        **attributes,
    }
    return type("Fake", (FakeChallenge,), namespace)


# -- a fake hackattic ----------------------------------------------------------------------


class FakeAPI:
    """Emulates GET /problem and POST /solve; records what it saw."""

    def __init__(
        self,
        *,
        answer: dict[str, Any] | None = None,
        problem: Callable[[int], Any] | None = None,
        problem_status: list[int] | None = None,
        solve_status: list[int] | None = None,
    ) -> None:
        self.answer = answer if answer is not None else PASSED
        self.problem = problem or (lambda i: {"n": 100 + i, "note": "double it"})
        self.problem_status = problem_status or [200]
        self.solve_status = solve_status or [200]
        self.requests: list[httpx.Request] = []
        self.problems: list[Any] = []
        self.solutions: list[Any] = []

    def gets(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "GET"]

    def posts(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.url.params["access_token"] == TOKEN
        if request.method == "GET" and request.url.path == f"/challenges/{SLUG}/problem":
            code = self.problem_status[min(len(self.gets()), len(self.problem_status)) - 1]
            if code != 200:
                return httpx.Response(code, text="unavailable")
            problem = self.problem(len(self.problems) + 1)
            self.problems.append(problem)
            return httpx.Response(200, json=problem)
        if request.method == "POST" and request.url.path == f"/challenges/{SLUG}/solve":
            code = self.solve_status[min(len(self.posts()), len(self.solve_status)) - 1]
            if code == 0:  # the connection is refused: the solution never left
                raise httpx.ConnectError("connection refused")
            if code != 200:
                return httpx.Response(code, text="solve is down")
            self.solutions.append(json.loads(request.content))
            return httpx.Response(200, json=self.answer)
        return httpx.Response(404, text="no such route")


async def run(
    challenge_cls: type[Challenge],
    api: FakeAPI,
    *,
    settings: Settings | None = None,
    **options: Any,
) -> RunResult:
    return await run_challenge(
        challenge_cls,
        settings or make_settings(),
        transport=httpx.MockTransport(api),
        **options,
    )


def assert_no_token(result: RunResult) -> None:
    text = json.dumps(result.to_json())
    assert TOKEN not in text
    assert TOKEN not in repr(result)


# -- outcomes of a submission --------------------------------------------------------------


async def test_a_passed_run() -> None:
    api = FakeAPI(answer=PASSED)
    fake = challenge()
    result = await run(fake, api)
    assert result.status == "passed"
    assert result.passed
    assert result.exit_code == EXIT_PASSED
    assert result.message == PASSED["result"]
    assert result.error is None
    assert result.submitted
    assert result.solution == {"n2": 202}
    assert api.solutions == [{"n2": 202}]
    assert len(api.gets()) == 1
    assert len(api.posts()) == 1
    assert "playground" not in api.posts()[0].url.params
    assert [(a.number, a.error) for a in result.attempts] == [(1, None)]
    assert set(result.timings) >= {"fetch", "solve", "submit", "total"}
    assert result.retries == 0
    assert_no_token(result)


async def test_a_rejected_run() -> None:
    result = await run(challenge(), FakeAPI(answer=REJECTED))
    assert result.status == "rejected"
    assert not result.passed
    assert result.exit_code == EXIT_REJECTED
    assert result.message == REJECTED["rejected"]
    assert result.submitted
    assert result.solution == {"n2": 202}


async def test_an_already_solved_challenge_hints_at_the_playground() -> None:
    result = await run(challenge(), FakeAPI(answer=ALREADY))
    assert result.status == "already_solved"
    assert result.exit_code == EXIT_REJECTED
    assert result.message == ALREADY["message"]
    assert result.hint is not None
    assert ALREADY["hint"] in result.hint
    assert "--playground" in result.hint


async def test_the_playground_submits_with_playground_1() -> None:
    api = FakeAPI()
    result = await run(challenge(), api, playground=True)
    assert result.playground
    assert result.passed
    assert api.posts()[0].url.params["playground"] == "1"


async def test_a_dry_run_solves_without_submitting() -> None:
    api = FakeAPI()
    result = await run(challenge(), api, dry_run=True)
    assert result.status == "solved"
    assert result.exit_code == EXIT_PASSED
    assert result.solution == {"n2": 202}
    assert not result.submitted
    assert api.posts() == []
    assert "submit" not in result.timings


# -- a malformed problem -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "field"),
    [
        ({"note": "no n"}, "n"),
        ({"n": "not a number", "note": "x"}, "n"),
        ({"n": 1, "note": ["not", "text"]}, "note"),
        ({"n": 1}, "note"),
    ],
)
async def test_a_malformed_problem_fails_without_solving(
    problem: dict[str, Any], field: str
) -> None:
    fake = challenge()
    api = FakeAPI(problem=lambda i: problem)
    result = await run(fake, api)
    assert result.status == "failed"
    assert result.exit_code == EXIT_SERVICE
    assert result.error is not None
    assert f"field {field!r}" in result.error
    assert SLUG in result.error
    assert fake.seen == []
    assert api.posts() == []
    assert len(api.gets()) == 1  # a malformed problem is not an attempt to retry


async def test_a_problem_that_is_not_an_object_is_a_service_failure() -> None:
    result = await run(challenge(), FakeAPI(problem=lambda i: [1, 2]))
    assert result.exit_code == EXIT_SERVICE
    assert result.error is not None
    assert "not a JSON object" in result.error


def test_validate_problem_names_a_nested_field() -> None:
    class Block(BaseModel):
        nonce: int

    class NestedProblem(Problem):
        difficulty: int
        block: Block

    nested = challenge(problem_model=NestedProblem, name="nested")
    with pytest.raises(ProblemError, match=r"field 'block\.nonce'") as caught:
        validate_problem(nested, {"difficulty": 3, "block": {"nonce": "x"}})
    assert caught.value.exit_code == EXIT_SERVICE
    assert '"x"' in caught.value.body or "'x'" in caught.value.body
    # Unknown extra fields the service adds are ignored.
    problem = validate_problem(nested, {"difficulty": 3, "block": {"nonce": 1}, "new": True})
    assert problem.model_dump() == {"difficulty": 3, "block": {"nonce": 1}}


# -- attempts ------------------------------------------------------------------------------


async def test_lost_attempts_fetch_fresh_problems_until_one_succeeds() -> None:
    fake = challenge("lose", "lose", "solve")
    api = FakeAPI()
    result = await run(fake, api, attempts=3)
    assert result.status == "passed"
    assert result.exit_code == EXIT_PASSED
    assert len(api.gets()) == 3
    assert len(api.posts()) == 1
    # A fresh problem each time, and the context says which attempt it is.
    assert fake.seen == [(101, 1), (102, 2), (103, 3)]
    assert [c.attempt for c in fake.contexts] == [1, 2, 3]
    assert [(a.number, a.error) for a in result.attempts] == [
        (1, "conversation 101 dropped"),
        (2, "conversation 102 dropped"),
        (3, None),
    ]
    assert result.solution == {"n2": 206}
    assert api.solutions == [{"n2": 206}]


async def test_always_losing_fails_naming_each_attempt() -> None:
    fake = challenge("lose")
    api = FakeAPI()
    result = await run(fake, api, attempts=3)
    assert result.status == "failed"
    assert result.exit_code == EXIT_SOLVER
    assert result.error is not None
    assert "no solution after 3 attempt(s)" in result.error
    for number, n in ((1, 101), (2, 102), (3, 103)):
        assert f"attempt {number}: conversation {n} dropped" in result.error
    assert len(api.gets()) == 3
    assert api.posts() == []
    assert result.solution is None


@pytest.mark.parametrize("attempts", [0, -5])
async def test_at_least_one_attempt_is_made(attempts: int) -> None:
    api = FakeAPI()
    result = await run(challenge(), api, attempts=attempts)
    assert result.passed
    assert len(api.gets()) == 1


async def test_a_crashing_solver_is_not_retried() -> None:
    fake = challenge("crash", "solve")
    api = FakeAPI()
    result = await run(fake, api, attempts=3)
    assert result.status == "failed"
    assert result.exit_code == EXIT_SOLVER
    assert result.error is not None
    assert result.error.startswith("the solver failed: ")
    assert "ZeroDivisionError" in result.error
    assert "\n" not in result.error
    assert len(api.gets()) == 1
    assert api.posts() == []


async def test_a_solver_error_keeps_its_own_message() -> None:
    result = await run(challenge("solver_error"), FakeAPI())
    assert result.exit_code == EXIT_SOLVER
    assert result.error == "gave up on purpose"


async def test_a_solver_returning_the_wrong_type_fails() -> None:
    api = FakeAPI()
    result = await run(challenge("wrong_type"), api)
    assert result.exit_code == EXIT_SOLVER
    assert result.error is not None
    assert "dict" in result.error
    assert "DoubleSolution" in result.error
    assert api.posts() == []


async def test_a_solver_error_text_is_redacted() -> None:
    result = await run(challenge("leak"), FakeAPI())
    assert result.exit_code == EXIT_SOLVER
    assert result.error is not None
    assert "RuntimeError" in result.error
    assert "access_token=***" in result.error
    assert_no_token(result)


async def test_the_context_carries_settings_and_urls() -> None:
    settings = make_settings(base_url="http://127.0.0.1:8765")
    fake = challenge()
    await run(fake, FakeAPI(), settings=settings)
    (context,) = fake.contexts
    assert context.settings is settings
    assert context.ws_base_url == "ws://127.0.0.1:8765"
    assert context.logger.name == f"hackattic.{SLUG}"
    assert isinstance(context.http, httpx.AsyncClient)
    assert isinstance(context.plugin_settings, NoSettings)


class FakePluginSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HACKATTIC_FAKE_DOUBLE_", env_file=None)
    rounds: int = 3


async def test_plugin_settings_are_built_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HACKATTIC_FAKE_DOUBLE_ROUNDS", "9")
    fake = challenge(settings_model=FakePluginSettings)
    result = await run(fake, FakeAPI())
    assert result.passed
    (context,) = fake.contexts
    assert isinstance(context.plugin_settings, FakePluginSettings)
    assert context.plugin_settings.rounds == 9


async def test_an_invalid_plugin_setting_is_a_config_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HACKATTIC_FAKE_DOUBLE_ROUNDS", "many")
    api = FakeAPI()
    result = await run(challenge(settings_model=FakePluginSettings), api)
    assert result.exit_code == EXIT_CONFIG
    assert result.error is not None
    assert "HACKATTIC_FAKE_DOUBLE_ROUNDS" in result.error


# -- the service failing -------------------------------------------------------------------


async def test_a_failing_submit_keeps_the_solution() -> None:
    api = FakeAPI(solve_status=[503])
    result = await run(challenge(), api)
    assert result.status == "failed"
    assert result.exit_code == EXIT_SERVICE
    assert result.error is not None
    assert "503" in result.error
    assert not result.submitted
    assert result.solution == {"n2": 202}
    # A solution is never re-sent once it may have reached the server.
    assert len(api.posts()) == 1
    data = json.loads(json.dumps(result.to_json()))
    assert data["solution"] == {"n2": 202}
    assert data["exit_code"] == EXIT_SERVICE
    assert data["submitted"] is False


async def test_refused_submits_are_retried_and_a_final_503_keeps_the_solution() -> None:
    api = FakeAPI(solve_status=[0, 0, 503])
    result = await run(challenge(), api, settings=make_settings(retry_attempts=5))
    assert result.exit_code == EXIT_SERVICE
    assert result.retries == 2
    assert len(api.posts()) == 3
    assert result.solution == {"n2": 202}
    assert result.to_json()["solution"] == {"n2": 202}


async def test_a_submit_retried_after_a_refused_connection_passes() -> None:
    api = FakeAPI(solve_status=[0, 200])
    result = await run(challenge(), api)
    assert result.passed
    assert result.retries == 1
    assert api.solutions == [{"n2": 202}]


async def test_fetch_retries_are_counted() -> None:
    api = FakeAPI(problem_status=[503, 502, 200])
    result = await run(challenge(), api)
    assert result.passed
    assert result.retries == 2
    assert len(api.gets()) == 3


async def test_fetch_failing_after_retries_is_a_service_failure() -> None:
    api = FakeAPI(problem_status=[503])
    fake = challenge()
    result = await run(fake, api, settings=make_settings(retry_attempts=2))
    assert result.exit_code == EXIT_SERVICE
    assert result.error is not None
    assert "503" in result.error
    assert result.retries == 1
    assert len(api.gets()) == 2
    assert fake.seen == []


async def test_a_bad_token_is_a_service_failure_without_the_token() -> None:
    def unauthorized(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": f"bad token {TOKEN}", "url": str(request.url)})

    result = await run_challenge(
        challenge(), make_settings(), transport=httpx.MockTransport(unauthorized)
    )
    assert result.exit_code == EXIT_SERVICE
    assert result.error is not None
    assert "401" in result.error
    assert_no_token(result)


async def test_no_token_is_a_config_failure_before_any_request() -> None:
    api = FakeAPI()
    result = await run(challenge(), api, settings=make_settings(access_token=None))
    assert result.status == "failed"
    assert result.exit_code == EXIT_CONFIG
    assert result.error is not None
    assert "HACKATTIC_ACCESS_TOKEN" in result.error
    assert api.requests == []


# -- the result ----------------------------------------------------------------------------


async def test_to_json_is_serialisable_and_token_free(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hackattic")
    result = await run(challenge("lose", "solve"), FakeAPI(), sandbox=True)
    data = result.to_json()
    text = json.dumps(data)
    assert json.loads(text) == data
    assert TOKEN not in text
    assert data["slug"] == SLUG
    assert data["status"] == "passed"
    assert data["sandbox"] is True
    assert data["attempts"][0]["error"] == "conversation 101 dropped"
    assert all(isinstance(a["seconds"], float) for a in data["attempts"])
    assert set(data) >= {
        "slug",
        "status",
        "message",
        "hint",
        "solution",
        "submitted",
        "attempts",
        "timings",
        "retries",
        "error",
        "exit_code",
    }
    assert TOKEN not in caplog.text

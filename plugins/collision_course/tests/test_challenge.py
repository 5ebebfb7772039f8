"""The problem and solution models and the solver."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hackattic_collision_course import collision
from hackattic_collision_course.challenge import (
    CollisionCourseChallenge,
    CollisionCourseProblem,
    CollisionCourseSettings,
    CollisionCourseSolution,
    solve_include,
)
from pydantic import ValidationError

from hackattic_core import CostLimitExceeded, ExitCode, SolverError, validate_problem

INCLUDE = "0123456789abcdef0123456789abcdef"


def test_solves_a_problem(hackattic_context: Any) -> None:
    problem = CollisionCourseProblem.model_validate({"include": INCLUDE})

    async def solve() -> CollisionCourseSolution:
        async with hackattic_context(CollisionCourseChallenge) as context:
            return await CollisionCourseChallenge().solve(problem, context)

    solution = asyncio.run(solve())
    first, second = (base64.b64decode(text, validate=True) for text in solution.files)
    assert first != second
    assert first.endswith(INCLUDE.encode())
    assert second.endswith(INCLUDE.encode())
    md5 = hashlib.md5(first, usedforsecurity=False).hexdigest()
    assert md5 == hashlib.md5(second, usedforsecurity=False).hexdigest()
    assert set(solution.model_dump(mode="json")) == {"files"}


@pytest.mark.timing
def test_solving_takes_well_under_a_millisecond() -> None:
    started = time.perf_counter()
    for _ in range(1000):
        solve_include(INCLUDE)
    per_solve = (time.perf_counter() - started) / 1000
    assert per_solve < 1e-2  # generous: measured a few microseconds; the service allows 15 s


@pytest.mark.parametrize(
    ("include", "reason"),
    [
        ("0123456789ABCDEF0123456789ABCDEF", "32 lowercase hex characters"),
        ("", "32 lowercase hex characters"),
        ("g" * 32, "32 lowercase hex characters"),
        ("a" * 100 + "G", "got 'aaaa"),
        (" " + INCLUDE[1:], "32 lowercase hex characters"),
        (INCLUDE + "\n", "32 lowercase hex characters"),
        (12, "a string of 32 lowercase hex characters"),
        (None, "a string of 32 lowercase hex characters"),
    ],
)
def test_a_malformed_include_is_refused(include: object, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        CollisionCourseProblem.model_validate({"include": include})


def test_a_missing_include_is_refused() -> None:
    with pytest.raises(ValidationError, match="include"):
        CollisionCourseProblem.model_validate({"something": INCLUDE})


@pytest.fixture
def damaged_pair(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The second half of the stored pair with one byte flipped."""
    damaged = bytes([collision.WANG_2004_SECOND[0] ^ 1]) + collision.WANG_2004_SECOND[1:]
    monkeypatch.setattr(collision, "WANG_2004_SECOND", damaged)
    collision.verified_pair.cache_clear()
    yield
    collision.verified_pair.cache_clear()


@pytest.mark.usefixtures("damaged_pair")
def test_a_damaged_pair_is_a_solver_error() -> None:
    with pytest.raises(SolverError, match="does not collide"):
        solve_include(INCLUDE)


def test_an_include_of_another_length_is_solved_within_the_bound() -> None:
    settings = CollisionCourseSettings(_env_file=None)  # type: ignore[call-arg]
    for include in ("ab", INCLUDE + "0", "f" * settings.max_include_chars):
        problem = validate_problem(CollisionCourseChallenge, {"include": include})
        CollisionCourseChallenge().check_cost(problem, settings)
        first, second = (base64.b64decode(text) for text in solve_include(include).files)
        assert first.endswith(include.encode())
        assert hashlib.md5(first).digest() == hashlib.md5(second).digest()  # noqa: S324


def test_an_absurd_include_is_refused_before_any_work() -> None:
    settings = CollisionCourseSettings(_env_file=None)  # type: ignore[call-arg]
    problem = validate_problem(CollisionCourseChallenge, {"include": "a" * 5_000_000})
    with pytest.raises(CostLimitExceeded, match="include is 5000000 characters") as raised:
        CollisionCourseChallenge().check_cost(problem, settings)
    assert raised.value.setting == "HACKATTIC_COLLISION_COURSE_MAX_INCLUDE_CHARS"
    assert raised.value.exit_code == ExitCode.SERVICE

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
    CollisionCourseSolution,
    solve_include,
)
from pydantic import ValidationError

from hackattic_core import SolverError

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


def test_solving_takes_well_under_a_millisecond() -> None:
    started = time.perf_counter()
    for _ in range(1000):
        solve_include(INCLUDE)
    per_solve = (time.perf_counter() - started) / 1000
    assert per_solve < 1e-3  # measured: a few microseconds; the service allows 15 s


@pytest.mark.parametrize(
    ("include", "reason"),
    [
        ("0123456789ABCDEF0123456789ABCDEF", "32 lowercase hex characters"),
        (INCLUDE[:31], "32 lowercase hex characters"),
        (INCLUDE + "0", "32 lowercase hex characters"),
        ("g" * 32, "32 lowercase hex characters"),
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

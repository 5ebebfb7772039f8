"""Tests of the plugin; the ``hackattic_*`` fixtures come from hackattic's pytest plugin.

REPLACE the stub problems below with real ones (a problem and its known solution) as you
replace the stub models, solver and emulation.
"""

from __future__ import annotations

import asyncio
import random

from hackattic_collision_course.challenge import (
    CollisionCourseChallenge,
    CollisionCourseProblem,
    CollisionCourseSolution,
)
from hackattic_collision_course.emulation import CollisionCourseEmulation

from hackattic_core.sandbox.emulation import EmulationEnv


def test_solves_a_known_problem(hackattic_context) -> None:
    problem = CollisionCourseProblem(numbers=[1, 2, 39])

    async def solve() -> CollisionCourseSolution:
        async with hackattic_context(CollisionCourseChallenge) as context:
            return await CollisionCourseChallenge().solve(problem, context)

    assert asyncio.run(solve()) == CollisionCourseSolution(total=42)


def test_the_emulation_names_what_is_wrong(hackattic_sandbox_conditions) -> None:
    emulation = CollisionCourseEmulation(
        EmulationEnv(conditions=hackattic_sandbox_conditions, rng=random.Random(1))
    )
    issued = emulation.new_problem()
    right = sum(issued.problem["numbers"])
    assert emulation.check(issued, {"total": right}) is None
    assert "wrong total" in (emulation.check(issued, {"total": right + 1}) or "")
    assert "missing field 'total'" in (emulation.check(issued, {}) or "")


def test_passes_in_the_sandbox(hackattic_run) -> None:
    result = hackattic_run("collision_course")
    assert result.passed, result.error or result.message

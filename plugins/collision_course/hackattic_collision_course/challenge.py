"""The challenge collision_course: two different files with one MD5, both holding a string.

The problem is ``{"include": "<32 lowercase hex>"}``; the solution ``{"files": [base64,
base64]}``. Both files are a published MD5 collision pair with ``include`` appended (see
:mod:`.collision` for why the collision survives the suffix).
"""

from __future__ import annotations

import base64
import re
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from hackattic_core import (
    Challenge,
    ChallengeSettings,
    Context,
    CostLimitExceeded,
    Problem,
    Solution,
    SolverError,
)

from .collision import BrokenCollisionPair, colliding_files, md5_hex

INCLUDE_LENGTH = 32
"""What the service sends as ``include``: 32 lowercase hex characters (the facts file)."""
INCLUDE_PATTERN = re.compile(r"[0-9a-f]+")
"""Lowercase hex of any length: the construction works for any suffix, so a change of
length on hackattic's side would not break the solver; the length is bounded by a setting."""
DEFAULT_MAX_INCLUDE_CHARS = 4096
"""128 times what hackattic sends."""


class CollisionCourseProblem(Problem):
    """What ``GET /challenges/collision_course/problem`` returns: ``{"include": "<hex>"}``."""

    include: str
    """The string both files must contain (lowercase hex; hackattic sends 32 characters)."""

    @field_validator("include", mode="before")
    @classmethod
    def _is_lowercase_hex(cls, value: object) -> str:
        if not isinstance(value, str):
            raise ValueError("expected a string of 32 lowercase hex characters")
        if not INCLUDE_PATTERN.fullmatch(value):
            shown = value[:64] + ("…" if len(value) > 64 else "")
            raise ValueError(f"expected 32 lowercase hex characters, got {shown!r}")
        return value


class CollisionCourseSettings(ChallengeSettings):
    """The solver's settings, as ``HACKATTIC_COLLISION_COURSE_*`` (environment or .env)."""

    model_config = SettingsConfigDict(env_prefix="HACKATTIC_COLLISION_COURSE_")

    max_include_chars: int = Field(
        default=DEFAULT_MAX_INCLUDE_CHARS,
        ge=INCLUDE_LENGTH,
        description="Longest include accepted (hackattic sends 32 hex characters); each "
        "file is 128 bytes plus the include.",
    )


class CollisionCourseSolution(Solution):
    """What ``POST /challenges/collision_course/solve`` expects: the two files in base64."""

    files: Annotated[list[str], Field(min_length=2, max_length=2)]


def solve_include(include: str) -> CollisionCourseSolution:
    """Two different files with one MD5, each holding ``include``, as base64."""
    try:
        first, second = colliding_files(include.encode("ascii"))
    except BrokenCollisionPair as exc:
        raise SolverError(str(exc)) from None
    return CollisionCourseSolution(
        files=[base64.b64encode(data).decode("ascii") for data in (first, second)]
    )


class CollisionCourseChallenge(
    Challenge[CollisionCourseProblem, CollisionCourseSolution, CollisionCourseSettings]
):
    name = "collision_course"
    title = "Collision course: two files with one MD5, both holding a string"
    problem_model = CollisionCourseProblem
    solution_model = CollisionCourseSolution
    settings_model = CollisionCourseSettings
    emulation_class = "hackattic_collision_course.emulation:CollisionCourseEmulation"

    def check_cost(
        self, problem: CollisionCourseProblem, settings: CollisionCourseSettings
    ) -> None:
        if len(problem.include) > settings.max_include_chars:
            raise CostLimitExceeded(
                field="include",
                value=len(problem.include),
                limit=settings.max_include_chars,
                setting="HACKATTIC_COLLISION_COURSE_MAX_INCLUDE_CHARS",
                unit="characters",
            )

    # No run_blocking: a solve is two concatenations and two base64 encodings of ~160
    # bytes (about 10 µs), far less than a thread's start.
    async def solve(
        self, problem: CollisionCourseProblem, context: Context[CollisionCourseSettings]
    ) -> CollisionCourseSolution:
        solution = solve_include(problem.include)
        md5 = md5_hex(base64.b64decode(solution.files[0]))
        context.progress.done(
            f"collision_course: Wang et al. 2004 pair + include, both files MD5 {md5}"
        )
        return solution

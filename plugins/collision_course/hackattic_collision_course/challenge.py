"""The challenge collision_course: two different files with one MD5, both holding a string.

The problem is ``{"include": "<32 lowercase hex>"}``; the solution ``{"files": [base64,
base64]}``. Both files are a published MD5 collision pair with ``include`` appended (see
:mod:`.collision` for why the collision survives the suffix).
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, field_validator

from hackattic_core import Challenge, Context, Problem, Solution, SolverError

from .collision import BrokenCollisionPair, colliding_files, md5_hex

if TYPE_CHECKING:
    from hackattic_core import Emulation

INCLUDE_PATTERN = re.compile(r"[0-9a-f]{32}")
"""What the service sends as ``include``: 32 lowercase hex characters."""


class CollisionCourseProblem(Problem):
    """What ``GET /challenges/collision_course/problem`` returns: ``{"include": "<hex>"}``."""

    include: str
    """The string both files must contain (refused unless 32 lowercase hex characters)."""

    @field_validator("include", mode="before")
    @classmethod
    def _is_32_lowercase_hex(cls, value: object) -> str:
        if not isinstance(value, str):
            raise ValueError("expected a string of 32 lowercase hex characters")
        if not INCLUDE_PATTERN.fullmatch(value):
            raise ValueError(f"expected 32 lowercase hex characters, got {value[:64]!r}")
        return value


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


class CollisionCourseChallenge(Challenge):
    name = "collision_course"
    title = "Collision course: two files with one MD5, both holding a string"
    problem_model = CollisionCourseProblem
    solution_model = CollisionCourseSolution

    async def solve(
        self,
        problem: CollisionCourseProblem,
        context: Context,
    ) -> CollisionCourseSolution:
        solution = solve_include(problem.include)
        md5 = md5_hex(base64.b64decode(solution.files[0]))
        context.progress.done(
            f"collision_course: Wang et al. 2004 pair + include, both files MD5 {md5}"
        )
        return solution

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        # Imported here: `hackattic list` must not load the sandbox's server stack.
        from .emulation import CollisionCourseEmulation

        return CollisionCourseEmulation

"""The challenge collision_course: its problem, its solution and the solver.

REPLACE: the models and ``solve`` below are a stub (sum a list of numbers) that lets the
plugin run end to end from the start. Make them the real challenge's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hackattic_core.challenge import Challenge, Context, Problem, Solution

if TYPE_CHECKING:
    from hackattic_core.sandbox.emulation import Emulation


class CollisionCourseProblem(Problem):
    """What ``GET /challenges/collision_course/problem`` returns."""

    # REPLACE with the problem's fields.
    numbers: list[int]


class CollisionCourseSolution(Solution):
    """What ``POST /challenges/collision_course/solve`` expects."""

    # REPLACE with the solution's fields.
    total: int


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
        # ▼ REPLACE with your solver. To give up on this problem and have the runner fetch
        # a fresh one, raise hackattic_core.errors.AttemptLost("why").
        return CollisionCourseSolution(total=sum(problem.numbers))

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        # Imported here: `hackattic list` must not load the sandbox's server stack.
        from .emulation import CollisionCourseEmulation

        return CollisionCourseEmulation

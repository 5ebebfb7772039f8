"""A working plugin: ``doubler``, whose problem says how the solver should behave.

Problem ``{"n": <int>, "mode": "solve" | "lose" | "crash"}``; solution ``{"n2": n * 2}``.
``mode`` lets a fake API drive the solver: ``lose`` raises :class:`AttemptLost`, ``crash``
raises a plain exception (a solver bug).
"""

from __future__ import annotations

from typing import Any

from hackattic_core.challenge import Challenge, Context, Problem, Solution
from hackattic_core.errors import AttemptLost
from hackattic_core.hookspecs import hookimpl

SLUG = "doubler"


class DoublerProblem(Problem):
    n: int
    mode: str = "solve"


class DoublerSolution(Solution):
    n2: int


class Doubler(Challenge):
    name = SLUG
    title = "Double a number (test plugin)"
    problem_model = DoublerProblem
    solution_model = DoublerSolution

    async def solve(self, problem: Any, context: Context) -> DoublerSolution:
        if problem.mode == "lose":
            raise AttemptLost(f"lost problem n={problem.n}")
        if problem.mode == "crash":
            raise ZeroDivisionError("the doubler divided by zero")
        context.logger.debug("doubling %d", problem.n)
        return DoublerSolution(n2=problem.n * 2)


@hookimpl
def hackattic_register_challenges() -> list[type[Challenge]]:
    return [Doubler]

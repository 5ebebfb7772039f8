"""A plugin whose solver cannot be cancelled: the watchdog's test subject.

``stubborn``: the problem says how to hold the process: ``thread`` waits in
``asyncio.to_thread`` (which nothing cancels, and which ``asyncio.run`` waits for on the
way out), ``loop`` blocks the event loop's own thread.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hackattic_core import (
    Challenge,
    Context,
    Emulation,
    Issued,
    Problem,
    Solution,
    hookimpl,
)

HOLD_SECONDS = 600.0


class StubbornProblem(Problem):
    mode: str


class StubbornSolution(Solution):
    done: bool


class Stubborn(Challenge[StubbornProblem, StubbornSolution]):
    name = "stubborn"
    title = "Hold the process for minutes (test plugin)"
    problem_model = StubbornProblem
    solution_model = StubbornSolution
    emulation_class = "hackattic_test_stubborn:StubbornEmulation"

    async def solve(self, problem: StubbornProblem, context: Context) -> StubbornSolution:
        context.progress.update(f"holding ({problem.mode})")
        context.logger.warning("holding the process (%s)", problem.mode)
        if problem.mode == "loop":
            time.sleep(HOLD_SECONDS)  # noqa: ASYNC251 - the point of this plugin
        else:
            await asyncio.to_thread(time.sleep, HOLD_SECONDS)
        return StubbornSolution(done=True)


class StubbornEmulation(Emulation):
    async def new_problem(self) -> Issued:
        return Issued(problem={"mode": self.env.rng.choice(["thread"])})

    async def check(self, issued: Issued, solution: dict[str, Any]) -> str | None:
        return None


@hookimpl
def hackattic_register_challenges() -> list[type[Challenge[Any, Any, Any]]]:
    return [Stubborn]

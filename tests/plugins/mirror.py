"""``mirror``: the smallest challenge with an emulation, written only against the public API.

The problem is ``{"word": "<letters>"}``, the solution ``{"mirrored": <the word reversed>}``.
The core's own tests use it wherever a run needs some challenge (the sandbox's faults, a
hostile service, signals): installed for a test as ``hackattic_test_mirror`` (hence its
``emulation_class``), see ``tests/reliability/conftest.py``.
"""

from __future__ import annotations

import string
from typing import Any

from pydantic import Field

from hackattic_core import (
    AnyChallenge,
    Challenge,
    Context,
    Emulation,
    EmulationConditions,
    Issued,
    Problem,
    Solution,
    hookimpl,
)

SLUG = "mirror"


class MirrorProblem(Problem):
    word: str


class MirrorSolution(Solution):
    mirrored: str


def mirror(word: str) -> dict[str, str]:
    """The solution to ``{"word": word}``, as JSON."""
    return {"mirrored": word[::-1]}


class Mirror(Challenge[MirrorProblem, MirrorSolution]):
    name = SLUG
    title = "Mirror a word (test plugin)"
    problem_model = MirrorProblem
    solution_model = MirrorSolution
    emulation_class = "hackattic_test_mirror:MirrorEmulation"

    async def solve(self, problem: MirrorProblem, context: Context) -> MirrorSolution:
        context.logger.debug("mirroring %d letters", len(problem.word))
        return MirrorSolution(mirrored=problem.word[::-1])


class MirrorConditions(EmulationConditions):
    length: int = Field(default=8, ge=1, le=1000, description="Letters in a word.")


class MirrorEmulation(Emulation[MirrorConditions, str]):
    conditions_model = MirrorConditions

    async def new_problem(self) -> Issued[str]:
        letters = self.env.rng.choices(string.ascii_lowercase, k=self.env.conditions.length)
        word = "".join(letters)
        return Issued(problem={"word": word}, state=word[::-1])

    async def check(self, issued: Issued[str], solution: dict[str, Any]) -> str | None:
        if solution.get("mirrored") != issued.state:
            return f"wrong mirrored: got {solution.get('mirrored')!r}, expected {issued.state!r}"
        return None


@hookimpl
def hackattic_register_challenges() -> list[type[AnyChallenge]]:
    return [Mirror]

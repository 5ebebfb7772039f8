"""The challenge tales_of_ssl: its problem, its solution and the solver.

REPLACE: the models and ``solve`` below are a stub (sum a list of numbers) that lets the
plugin run end to end from the start. Make them the real challenge's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hackattic_core.challenge import Challenge, Context, Problem, Solution

if TYPE_CHECKING:
    from hackattic_core.sandbox.emulation import Emulation


class TalesOfSslProblem(Problem):
    """What ``GET /challenges/tales_of_ssl/problem`` returns."""

    # REPLACE with the problem's fields.
    numbers: list[int]


class TalesOfSslSolution(Solution):
    """What ``POST /challenges/tales_of_ssl/solve`` expects."""

    # REPLACE with the solution's fields.
    total: int


class TalesOfSslChallenge(Challenge):
    name = "tales_of_ssl"
    title = "Tales of SSL: a self-signed certificate for a given RSA key"
    problem_model = TalesOfSslProblem
    solution_model = TalesOfSslSolution

    async def solve(
        self,
        problem: TalesOfSslProblem,
        context: Context,
    ) -> TalesOfSslSolution:
        # ▼ REPLACE with your solver. To give up on this problem and have the runner fetch
        # a fresh one, raise hackattic_core.errors.AttemptLost("why").
        return TalesOfSslSolution(total=sum(problem.numbers))

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        # Imported here: `hackattic list` must not load the sandbox's server stack.
        from .emulation import TalesOfSslEmulation

        return TalesOfSslEmulation

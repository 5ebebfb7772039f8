"""The challenge mini_miner: its problem, its solution and the solver.

REPLACE: the models and ``solve`` below are a stub (sum a list of numbers) that lets the
plugin run end to end from the start. Make them the real challenge's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hackattic_core.challenge import Challenge, Context, Problem, Solution

if TYPE_CHECKING:
    from hackattic_core.sandbox.emulation import Emulation


class MiniMinerProblem(Problem):
    """What ``GET /challenges/mini_miner/problem`` returns."""

    # REPLACE with the problem's fields.
    numbers: list[int]


class MiniMinerSolution(Solution):
    """What ``POST /challenges/mini_miner/solve`` expects."""

    # REPLACE with the solution's fields.
    total: int


class MiniMinerChallenge(Challenge):
    name = "mini_miner"
    title = "Mini miner: a nonce whose SHA-256 starts with enough zero bits"
    problem_model = MiniMinerProblem
    solution_model = MiniMinerSolution

    async def solve(
        self,
        problem: MiniMinerProblem,
        context: Context,
    ) -> MiniMinerSolution:
        # ▼ REPLACE with your solver. To give up on this problem and have the runner fetch
        # a fresh one, raise hackattic_core.errors.AttemptLost("why").
        return MiniMinerSolution(total=sum(problem.numbers))

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        # Imported here: `hackattic list` must not load the sandbox's server stack.
        from .emulation import MiniMinerEmulation

        return MiniMinerEmulation

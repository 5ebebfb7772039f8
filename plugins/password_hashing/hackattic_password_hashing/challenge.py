"""The challenge password_hashing: its problem, its solution and the solver.

REPLACE: the models and ``solve`` below are a stub (sum a list of numbers) that lets the
plugin run end to end from the start. Make them the real challenge's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hackattic_core.challenge import Challenge, Context, Problem, Solution

if TYPE_CHECKING:
    from hackattic_core.sandbox.emulation import Emulation


class PasswordHashingProblem(Problem):
    """What ``GET /challenges/password_hashing/problem`` returns."""

    # REPLACE with the problem's fields.
    numbers: list[int]


class PasswordHashingSolution(Solution):
    """What ``POST /challenges/password_hashing/solve`` expects."""

    # REPLACE with the solution's fields.
    total: int


class PasswordHashingChallenge(Challenge):
    name = "password_hashing"
    title = "Password hashing: SHA-256, HMAC, PBKDF2 and scrypt of a password"
    problem_model = PasswordHashingProblem
    solution_model = PasswordHashingSolution

    async def solve(
        self,
        problem: PasswordHashingProblem,
        context: Context,
    ) -> PasswordHashingSolution:
        # ▼ REPLACE with your solver. To give up on this problem and have the runner fetch
        # a fresh one, raise hackattic_core.errors.AttemptLost("why").
        return PasswordHashingSolution(total=sum(problem.numbers))

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        # Imported here: `hackattic list` must not load the sandbox's server stack.
        from .emulation import PasswordHashingEmulation

        return PasswordHashingEmulation

"""The challenge backup_restore: its problem, its solution and the solver.

REPLACE: the models and ``solve`` below are a stub (sum a list of numbers) that lets the
plugin run end to end from the start. Make them the real challenge's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hackattic_core.challenge import Challenge, Context, Problem, Solution

if TYPE_CHECKING:
    from hackattic_core.sandbox.emulation import Emulation


class BackupRestoreProblem(Problem):
    """What ``GET /challenges/backup_restore/problem`` returns."""

    # REPLACE with the problem's fields.
    numbers: list[int]


class BackupRestoreSolution(Solution):
    """What ``POST /challenges/backup_restore/solve`` expects."""

    # REPLACE with the solution's fields.
    total: int


class BackupRestoreChallenge(Challenge):
    name = "backup_restore"
    title = "Backup restore: the alive SSNs in a gzipped PostgreSQL dump"
    problem_model = BackupRestoreProblem
    solution_model = BackupRestoreSolution

    async def solve(
        self,
        problem: BackupRestoreProblem,
        context: Context,
    ) -> BackupRestoreSolution:
        # ▼ REPLACE with your solver. To give up on this problem and have the runner fetch
        # a fresh one, raise hackattic_core.errors.AttemptLost("why").
        return BackupRestoreSolution(total=sum(problem.numbers))

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        # Imported here: `hackattic list` must not load the sandbox's server stack.
        from .emulation import BackupRestoreEmulation

        return BackupRestoreEmulation

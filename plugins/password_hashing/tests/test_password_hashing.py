"""Tests of the plugin; the ``hackattic_*`` fixtures come from hackattic's pytest plugin.

REPLACE the stub problems below with real ones (a problem and its known solution) as you
replace the stub models, solver and emulation.
"""

from __future__ import annotations

import asyncio
import random

from hackattic_password_hashing.challenge import (
    PasswordHashingChallenge,
    PasswordHashingProblem,
    PasswordHashingSolution,
)
from hackattic_password_hashing.emulation import PasswordHashingEmulation

from hackattic_core.sandbox.emulation import EmulationEnv


def test_solves_a_known_problem(hackattic_context) -> None:
    problem = PasswordHashingProblem(numbers=[1, 2, 39])

    async def solve() -> PasswordHashingSolution:
        async with hackattic_context(PasswordHashingChallenge) as context:
            return await PasswordHashingChallenge().solve(problem, context)

    assert asyncio.run(solve()) == PasswordHashingSolution(total=42)


def test_the_emulation_names_what_is_wrong(hackattic_sandbox_conditions) -> None:
    emulation = PasswordHashingEmulation(
        EmulationEnv(conditions=hackattic_sandbox_conditions, rng=random.Random(1))
    )
    issued = emulation.new_problem()
    right = sum(issued.problem["numbers"])
    assert emulation.check(issued, {"total": right}) is None
    assert "wrong total" in (emulation.check(issued, {"total": right + 1}) or "")
    assert "missing field 'total'" in (emulation.check(issued, {}) or "")


def test_passes_in_the_sandbox(hackattic_run) -> None:
    result = hackattic_run("password_hashing")
    assert result.passed, result.error or result.message

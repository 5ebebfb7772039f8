"""help_me_unpack end to end against the sandbox (fixtures of hackattic's pytest plugin)."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from hackattic_help_me_unpack.challenge import (
    HelpMeUnpackChallenge,
    HelpMeUnpackProblem,
    HelpMeUnpackSolution,
    unpack,
)

from hackattic_core.hookspecs import hookimpl
from hackattic_core.plugins import Registry, load_registry
from hackattic_core.runner import RunResult
from hackattic_core.sandbox.conditions import Fault, SandboxConditions

Run = Callable[..., RunResult]


def test_solves_a_known_problem(hackattic_context: Any) -> None:
    # 7, 8, 9, padding, 0.5, 1.5, 2.5 (big-endian)
    problem = HelpMeUnpackProblem.model_validate(
        {"bytes": "BwAAAAgAAAAJAAAAAAAAPwAAAAAAAPg/QAQAAAAAAAA="}
    )

    async def solve() -> HelpMeUnpackSolution:
        async with hackattic_context(HelpMeUnpackChallenge) as context:
            return await HelpMeUnpackChallenge().solve(problem, context)

    assert asyncio.run(solve()) == HelpMeUnpackSolution(
        int=7, uint=8, short=9, float=0.5, double=1.5, big_endian_double=2.5
    )


def test_passes_in_the_sandbox(hackattic_run: Run) -> None:
    result = hackattic_run("help_me_unpack")
    assert result.passed, result.error or result.message
    assert result.submitted
    assert result.solution is not None
    assert set(result.solution) == {"int", "uint", "short", "float", "double", "big_endian_double"}


def test_a_second_solve_needs_the_playground(hackattic_run: Run) -> None:
    assert hackattic_run("help_me_unpack").passed
    again = hackattic_run("help_me_unpack")
    assert again.status == "already_solved"
    assert hackattic_run("help_me_unpack", playground=True).passed


class TestMalformedProblems:
    @pytest.fixture
    def hackattic_sandbox_conditions(
        self, hackattic_sandbox_conditions: SandboxConditions
    ) -> SandboxConditions:
        return hackattic_sandbox_conditions.model_copy(
            update={"faults": [Fault.INCOMPLETE_PROBLEM]}
        )

    def test_an_incomplete_problem_fails_naming_the_field(self, hackattic_run: Run) -> None:
        result = hackattic_run("help_me_unpack")
        assert result.status == "failed"
        assert result.exit_code == 3
        assert "'bytes'" in (result.error or "")


class ReadsTheShortAsAnInt(HelpMeUnpackChallenge):
    """A classic mistake: the short read as four bytes, padding included."""

    async def solve(self, problem: HelpMeUnpackProblem, context: Any) -> HelpMeUnpackSolution:
        solution = unpack(problem.bytes)
        (as_int,) = struct.unpack_from("<i", problem.bytes, 8)
        return solution.model_copy(update={"short": as_int})


class TestAWrongSolver:
    @pytest.fixture
    def hackattic_registry(self) -> Registry:
        plugin = SimpleNamespace(
            hackattic_register_challenges=hookimpl(lambda: [ReadsTheShortAsAnInt])
        )
        return load_registry(extra_plugins=[("wrong", plugin)], use_entry_points=False)

    def test_is_rejected_naming_the_field(self, hackattic_run: Run) -> None:
        result = hackattic_run("help_me_unpack")
        assert result.status == "rejected"
        assert result.exit_code == 1
        assert result.message.startswith("wrong short: got ")

"""help_me_unpack end to end: against the sandbox (the core's fixtures), as a public solver
uses its HTTP API, and through the real CLI with problems from a loopback service."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hackattic_help_me_unpack.challenge import (
    HelpMeUnpackChallenge,
    HelpMeUnpackProblem,
    HelpMeUnpackSolution,
    unpack,
)

from hackattic_core import ExitCode
from hackattic_core.testing import interrupt

SLUG = "help_me_unpack"
FIELDS = {"int", "uint", "short", "float", "double", "big_endian_double"}
PROBLEMS = 20


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


def test_passes_in_the_sandbox(hackattic_run: Any) -> None:
    result = hackattic_run(SLUG)
    assert result.passed, result.error or result.message
    assert result.submitted
    assert result.solution is not None
    assert set(result.solution) == FIELDS


def test_a_second_solve_needs_the_playground(hackattic_run: Any) -> None:
    assert hackattic_run(SLUG).passed
    again = hackattic_run(SLUG)
    assert again.status == "already_solved"
    assert hackattic_run(SLUG, playground=True).passed


class TestTheWideProblems:
    @pytest.fixture
    def hackattic_sandbox_options(self) -> dict[str, dict[str, Any]]:
        return {SLUG: {"random_padding": True, "distinct_doubles": True}}

    def test_the_solver_passes_them(self, hackattic_run: Any) -> None:
        for _ in range(5):
            result = hackattic_run(SLUG, playground=True)
            assert result.passed, result.error or result.message

    def test_a_solver_reading_the_short_as_an_int_is_rejected(self, hackattic_sandbox: Any) -> None:
        answers = [submit(hackattic_sandbox, reads_the_short_as_an_int) for _ in range(5)]
        rejected = [answer["rejected"] for answer in answers if "rejected" in answer]
        assert rejected, answers
        assert all(reason.startswith("wrong short: got ") for reason in rejected)


# ---- solvers written the way public ones are: plain HTTP against the sandbox --------------


def submit(sandbox: Any, solver: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """A public-style solver's round: a fresh problem, its solution posted in the
    playground (where every problem may be solved, not only the first)."""
    url = f"{sandbox.base_url}/challenges/{SLUG}/solve"
    params = {"access_token": sandbox.access_token, "playground": "1"}
    answer = httpx.post(url, params=params, json=solver(sandbox.fetch_problem(SLUG)), timeout=30)
    verdict: dict[str, Any] = answer.raise_for_status().json()
    return verdict


def public_style(problem: dict[str, Any]) -> dict[str, Any]:
    """The usual public solver: one struct format for the little-endian part."""
    data = base64.b64decode(problem["bytes"])
    int_, uint, short, float_, double = struct.unpack("<iIhxxfd", data[:24])
    (big,) = struct.unpack(">d", data[24:])
    keys = ("int", "uint", "short", "float", "double", "big_endian_double")
    return dict(zip(keys, (int_, uint, short, float_, double, big), strict=True))


def reads_the_short_as_an_int(problem: dict[str, Any]) -> dict[str, Any]:
    """A classic mistake: the short read as four bytes, padding included (right whenever
    the padding is 00 00 and the short is not negative)."""
    solution = public_style(problem)
    (solution["short"],) = struct.unpack_from("<i", base64.b64decode(problem["bytes"]), 8)
    return solution


def test_a_public_style_solver_passes_every_default_problem(hackattic_sandbox: Any) -> None:
    for number in range(PROBLEMS):
        answer = submit(hackattic_sandbox, public_style)
        assert "passed" in answer.get("result", ""), (number, answer)


# ---- the real CLI, against the sandbox and against a loopback service ----------------------


def test_an_incomplete_problem_fails_naming_the_field(hackattic_cli: Any) -> None:
    result = hackattic_cli("run", SLUG, "--sandbox", "--json", "--fault", "incomplete_problem")
    assert result.exit_code == ExitCode.SERVICE, result
    assert "'bytes'" in result.json["error"]


def packed(int_: int, uint: int, short: int, single: bytes, double: bytes) -> str:
    data = struct.pack("<iIh2x", int_, uint, short) + single + double + double[::-1]
    return base64.b64encode(data).decode()


NAN32 = struct.pack("<I", 0x7FC00001)
INF64 = struct.pack("<d", float("inf"))
MINUS_INF64 = struct.pack("<d", float("-inf"))


def refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str | bytes) -> Any:
    return json.loads(text, parse_constant=refuse_constant)


def test_bytes_that_decode_to_nan_give_strict_json(
    hackattic_cli: Any, hackattic_fake_service: Any
) -> None:
    problem = {"bytes": packed(-1, 2, -3, NAN32, INF64)}
    result = hackattic_cli("run", SLUG, "--json", env=hackattic_fake_service.serve(problem))
    assert result.exit_code == ExitCode.PASSED, result
    report = strict_json(result.stdout)  # what --json printed: RFC 8259, no NaN
    assert report["solution"]["float"] == "NaN"
    assert report["solution"]["double"] == "Infinity"
    assert report["solution"]["big_endian_double"] == "Infinity"
    (body,) = hackattic_fake_service.submitted()
    assert strict_json(body) == {
        "int": -1,
        "uint": 2,
        "short": -3,
        "float": "NaN",
        "double": "Infinity",
        "big_endian_double": "Infinity",
    }


def test_nan_can_be_refused_in_one_line(hackattic_cli: Any, hackattic_fake_service: Any) -> None:
    environment = hackattic_fake_service.serve({"bytes": packed(0, 0, 0, NAN32, MINUS_INF64)})
    environment["HACKATTIC_HELP_ME_UNPACK_NON_FINITE"] = "refuse"
    result = hackattic_cli("run", SLUG, "--json", env=environment)
    assert result.exit_code == ExitCode.SOLVER, result
    assert "the problem's float is nan, which JSON cannot hold" in result.json["error"]
    assert not hackattic_fake_service.submitted()


def test_a_huge_bytes_field_is_refused_before_decoding(
    hackattic_cli: Any, hackattic_fake_service: Any
) -> None:
    problem = {"bytes": "A" * 400_000}
    environment = hackattic_fake_service.serve(problem)
    result = hackattic_cli("run", SLUG, "--json", env=environment)
    assert result.exit_code == ExitCode.SERVICE, result
    assert "got 400,000 characters" in result.json["error"]
    assert len(result.json["error"]) < 400


def test_sigint_while_the_submit_hangs_ends_the_run(
    hackattic_cli_start: Any, hackattic_fake_service: Any
) -> None:
    # The solve takes a microsecond: the longest wait of a run is the submit's answer.
    hackattic_fake_service.hold_submit.set()
    environment = hackattic_fake_service.serve({"bytes": packed(1, 2, 3, NAN32, INF64)})
    process = hackattic_cli_start("run", SLUG, "--json", env=environment)
    result, _ = interrupt(process, hackattic_fake_service.submit_arrived)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert strict_json(result.stdout)["exit_code"] == ExitCode.INTERRUPTED


def test_the_public_solver_and_ours_agree(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(HelpMeUnpackChallenge)
    for _ in range(20):
        problem = asyncio.run(emulation.new_problem()).problem
        ours = unpack(base64.b64decode(problem["bytes"])).model_dump()
        assert ours == public_style(problem)

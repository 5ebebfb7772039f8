"""backup_restore end to end: through the runner, through the sandbox's HTTP API as a public
solver would use it, and through the real CLI process."""

from __future__ import annotations

import base64
import gzip
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hackattic_core import ExitCode

SLUG = "backup_restore"
SSN_SHAPE = r"\d{3}-\d{2}-\d{4}"
PROBLEMS = 20
"""How many default problems the public-style solver meets (each one a fresh table)."""


def test_passes_in_the_sandbox(hackattic_run: Any) -> None:
    result = hackattic_run(SLUG)
    assert result.passed, result.error or result.message
    assert result.solution is not None
    ssns = result.solution["alive_ssns"]
    assert ssns
    assert all(re.fullmatch(SSN_SHAPE, ssn) for ssn in ssns)


class TestTheWideDumps:
    """NULLs, escapes, non-ASCII text and rows over several lines, and the order checked."""

    @pytest.fixture
    def hackattic_sandbox_options(self) -> dict[str, dict[str, Any]]:
        return {SLUG: {"breadth": "wide", "check_order": True}}

    def test_the_solver_passes_them_in_table_order(self, hackattic_run: Any) -> None:
        for _ in range(3):
            result = hackattic_run(SLUG, playground=True)
            assert result.passed, result.error or result.message


# ---- solvers written the way public ones are: plain HTTP against the sandbox --------------


def submit(sandbox: Any, solver: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """A public-style solver's round: a fresh problem, its solution posted in the
    playground (where every problem may be solved, not only the first)."""
    url = f"{sandbox.base_url}/challenges/{SLUG}/solve"
    params = {"access_token": sandbox.access_token, "playground": "1"}
    answer = httpx.post(url, params=params, json=solver(sandbox.fetch_problem(SLUG)), timeout=30)
    verdict: dict[str, Any] = answer.raise_for_status().json()
    return verdict


def rows_from_line_96(problem: dict[str, Any]) -> list[list[str]]:
    """What a solver that passed hackattic does: gunzip, skip to line 96 (where the real
    dumps' rows start), split each line at tabs until ``\\.``."""
    lines = gzip.decompress(base64.b64decode(problem["dump"])).decode().split("\n")
    rows = []
    for line in lines[95:]:
        if line == "\\.":
            break
        rows.append(line.split("\t"))
    return rows


def line_96_solver(problem: dict[str, Any]) -> dict[str, Any]:
    return {"alive_ssns": [row[3] for row in rows_from_line_96(problem) if row[7] == "alive"]}


def every_ssn_solver(problem: dict[str, Any]) -> dict[str, Any]:
    """A classic mistake: every ssn of the table, alive or not."""
    return {"alive_ssns": [row[3] for row in rows_from_line_96(problem)]}


def test_a_solver_reading_rows_from_line_96_passes_every_default_problem(
    hackattic_sandbox: Any,
) -> None:
    for number in range(PROBLEMS):
        answer = submit(hackattic_sandbox, line_96_solver)
        assert "passed" in answer.get("result", ""), (number, answer)


def test_a_wrong_solver_is_rejected_naming_what_is_wrong(hackattic_sandbox: Any) -> None:
    answer = submit(hackattic_sandbox, every_ssn_solver)
    assert answer["rejected"].startswith("wrong alive_ssns: "), answer
    assert " ssns that are not alive: " in answer["rejected"]


# ---- the real CLI ---------------------------------------------------------------------------


def test_the_cli_passes_against_the_sandbox_default_and_wide(hackattic_cli: Any) -> None:
    for options in ([], ["-o", "breadth=wide", "-o", "check_order=true"]):
        result = hackattic_cli("run", SLUG, "--sandbox", "--json", *options)
        assert result.exit_code == ExitCode.PASSED, result
        assert result.json["status"] == "passed"
        assert result.json["solution"]["alive_ssns"]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        # Zeros without a newline: the line bound is crossed first, at 1 MiB.
        ("gzip_bomb", "the problem's line 1 of the dump is "),
        ("truncated_dump", "malformed backup_restore dump: truncated gzip"),
    ],
)
def test_the_cli_refuses_a_hostile_dump_in_one_line(
    hackattic_cli: Any, fault: str, error: str
) -> None:
    result = hackattic_cli("run", SLUG, "--sandbox", "--json", "--fault", fault)
    assert result.exit_code == ExitCode.SERVICE, result
    assert result.json["error"].startswith(error), result.json
    assert "\n" not in result.json["error"]
    assert result.json["solution"] is None

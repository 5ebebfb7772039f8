"""The sandbox emulation: the problems it issues and its check (the core's fixtures)."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import re
import time
from typing import Any

from hackattic_collision_course.challenge import CollisionCourseChallenge, solve_include
from hackattic_collision_course.emulation import CollisionCourseEmulation

from hackattic_core import Issued


def issue(emulation: CollisionCourseEmulation) -> Issued:
    return asyncio.run(emulation.new_problem())


def check(emulation: CollisionCourseEmulation, issued: Issued, solution: Any) -> str | None:
    return asyncio.run(emulation.check(issued, solution))


def test_problems_are_32_lowercase_hex_and_reproducible(hackattic_emulation: Any) -> None:
    first = [issue(hackattic_emulation(CollisionCourseChallenge)).problem for _ in range(3)]
    again = [issue(hackattic_emulation(CollisionCourseChallenge)).problem for _ in range(3)]
    assert first == again
    emulation = hackattic_emulation(CollisionCourseChallenge)
    problems = [issue(emulation).problem for _ in range(20)]
    assert all(set(problem) == {"include"} for problem in problems)
    assert all(re.fullmatch(r"[0-9a-f]{32}", problem["include"]) for problem in problems)
    assert len({problem["include"] for problem in problems}) == 20


def test_the_solver_passes_for_random_includes(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(CollisionCourseChallenge)
    for _ in range(5):
        issued = issue(emulation)
        solution = solve_include(issued.problem["include"]).model_dump(mode="json")
        assert check(emulation, issued, solution) is None


def test_a_wrong_solution_is_rejected_naming_why(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(CollisionCourseChallenge)
    issued = issue(emulation)
    files = solve_include(issued.problem["include"]).files
    first = base64.b64decode(files[0])
    tampered = base64.b64encode(first[:-1] + b"!").decode()  # the suffix, in one file only
    cases = {
        "files must be a list of two base64 strings": {"files": files[0]},
        "files must be a list of two base64 strings, got a list of 1": {"files": files[:1]},
        "file 1 is not valid base64": {"files": ["***", files[1]]},
        "the two files are identical": {"files": [files[0], files[0]]},
        "file 1 does not contain the include string": {"files": [tampered, files[1]]},
    }
    for reason, solution in cases.items():
        got = check(emulation, issued, solution)
        assert got is not None
        assert got.startswith(reason), (reason, got)
    other = issue(emulation)  # a right answer to another problem: the include is missing
    other_files = solve_include(other.problem["include"]).files
    assert (check(emulation, issued, {"files": [files[0], other_files[1]]}) or "").startswith(
        "file 2 does not contain the include string"
    )


def test_different_md5s_are_rejected(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(CollisionCourseChallenge)
    issued = issue(emulation)
    files = solve_include(issued.problem["include"]).files
    second = base64.b64decode(files[1]) + b"extra"
    reason = check(emulation, issued, {"files": [files[0], base64.b64encode(second).decode()]})
    assert (reason or "").startswith("the MD5s differ: file 1 ")


def test_the_size_limit_is_a_condition(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(CollisionCourseChallenge, max_file_bytes=100)
    issued = issue(emulation)
    solution = solve_include(issued.problem["include"]).model_dump(mode="json")
    assert check(emulation, issued, solution) == "file 1 is larger than 100 bytes"


def test_an_answer_after_the_time_limit_is_too_slow(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(CollisionCourseChallenge)
    issued = issue(emulation)
    solution = solve_include(issued.problem["include"]).model_dump(mode="json")
    late = Issued(
        problem=issued.problem,
        state=dataclasses.replace(issued.state, issued_at=time.monotonic() - 16),
    )
    reason = check(emulation, late, solution)
    assert (reason or "").startswith("too slow: answered 16.0 s after the problem")
    assert check(emulation, issued, solution) is None

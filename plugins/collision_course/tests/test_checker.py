"""The sandbox's checker on right and wrong solutions (no core needed)."""

from __future__ import annotations

import base64
import random
from typing import Any

import pytest
from hackattic_collision_course.checker import check_files
from hackattic_collision_course.collision import colliding_files

INCLUDE = "0123456789abcdef0123456789abcdef"
MIB = 1024 * 1024


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def right_files(include: str = INCLUDE) -> list[str]:
    return [b64(data) for data in colliding_files(include.encode("ascii"))]


def check(solution: dict[str, Any], include: str = INCLUDE, max_bytes: int = MIB) -> str | None:
    return check_files(include, solution, max_bytes)


@pytest.mark.parametrize("seed", range(4))
def test_the_solution_for_random_includes_passes(seed: int) -> None:
    include = f"{random.Random(seed).getrandbits(128):032x}"
    assert check({"files": right_files(include)}, include) is None


def test_the_include_may_be_anywhere_in_the_file() -> None:
    suffix = b"\n--" + INCLUDE.encode() + b"--\n"
    files = [b64(data) for data in colliding_files(suffix)]
    assert check({"files": files}) is None


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ("not a list", "files must be a list of two base64 strings, got str"),
        ({"a": 1}, "files must be a list of two base64 strings, got dict"),
        (right_files()[:1], "files must be a list of two base64 strings, got a list of 1"),
        (right_files() * 2, "files must be a list of two base64 strings, got a list of 4"),
        ([right_files()[0], 7], "files must be a list of two base64 strings: file 2 is int"),
        (["not base64!", right_files()[1]], "file 1 is not valid base64"),
        ([right_files()[0], right_files()[1][:-1]], "file 2 is not valid base64"),
        ([right_files()[0]] * 2, "the two files are identical"),
    ],
)
def test_malformed_files_are_refused_naming_what_is_wrong(files: object, reason: str) -> None:
    assert check({"files": files}) == reason


def test_missing_files_are_named() -> None:
    assert check({}) == "missing field 'files'"


def test_a_file_without_the_include_is_refused() -> None:
    first, second = colliding_files(INCLUDE.encode())
    other_first, _ = colliding_files(b"f" * 32)
    assert check({"files": [b64(first), b64(other_first)]}) == (
        f"file 2 does not contain the include string {INCLUDE!r}"
    )
    assert check({"files": [b64(other_first), b64(second)]}) == (
        f"file 1 does not contain the include string {INCLUDE!r}"
    )


def test_an_uppercase_include_is_not_the_include() -> None:
    files = [b64(data) for data in colliding_files(INCLUDE.upper().encode())]
    assert check({"files": files}) == f"file 1 does not contain the include string {INCLUDE!r}"


def test_different_md5s_are_refused() -> None:
    first, second = colliding_files(INCLUDE.encode() + b"!")
    tampered = second[:-1] + b"?"  # a byte of the suffix, in one file only
    reason = check({"files": [b64(first), b64(tampered)]})
    assert reason is not None
    assert reason.startswith("the MD5s differ: file 1 ")


def test_two_different_files_with_the_include_but_no_collision_are_refused() -> None:
    files = [b64(b"a" + INCLUDE.encode()), b64(b"b" + INCLUDE.encode())]
    reason = check({"files": files})
    assert reason is not None
    assert reason.startswith("the MD5s differ: ")


def test_files_above_the_size_limit_are_refused() -> None:
    first, second = colliding_files(INCLUDE.encode())
    files = [b64(first), b64(second)]
    limit = len(first) - 1
    assert check({"files": files}, max_bytes=limit) == f"file 1 is larger than {limit} bytes"
    assert check({"files": files}, max_bytes=len(first)) is None
    huge = b64(second + bytes(MIB))
    assert check({"files": [b64(first), huge]}) == f"file 2 is larger than {MIB} bytes"

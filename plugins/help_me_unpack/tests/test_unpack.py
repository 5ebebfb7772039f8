"""The solver on byte strings written out by hand, and the problem model's checks."""

from __future__ import annotations

import base64
import math

import pytest
from hackattic_help_me_unpack.challenge import (
    PACKED_SIZE,
    HelpMeUnpackChallenge,
    HelpMeUnpackProblem,
    HelpMeUnpackSolution,
    as_json_numbers,
    unpack,
)
from pydantic import ValidationError

from hackattic_core import ProblemError, SolverError, validate_problem

# int -2, uint 3_000_000_000, short -300, two padding bytes, float 1.25, double -2.5,
# big-endian double 6.5.
KNOWN = bytes.fromhex(
    "feffffff"  # int, little-endian
    "005ed0b2"  # uint
    "d4fe"  # short
    "aabb"  # padding: not zero, and skipped
    "0000a03f"  # float
    "00000000000004c0"  # double
    "401a000000000000"  # big-endian double
)
KNOWN_SOLUTION = HelpMeUnpackSolution(
    int=-2, uint=3_000_000_000, short=-300, float=1.25, double=-2.5, big_endian_double=6.5
)


def test_unpacks_a_known_byte_string() -> None:
    assert len(KNOWN) == PACKED_SIZE == 32
    assert unpack(KNOWN) == KNOWN_SOLUTION


def test_the_padding_is_not_part_of_the_short() -> None:
    zero_padded = KNOWN[:10] + b"\0\0" + KNOWN[12:]
    assert unpack(zero_padded) == unpack(KNOWN)


def test_extremes() -> None:
    data = bytes.fromhex(
        "00000080"  # int -2**31
        "ffffffff"  # uint 2**32 - 1
        "ff7f"  # short 2**15 - 1
        "0000"
        "ffff7fff"  # float: the lowest finite
        "ffffffffffffef7f"  # double: the largest finite
        "0000000000000001"  # big-endian double: the smallest subnormal
    )
    solution = unpack(data)
    assert (solution.int, solution.uint, solution.short) == (-(2**31), 2**32 - 1, 2**15 - 1)
    assert solution.float == -3.4028234663852886e38
    assert solution.double == 1.7976931348623157e308
    assert solution.big_endian_double == 5e-324


def test_the_solution_json_uses_hackattics_field_names() -> None:
    assert KNOWN_SOLUTION.model_dump(mode="json") == {
        "int": -2,
        "uint": 3_000_000_000,
        "short": -300,
        "float": 1.25,
        "double": -2.5,
        "big_endian_double": 6.5,
    }


def test_the_problem_decodes_base64() -> None:
    problem = HelpMeUnpackProblem.model_validate({"bytes": base64.b64encode(KNOWN).decode()})
    assert problem.bytes == KNOWN


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("not base64!", "not valid base64"),
        (base64.b64encode(KNOWN[:31]).decode(), "expected 32 bytes, got 31"),
        (base64.b64encode(KNOWN + b"\0").decode(), "expected 32 bytes, got 33"),
        (12, "expected a base64 string"),
        ("QUFB" * 100, "expected 32 bytes \\(44 base64 characters\\), got 400 characters"),
    ],
)
def test_a_malformed_problem_is_refused_naming_the_field(value: object, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        HelpMeUnpackProblem.model_validate({"bytes": value})
    with pytest.raises(ProblemError, match="field 'bytes'"):
        validate_problem(HelpMeUnpackChallenge, {"bytes": value})


def test_unpack_refuses_a_wrong_length() -> None:
    with pytest.raises(ValueError, match="expected 32 bytes, got 24"):
        unpack(KNOWN[:24])


@pytest.mark.parametrize(
    ("value", "text"),
    [(math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity")],
)
def test_a_float_json_cannot_hold_is_sent_as_text(value: float, text: str) -> None:
    solution = KNOWN_SOLUTION.model_copy(update={"double": value, "float": value})
    sent = as_json_numbers(solution, "string")
    assert (sent.float, sent.double, sent.big_endian_double) == (text, text, 6.5)
    assert as_json_numbers(KNOWN_SOLUTION, "string") is KNOWN_SOLUTION
    with pytest.raises(SolverError, match="the problem's float is"):
        as_json_numbers(solution, "refuse")

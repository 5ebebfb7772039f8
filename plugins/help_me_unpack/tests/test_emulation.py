"""The sandbox emulation: problems packed as hackattic packs them, and the checker."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from hackattic_help_me_unpack.challenge import HelpMeUnpackChallenge, unpack
from hackattic_help_me_unpack.emulation import HelpMeUnpackEmulation, as_float32, check_values

EXPECTED: dict[str, Any] = {
    "int": -2,
    "uint": 3_000_000_000,
    "short": -300,
    "float": 1.25,
    "double": -2.5,
    "big_endian_double": 6.5,
}


@pytest.fixture
def emulation(hackattic_emulation: Any) -> Callable[..., HelpMeUnpackEmulation]:
    """``emulation(**conditions)``: built as the sandbox builds it (its fixed seed)."""

    def build(**conditions: Any) -> HelpMeUnpackEmulation:
        built: HelpMeUnpackEmulation = hackattic_emulation(HelpMeUnpackChallenge, **conditions)
        return built

    return build


@pytest.mark.parametrize("wide", [False, True])
async def test_problems_unpack_to_the_values_packed(emulation: Any, wide: bool) -> None:
    issuer = emulation(random_padding=wide, distinct_doubles=wide)
    for _ in range(200):
        issued = await issuer.new_problem()
        assert set(issued.problem) == {"bytes"}
        solution = unpack(base64.b64decode(issued.problem["bytes"]))
        assert solution.model_dump() == issued.state
        assert await issuer.check(issued, solution.model_dump(mode="json")) is None


async def test_problems_are_random_and_reproducible(emulation: Any) -> None:
    first = [(await emulation().new_problem()).problem for _ in range(2)]
    again = [(await emulation().new_problem()).problem for _ in range(2)]
    assert first == again
    issuer = emulation()
    assert (await issuer.new_problem()).problem != (await issuer.new_problem()).problem


async def test_the_padding_and_doubles_vary_when_asked(emulation: Any) -> None:
    issuer = emulation(random_padding=True, distinct_doubles=True)
    problems = [base64.b64decode((await issuer.new_problem()).problem["bytes"]) for _ in range(50)]
    assert len({data[10:12] for data in problems}) > 1
    assert all(data[16:24] != data[24:32][::-1] for data in problems)


def test_the_right_values_pass() -> None:
    assert check_values(EXPECTED, dict(EXPECTED)) is None


def test_floats_pass_within_the_tolerance() -> None:
    value = as_float32(0.1)  # 0.10000000149011612
    expected = {**EXPECTED, "float": value, "double": 1 / 3}
    rounded = {**expected, "float": 0.1, "double": 0.333333333333}
    assert check_values(expected, rounded) is None


def test_a_wrong_float_is_named_with_both_values() -> None:
    assert check_values(EXPECTED, {**EXPECTED, "float": 1.5}) == (
        "wrong float: got 1.5, expected 1.25"
    )


def test_a_double_off_by_more_than_the_tolerance_is_wrong() -> None:
    reason = check_values(EXPECTED, {**EXPECTED, "double": -2.5 * (1 + 1e-6)})
    assert reason is not None
    assert reason.startswith("wrong double: got ")


def test_every_missing_or_wrong_field_is_named() -> None:
    solution = {**EXPECTED, "short": 65236}  # -300 read as unsigned
    del solution["big_endian_double"]
    assert check_values(EXPECTED, solution) == (
        "wrong short: got 65236, expected -300; missing field 'big_endian_double'"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("int", -2.0),  # a JSON float for an integer
        ("int", "-2"),
        ("uint", True),
        ("float", "1.25"),
        ("float", None),
        ("double", float("nan")),
    ],
)
def test_values_of_the_wrong_type_are_wrong(field: str, value: object) -> None:
    assert check_values(EXPECTED, {**EXPECTED, field: value}) == (
        f"wrong {field}: got {value!r}, expected {EXPECTED[field]!r}"
    )


def test_an_empty_solution_names_every_field() -> None:
    reason = check_values(EXPECTED, {})
    assert reason is not None
    for field in EXPECTED:
        assert f"missing field {field!r}" in reason

"""The sandbox emulation: problems like the service's, and a checker that names the fault."""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import Any

import pytest
from hackattic_mini_miner.challenge import MiniMinerProblem
from hackattic_mini_miner.emulation import (
    Block,
    MiniMinerConditions,
    MiniMinerEmulation,
    check_nonce,
    zero_bits_of,
)
from hackattic_mini_miner.mining import block_prefix, mine_in_process
from pydantic import ValidationError

from hackattic_core import Issued

HEX32 = re.compile(r"[0-9a-f]{32}")


def new_problems(hackattic_emulation: Any, count: int, **conditions: Any) -> list[Issued[Block]]:
    emulation = hackattic_emulation(MiniMinerEmulation, **conditions)

    async def issue() -> list[Issued[Block]]:
        return [await emulation.new_problem() for _ in range(count)]

    return asyncio.run(issue())


def test_problems_look_like_the_services(hackattic_emulation: Any) -> None:
    for issued in new_problems(hackattic_emulation, 50):
        problem = issued.problem
        assert list(problem) == ["difficulty", "block"]
        assert problem["difficulty"] in (13, 14)  # the default: as the service asks
        assert list(problem["block"]) == ["nonce", "data"]
        assert problem["block"]["nonce"] is None
        data = problem["block"]["data"]
        assert 1 <= len(data) <= 8
        for text, number in data:
            assert HEX32.fullmatch(text)
            assert type(number) is int
            assert -100 <= number <= 100
        MiniMinerProblem.model_validate(problem)  # the solver reads what the sandbox sends


def test_problems_are_random_and_reproducible(hackattic_emulation: Any) -> None:
    first = [i.problem for i in new_problems(hackattic_emulation, 5)]
    again = [i.problem for i in new_problems(hackattic_emulation, 5)]
    assert first == again
    assert len({str(problem) for problem in first}) == 5


def test_the_difficulty_is_a_condition(hackattic_emulation: Any) -> None:
    (issued,) = new_problems(hackattic_emulation, 1, difficulty=22)
    assert issued.problem["difficulty"] == 22
    with pytest.raises(ValidationError):
        MiniMinerConditions(difficulty=0)
    with pytest.raises(ValidationError):
        MiniMinerConditions(difficulty=41)


def test_the_checker_counts_bits_on_the_check_vector() -> None:
    assert zero_bits_of({"nonce": 45, "data": []}) == 8
    assert check_nonce([], 8, {"nonce": 45}) is None
    assert check_nonce([], 9, {"nonce": 45}) == (
        "sha256 of the block with nonce 45 starts with only 8 zero bits, need 9"
    )


def test_the_checker_accepts_a_mined_nonce(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(MiniMinerEmulation, difficulty=12)
    issued = asyncio.run(emulation.new_problem())
    nonce = mine_in_process(block_prefix(issued.problem["block"]["data"]), 12).nonce
    assert asyncio.run(emulation.check(issued, {"nonce": nonce})) is None
    # Any valid nonce passes, not only the first.
    later = mine_in_process(block_prefix(issued.problem["block"]["data"]), 13).nonce
    assert asyncio.run(emulation.check(issued, {"nonce": later})) is None


def test_too_few_zero_bits_are_named_with_the_count(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(MiniMinerEmulation, difficulty=12)
    issued = asyncio.run(emulation.new_problem())
    data = issued.problem["block"]["data"]
    nonce = next(n for n in range(100) if zero_bits_of({"data": data, "nonce": n}) < 12)
    text = f'{{"data":{data},"nonce":{nonce}}}'.replace(" ", "").replace("'", '"')
    digest = int(hashlib.sha256(text.encode()).hexdigest(), 16)
    bits = 256 - digest.bit_length()
    assert asyncio.run(emulation.check(issued, {"nonce": nonce})) == (
        f"sha256 of the block with nonce {nonce} starts with only {bits} zero bits, need 12"
    )


@pytest.mark.parametrize(
    ("solution", "reason"),
    [
        ({}, "missing field 'nonce'"),
        ({"answer": 45}, "missing field 'nonce'"),
        ({"nonce": "45"}, "nonce must be an integer, got '45'"),
        ({"nonce": 45.0}, "nonce must be an integer, got 45.0"),
        ({"nonce": True}, "nonce must be an integer, got True"),
        ({"nonce": None}, "nonce must be an integer, got None"),
        ({"nonce": [45]}, "nonce must be an integer, got [45]"),
    ],
)
def test_a_malformed_answer_is_named(solution: dict[str, Any], reason: str) -> None:
    assert check_nonce([], 8, solution) == reason

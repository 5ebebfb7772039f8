"""The sandbox's default problem against what hackattic.com was seen to send (issue 24).

No real payload of this challenge is kept; the reference is the facts file: ``{"difficulty":
14, "block": {"nonce": null, "data": [["<32 hex>", -40], ...]}}``, ``nonce`` before
``data``, difficulties 13 and 14 seen.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from hackattic_mini_miner.challenge import MiniMinerChallenge

from hackattic_core import validate_problem

REAL_EXAMPLE: dict[str, Any] = {
    "difficulty": 14,
    "block": {"nonce": None, "data": [["a3c1f0e2b4d6a8c0e2f4a6b8c0d2e4f6", -40]]},
}
HEX32 = re.compile(r"[0-9a-f]{32}")


def shape(value: Any) -> Any:
    """Field names in their order and JSON types; a list by its items' shapes."""
    if isinstance(value, dict):
        return [(key, shape(item)) for key, item in value.items()]
    if isinstance(value, list):
        return sorted({repr(shape(item)) for item in value})
    return type(value).__name__


def test_the_default_problem_is_shaped_like_hackattics(
    hackattic_emulation: Callable[..., Any],
) -> None:
    emulation = hackattic_emulation(MiniMinerChallenge)  # its defaults, no option
    difficulties = set()
    for _ in range(40):
        problem = asyncio.run(emulation.new_problem()).problem
        assert shape(problem) == shape(REAL_EXAMPLE)
        assert list(problem["block"]) == ["nonce", "data"]  # nonce first, as the service
        difficulties.add(problem["difficulty"])
        for text, number in problem["block"]["data"]:
            assert HEX32.fullmatch(text)
            assert -128 <= number <= 127  # "small signed int" (-40 seen)
        validate_problem(MiniMinerChallenge, problem)
    assert difficulties == {13, 14}

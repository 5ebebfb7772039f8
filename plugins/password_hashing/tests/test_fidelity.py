"""The sandbox's default problem against what hackattic.com was seen to send (issue 24).

No real payload of this challenge is kept; the reference is the facts file
(``hackattic-facts.md``): ``{"password": "...", "salt": base64, "pbkdf2": {"rounds":
500000, "hash": "sha256"}, "scrypt": {"N": 262144, "r": 16, "p": 2, "buflen": 32,
"_control": "<hex>"}}``; seen: rounds 490k-600k, N 2**17-2**19, r 8-32, p 2-4; ASCII
passwords.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from typing import Any

from hackattic_password_hashing.challenge import PasswordHashingChallenge

from hackattic_core import validate_problem

REAL_EXAMPLE: dict[str, Any] = {
    "password": "...",
    "salt": "c2FsdHlzYWx0",
    "pbkdf2": {"rounds": 500000, "hash": "sha256"},
    "scrypt": {
        "N": 262144,
        "r": 16,
        "p": 2,
        "buflen": 32,
        "_control": "b19a18ea8a50a861d08eb94be602f6cbfe67ab98d2021400a3b83fbe3b8ba698",
    },
}


def shape(value: Any) -> Any:
    """Field names, their order and their JSON types, without the values."""
    if isinstance(value, dict):
        return [(key, shape(item)) for key, item in value.items()]
    return type(value).__name__


def test_the_default_problem_is_shaped_like_hackattics(
    hackattic_emulation: Callable[..., Any],
) -> None:
    emulation = hackattic_emulation(PasswordHashingChallenge)  # its defaults, no option
    for _ in range(30):
        problem = asyncio.run(emulation.new_problem()).problem
        assert shape(problem) == shape(REAL_EXAMPLE)
        assert problem["password"].isascii()
        assert 1 <= len(problem["password"]) <= 64
        assert 8 <= len(base64.b64decode(problem["salt"], validate=True)) <= 16
        assert problem["pbkdf2"]["hash"] == "sha256"
        assert 490_000 <= problem["pbkdf2"]["rounds"] <= 600_000
        scrypt = problem["scrypt"]
        assert scrypt["N"] in (2**17, 2**18, 2**19)
        assert 8 <= scrypt["r"] <= 32
        assert 2 <= scrypt["p"] <= 4
        assert scrypt["buflen"] == 32
        assert scrypt["_control"] == REAL_EXAMPLE["scrypt"]["_control"]
        validate_problem(PasswordHashingChallenge, problem)  # and our model reads it

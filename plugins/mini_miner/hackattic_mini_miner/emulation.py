"""The offline sandbox's stand-in for mini_miner: issues blocks to mine, checks nonces.

Problems look like the service's: ``{"difficulty": D, "block": {"nonce": null, "data":
[...]}}`` (``nonce`` before ``data``, as the service orders them) with 1–8 pairs of a
32-hex-digit string and a small signed integer. The difficulty is drawn from the 13 and 14
bits the service was seen to ask, or fixed by a condition (``-o difficulty=20``).

The checker shares no code with the solver: it serialises the block with the nonce itself,
hashes it in one go and counts the zero bits on the hex digest's binary text.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import Field

from hackattic_core import Emulation, EmulationConditions, Issued

MIN_PAIRS, MAX_PAIRS = 1, 8
"""How many pairs a block holds: not known of the service (an assumption)."""
DIFFICULTIES_SEEN = (13, 14)
"""The difficulties the service was seen to ask."""
SMALL_INT = 100
"""Data integers are drawn from -SMALL_INT..SMALL_INT (the service's range is unknown)."""


class MiniMinerConditions(EmulationConditions):
    """``-o difficulty=N`` or ``HACKATTIC_SANDBOX_MINI_MINER_DIFFICULTY``."""

    difficulty: int | None = Field(
        default=None,
        ge=1,
        le=40,
        description="Leading zero bits asked (default: 13 or 14, as the service asks).",
    )


def zero_bits_of(block: dict[str, Any]) -> int:
    """Leading zero bits of SHA-256 of ``block`` as hackattic serialises it."""
    text = json.dumps(block, sort_keys=True, separators=(",", ":"))
    hex_digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    bits = "".join(f"{int(digit, 16):04b}" for digit in hex_digest)
    return len(bits) - len(bits.lstrip("0"))


def check_nonce(data: list[list[Any]], difficulty: int, solution: dict[str, Any]) -> str | None:
    """None when ``solution["nonce"]`` mines the block; otherwise what is wrong with it."""
    if "nonce" not in solution:
        return "missing field 'nonce'"
    nonce = solution["nonce"]
    # bool is an int in Python but `true` in JSON: not a nonce.
    if type(nonce) is not int:
        return f"nonce must be an integer, got {nonce!r}"
    bits = zero_bits_of({"nonce": nonce, "data": data})
    if bits < difficulty:
        return (
            f"sha256 of the block with nonce {nonce} starts with only {bits} zero bits, "
            f"need {difficulty}"
        )
    return None


Block = tuple[list[list[Any]], int]
"""What an issued problem keeps: its data pairs and its difficulty."""


class MiniMinerEmulation(Emulation[MiniMinerConditions, Block]):
    conditions_model = MiniMinerConditions

    async def new_problem(self) -> Issued[Block]:
        rng = self.env.rng
        data: list[list[Any]] = [
            [rng.randbytes(16).hex(), rng.randint(-SMALL_INT, SMALL_INT)]
            for _ in range(rng.randint(MIN_PAIRS, MAX_PAIRS))
        ]
        difficulty = self.env.conditions.difficulty
        if difficulty is None:
            difficulty = rng.choice(DIFFICULTIES_SEEN)
        # The service's key order: nonce before data (the hash sorts them anyway).
        problem = {"difficulty": difficulty, "block": {"nonce": None, "data": data}}
        return Issued(problem=problem, state=(data, difficulty))

    async def check(self, issued: Issued[Block], solution: dict[str, Any]) -> str | None:
        data, difficulty = issued.state
        return check_nonce(data, difficulty, solution)

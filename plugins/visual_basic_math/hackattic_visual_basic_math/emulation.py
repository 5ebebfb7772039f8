"""The offline sandbox's stand-in for visual_basic_math: draws problems, checks results.

Each problem is ``lines`` lines of a random operator and a ``digits``-digit number (first
digit never 0, like every real line seen, so ``÷`` never divides by zero), drawn by
:mod:`.render` like hackattic's pictures and served once at ``image_url``. The expected
result is folded here from the lines drawn, on its own (not with the solver's code).
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import Field

from hackattic_core import Emulation, EmulationConditions, Issued, run_blocking

from .render import OPERATORS, Line, draw_problem

# The bomb fault's claimed size: 100,000 × 100,000 pixels, 30 GB of RGB once decoded.
CLAIMED_SIDE = 100_000


class VisualBasicMathConditions(EmulationConditions):
    """Sandbox options: ``-o lines=8`` or ``HACKATTIC_SANDBOX_VISUAL_BASIC_MATH_LINES``."""

    lines: int = Field(default=8, ge=1, le=8, description="Lines in the picture (hackattic: 8).")
    digits: int = Field(default=7, ge=1, le=7, description="Digits per number (hackattic: 7).")
    handwritten_share: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description="Share of digits drawn as handwriting (load_digits) instead of a "
        "typeface (about a quarter in the real pictures).",
    )


@dataclass(frozen=True)
class DrawnProblem:
    lines: tuple[Line, ...]
    result: int


def expected_result(lines: tuple[Line, ...]) -> int:
    """0, then each line in turn; ``÷`` rounds toward −∞ (hackattic: ``-10 ÷ 3 = -4``)."""
    total = 0
    for line in lines:
        number = int(line.number)
        if line.operator == "+":
            total = total + number
        elif line.operator == "-":
            total = total - number
        elif line.operator == "×":
            total = total * number
        else:
            quotient = abs(total) // number
            exact = quotient * number == abs(total)
            total = quotient if total >= 0 else -quotient - (0 if exact else 1)
    return total


def claim_size(png: bytes, width: int, height: int) -> bytes:
    """The PNG with its IHDR rewritten to claim ``width``×``height`` (CRC fixed)."""
    header = bytearray(png[:33])
    header[16:24] = struct.pack(">II", width, height)
    header[29:33] = struct.pack(">I", zlib.crc32(bytes(header[12:29])))
    return bytes(header) + png[33:]


class VisualBasicMathEmulation(Emulation[VisualBasicMathConditions, DrawnProblem]):
    conditions_model = VisualBasicMathConditions
    faults: ClassVar[dict[str, str]] = {
        "corrupt_image": "the PNG is cut off halfway through its data",
        "huge_image": f"the PNG's header claims {CLAIMED_SIDE}×{CLAIMED_SIDE} pixels",
    }

    async def new_problem(self) -> Issued[DrawnProblem]:
        rng = self.env.rng
        conditions = self.env.conditions
        low, high = 10 ** (conditions.digits - 1), 10**conditions.digits - 1
        lines = tuple(
            Line(rng.choice(OPERATORS), str(rng.randint(max(low, 1), high)))
            for _ in range(conditions.lines)
        )
        # The picture is drawn in a thread: it gets a generator of its own, seeded here.
        drawing = random.Random(rng.getrandbits(64))
        data = await run_blocking(draw_problem, list(lines), drawing, conditions.handwritten_share)
        if self.env.has_fault("corrupt_image"):
            data = data[: len(data) // 2]
        if self.env.has_fault("huge_image"):
            data = claim_size(data, CLAIMED_SIDE, CLAIMED_SIDE)
        url = self.env.downloads.publish(data, "image/png", name="math.png")
        return Issued(
            problem={"image_url": url},
            state=DrawnProblem(lines=lines, result=expected_result(lines)),
        )

    async def check(self, issued: Issued[DrawnProblem], solution: dict[str, Any]) -> str | None:
        if "result" not in solution:
            return "missing field 'result'"
        got = solution["result"]
        if type(got) is not int:
            return f"field 'result' must be an integer (a JSON number), got {type(got).__name__}"
        if got != issued.state.result:
            lines = " ".join(f"{line.operator}{line.number}" for line in issued.state.lines)
            return f"wrong result: got {got}, expected {issued.state.result} (the lines: {lines})"
        return None

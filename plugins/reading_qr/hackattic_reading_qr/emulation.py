"""The offline sandbox's stand-in for reading_qr: pictures drawn as hackattic draws them
(:mod:`.drawing`), served once, and a checker that names what is wrong.

Faults that keep the code readable (every problem): ``noise``, ``blur``. Hostile pictures
(the first ``fault_count`` problems; a solver must refuse them in one line, exit 3):
``truncated_png``, ``png_bomb``.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field, model_validator

from hackattic_core import Emulation, EmulationConditions, EmulationEnv, Issued, run_blocking

from .drawing import MODULE_PX, Look, draw_png, random_text

FIELD = "code"
HOSTILE = ("truncated_png", "png_bomb")
BOMB_SIDE = 9000
"""``png_bomb``'s declared width and height: 81 million pixels, over the solver's default
limit, under the size at which Pillow itself warns."""


class ReadingQrConditions(EmulationConditions):
    """``-o key=value`` or ``HACKATTIC_SANDBOX_READING_QR_<KEY>``."""

    min_angle: float = Field(
        default=0.0, ge=-360, le=360, description="Smallest rotation, degrees counter-clockwise."
    )
    max_angle: float = Field(
        default=90.0,
        ge=-360,
        le=360,
        description="Largest rotation, degrees counter-clockwise (the four seen: 32–85°).",
    )
    module_px: int = Field(
        default=MODULE_PX,
        ge=2,
        le=20,
        description="Pixels a module (hackattic: 10; at most 20, to fit the page at any angle).",
    )
    noise_sigma: float = Field(
        default=60.0,
        gt=0,
        le=255,
        description="With --fault noise: the standard deviation of the Gaussian noise on "
        "every pixel, in grey levels.",
    )
    blur_radius: float = Field(
        default=3.0, gt=0, le=20, description="With --fault blur: the Gaussian blur's radius, px."
    )

    @model_validator(mode="after")
    def _angles(self) -> ReadingQrConditions:
        if self.min_angle > self.max_angle:
            raise ValueError("min_angle must not exceed max_angle")
        return self


class ReadingQrEmulation(Emulation[ReadingQrConditions, str]):
    conditions_model = ReadingQrConditions
    faults: ClassVar[Mapping[str, str]] = {
        "noise": "Gaussian noise on every picture (noise_sigma grey levels)",
        "blur": "every picture blurred (blur_radius px)",
        "truncated_png": "the first fault_count pictures are cut off halfway (a solver must "
        "refuse them, exit 3)",
        "png_bomb": f"the first fault_count pictures are a PNG declaring {BOMB_SIDE}×"
        f"{BOMB_SIDE} pixels (a solver must refuse it, exit 3)",
    }

    def __init__(self, env: EmulationEnv[ReadingQrConditions]) -> None:
        super().__init__(env)
        self._hostile_left = env.fault_count

    def look(self) -> Look:
        """How this emulation's conditions and faults draw a code."""
        conditions, faulty = self.env.conditions, self.env.has_fault
        return Look(
            min_angle=conditions.min_angle,
            max_angle=conditions.max_angle,
            module_px=conditions.module_px,
            noise_sigma=conditions.noise_sigma if faulty("noise") else None,
            blur_radius=conditions.blur_radius if faulty("blur") else None,
        )

    async def new_problem(self) -> Issued[str]:
        rng = self.env.rng
        text = random_text(rng)
        data = await run_blocking(draw_png, text, rng, self.look())  # ~10-50 ms: off the loop
        if any(self.env.has_fault(name) for name in HOSTILE) and self._hostile_left > 0:
            self._hostile_left -= 1
            data = data[: len(data) // 2] if self.env.has_fault("truncated_png") else png_bomb()
        url = self.env.downloads.publish(data, "image/png", name="qr.png")
        return Issued(problem={"image_url": url}, state=text)

    async def check(self, issued: Issued[str], solution: dict[str, Any]) -> str | None:
        return check_code(issued.state, solution)


def check_code(expected: str, solution: dict[str, Any]) -> str | None:
    """None when ``solution`` holds ``expected``; otherwise what is wrong with it."""
    if FIELD not in solution:
        return f"missing field {FIELD!r}"
    got = solution[FIELD]
    if not isinstance(got, str):
        return f"wrong {FIELD}: expected a string, got {type(got).__name__}"
    if got != expected:
        return f"wrong {FIELD}: got {got!r}, expected {expected!r}"
    return None


def png_bomb(side: int = BOMB_SIDE) -> bytes:
    """A PNG of a few dozen bytes whose header declares ``side``×``side`` 8-bit grey
    pixels: a reader that trusts the header allocates ``side``² bytes before finding that
    the data holds a single white row."""
    row = zlib.compress(b"\x00" + b"\xff" * side)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
        + _chunk(b"IDAT", row)
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

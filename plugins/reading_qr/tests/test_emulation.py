"""The sandbox emulation: its conditions and faults, hostile pictures, and a checker that
names what is wrong."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest
from hackattic_reading_qr.drawing import Look
from hackattic_reading_qr.emulation import ReadingQrEmulation, check_code, png_bomb

from hackattic_core import Issued

EXPECTED = "459-45-1087-9"


def test_right_and_wrong_codes() -> None:
    assert check_code(EXPECTED, {"code": EXPECTED}) is None
    assert check_code(EXPECTED, {"code": "459-45-1087-8"}) == (
        "wrong code: got '459-45-1087-8', expected '459-45-1087-9'"
    )
    assert check_code(EXPECTED, {"code": 459451087}) == "wrong code: expected a string, got int"
    assert check_code(EXPECTED, {}) == "missing field 'code'"


def test_the_checker_through_the_emulation(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(ReadingQrEmulation)
    issued = Issued(problem={}, state=EXPECTED)
    assert asyncio.run(emulation.check(issued, {"code": EXPECTED})) is None
    assert asyncio.run(emulation.check(issued, {"code": " " + EXPECTED})).startswith("wrong code: ")


@pytest.mark.parametrize(
    ("faults", "conditions", "expected"),
    [
        ((), {}, Look()),
        (("noise",), {}, Look(noise_sigma=60.0)),
        (("blur", "noise"), {"blur_radius": 1.5}, Look(blur_radius=1.5, noise_sigma=60.0)),
        ((), {"min_angle": -180, "max_angle": 180}, Look(min_angle=-180.0, max_angle=180.0)),
    ],
)
def test_faults_and_conditions_change_the_look(
    hackattic_emulation: Any,
    faults: tuple[str, ...],
    conditions: dict[str, Any],
    expected: Look,
) -> None:
    emulation = hackattic_emulation(ReadingQrEmulation, faults=faults, **conditions)
    assert emulation.look() == expected


def test_angles_must_be_in_order(hackattic_emulation: Any) -> None:
    with pytest.raises(Exception, match="min_angle must not exceed max_angle"):
        hackattic_emulation(ReadingQrEmulation, min_angle=50, max_angle=10)


def test_a_png_bomb_is_small_and_declares_81_million_pixels() -> None:
    bomb = png_bomb()
    assert len(bomb) < 200
    assert bomb[12:16] == b"IHDR"
    assert struct.unpack(">II", bomb[16:24]) == (9000, 9000)

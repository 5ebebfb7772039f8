"""The sandbox emulation: files like hackattic's, hostile ones on demand, and a checker
that names what is wrong."""

from __future__ import annotations

import asyncio
import random
import re
from typing import Any

import pytest
from hackattic_touch_tone_dialing.emulation import TouchToneDialingEmulation, check_sequence
from hackattic_touch_tone_dialing.synthesis import Sound, random_sequence

from hackattic_core import Issued

EXPECTED = "59387*1744297*7*7762#3012*98625*"


def test_right_and_wrong_sequences() -> None:
    assert check_sequence(EXPECTED, {"sequence": EXPECTED}) is None
    wrong = EXPECTED[:5] + "0" + EXPECTED[6:]
    assert check_sequence(EXPECTED, {"sequence": wrong}) == (
        "wrong sequence: 1 of 32 keys differ, the first at position 5 (got '0', expected '*')"
    )
    assert check_sequence(EXPECTED, {"sequence": EXPECTED[:-1]}) == (
        "wrong sequence: 31 keys, expected 32"
    )
    assert check_sequence(EXPECTED, {"sequence": 5938}) == (
        "wrong sequence: expected a string, got int"
    )
    assert check_sequence(EXPECTED, {}) == "missing field 'sequence'"


def test_the_checker_through_the_emulation(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(TouchToneDialingEmulation)

    async def check(issued: Any, sequence: str) -> str | None:
        result: str | None = await emulation.check(issued, {"sequence": sequence})
        return result

    issued = Issued(problem={}, state=EXPECTED)
    assert asyncio.run(check(issued, EXPECTED)) is None
    assert asyncio.run(check(issued, EXPECTED[::-1])).startswith("wrong sequence: ")


def test_sequences_are_like_hackattics() -> None:
    rng = random.Random(3)
    sequences = [random_sequence(rng) for _ in range(200)]
    assert all(re.fullmatch(r"[0-9*#]{32}", sequence) for sequence in sequences)
    assert set("".join(sequences)) == set("0123456789*#")
    assert any(re.search(r"(.)\1", sequence) for sequence in sequences)  # repeated keys


@pytest.mark.parametrize(
    ("faults", "expected"),
    [
        ((), Sound()),
        (("noise",), Sound(noise_snr_db=15.0)),
        (("clipping", "short_gap"), Sound(clip_gain=8.0, short_gap_ms=12)),
    ],
)
def test_faults_change_the_sound(
    hackattic_emulation: Any, faults: tuple[str, ...], expected: Sound
) -> None:
    assert hackattic_emulation(TouchToneDialingEmulation, faults=faults).sound() == expected


def test_conditions_change_the_sound(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(
        TouchToneDialingEmulation, faults=("noise",), noise_snr_db=3, hackattic_rows=False
    )
    assert emulation.sound() == Sound(noise_snr_db=3.0, hackattic_rows=False)

"""Every real WAV file hackattic served gives its verified sequence, through the solver's
whole path (a one-time download from the sandbox, then the receiver)."""

from __future__ import annotations

import asyncio
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
from hackattic_touch_tone_dialing.challenge import (
    TouchToneDialingChallenge,
    TouchToneDialingProblem,
    TouchToneDialingSolution,
)
from hackattic_touch_tone_dialing.detector import detect
from hackattic_touch_tone_dialing.synthesis import RATE, Sound, dial
from hackattic_touch_tone_dialing.wav import read_wav, write_wav

SLUG = "touch_tone_dialing"
FIXTURES = Path(__file__).parent / "fixtures"
ANSWERS: dict[str, str] = json.loads((FIXTURES / "answers.json").read_text())
"""Each real WAV file hackattic served, and its verified sequence."""


@pytest.mark.parametrize(("name", "sequence"), sorted(ANSWERS.items()))
def test_the_solver_hears_every_real_file(
    hackattic_context: Any, hackattic_sandbox: Any, name: str, sequence: str
) -> None:
    data = (FIXTURES / name).read_bytes()
    url = hackattic_sandbox.emulations[SLUG].env.downloads.publish(data, "audio/wav")
    problem = TouchToneDialingProblem(wav_url=url)

    async def solve() -> TouchToneDialingSolution:
        async with hackattic_context(TouchToneDialingChallenge) as context:
            return await TouchToneDialingChallenge().solve(problem, context)

    assert asyncio.run(solve()) == TouchToneDialingSolution(sequence=sequence)


@pytest.mark.parametrize(("name", "sequence"), sorted(ANSWERS.items()))
def test_real_files_are_heard_with_room_to_spare(name: str, sequence: str) -> None:
    detection = detect(read_wav((FIXTURES / name).read_bytes(), max_seconds=60))
    assert detection.sequence == sequence
    assert not detection.rejected
    for tone in detection.tones:
        assert 0.035 < tone.duration_s < 0.045
        assert abs(tone.twist_db) < 0.5
        assert tone.signal_to_rest_db > 30


@pytest.mark.parametrize(("name", "sequence"), sorted(ANSWERS.items()))
def test_the_emulation_dials_as_hackattic_does(name: str, sequence: str) -> None:
    """Given a real file's keys and pauses, the emulation writes the same file, byte for
    byte: 679 Hz for 1 and 2 included."""
    real = (FIXTURES / name).read_bytes()
    tones = detect(read_wav(real, max_seconds=60)).tones
    # Keys start on whole milliseconds; the receiver places a start within a millisecond after.
    starts = [math.floor(tone.start_s * 1000) for tone in tones]
    total_ms = len(read_wav(real, max_seconds=60).samples) * 1000 // RATE
    pauses = [
        later - start - 40 for start, later in zip(starts, [*starts[1:], total_ms], strict=True)
    ]
    assert all(20 <= pause <= 50 for pause in pauses)
    assert write_wav(dial(sequence, pauses, random.Random(0), Sound()), RATE) == real


def test_679_hz_is_accepted_and_named() -> None:
    tones = detect(read_wav((FIXTURES / "androids_challenge.wav").read_bytes(), max_seconds=60))
    rows = {tone.key: round(tone.row_hz) for tone in tones.tones}
    assert rows["1"] == rows["2"] == 679
    assert rows["3"] == 697

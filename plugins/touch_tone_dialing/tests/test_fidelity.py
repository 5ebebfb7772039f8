"""The sandbox's default problem, as served, set beside the real WAV files hackattic served
(``fixtures/``): the same problem fields, the same RIFF layout and format, the same kind of
dialling. A drift of the emulation from hackattic shows up here."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from hackattic_touch_tone_dialing.detector import detect
from hackattic_touch_tone_dialing.wav import read_wav

SLUG = "touch_tone_dialing"
FIXTURES = Path(__file__).parent / "fixtures"
REAL = sorted(json.loads((FIXTURES / "answers.json").read_text()))
REAL_PROBLEM_FIELDS = {"wav_url": str}
"""The real problem (the facts file): one one-time link, nothing else."""


def shape(data: bytes) -> dict[str, Any]:
    """What must match between a real file and an emulated one."""
    pcm = read_wav(data, max_seconds=60)
    detection = detect(pcm)
    durations = [tone.duration_s for tone in detection.tones]
    return {
        "chunks": (data[:4], data[8:16], data[36:40]),
        "RIFF bytes": struct.unpack("<I", data[4:8])[0] == len(data) - 8,
        # fmt chunk: size, PCM, channels, rate, byte rate, block align, bits
        "fmt": struct.unpack("<IHHIIHH", data[16:36]),
        "data bytes": struct.unpack("<I", data[40:44])[0] == len(data) - 44,
        "seconds in 1.9-2.9": 1.9 <= pcm.seconds <= 2.9,
        "keys": len(detection.sequence),
        "keys of 0-9*#": bool(re.fullmatch(r"[0-9*#]+", detection.sequence)),
        "tones of 35-45 ms": all(0.035 < duration < 0.045 for duration in durations),
        "peak": round(int(np.abs(pcm.samples.astype(np.int32)).max()), -2),
        "silence is exact zeros": bool((pcm.samples == 0).mean() > 0.3),
    }


@pytest.fixture
def served(hackattic_sandbox: Any) -> tuple[dict[str, Any], bytes]:
    """The default problem and its WAV file, fetched as a solver fetches them."""
    problem = hackattic_sandbox.fetch_problem(SLUG)
    return problem, httpx.get(problem["wav_url"], timeout=30).content


def test_the_problem_has_the_real_fields(served: tuple[dict[str, Any], bytes]) -> None:
    problem, _ = served
    assert {name: type(value) for name, value in problem.items()} == REAL_PROBLEM_FIELDS
    assert re.fullmatch(r"https?://[^/]+/.+", problem["wav_url"])


@pytest.mark.parametrize("name", REAL)
def test_the_default_file_is_like_a_real_one(
    served: tuple[dict[str, Any], bytes], name: str
) -> None:
    real = shape((FIXTURES / name).read_bytes())
    assert real["fmt"] == (16, 1, 1, 4000, 8000, 2, 16)  # the facts file: PCM mono 16-bit
    assert real["keys"] == 32
    assert shape(served[1]) == real

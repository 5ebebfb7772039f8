"""The solver on what hackattic might send besides a good file: another length, no key, a
link already used."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import numpy as np
import pytest
from hackattic_touch_tone_dialing.challenge import (
    TouchToneDialingChallenge,
    TouchToneDialingProblem,
    TouchToneDialingSolution,
)
from hackattic_touch_tone_dialing.synthesis import RATE, sound_sequence
from hackattic_touch_tone_dialing.wav import write_wav
from pydantic import ValidationError

from hackattic_core import AttemptLost, ServiceError

SLUG = "touch_tone_dialing"


def publish(sandbox: Any, data: bytes) -> str:
    url: str = sandbox.emulations[SLUG].env.downloads.publish(data, "audio/wav")
    return url


def solve(context_factory: Any, url: str) -> TouchToneDialingSolution:
    async def run() -> TouchToneDialingSolution:
        async with context_factory(TouchToneDialingChallenge) as context:
            problem = TouchToneDialingProblem(wav_url=url)
            return await TouchToneDialingChallenge().solve(problem, context)

    return asyncio.run(run())


def test_another_length_is_sent_with_a_warning(
    hackattic_context: Any, hackattic_sandbox: Any, caplog: pytest.LogCaptureFixture
) -> None:
    data = write_wav(sound_sequence("123A#", random.Random(1)), RATE)
    with caplog.at_level(logging.WARNING, logger=f"hackattic.{SLUG}"):
        solution = solve(hackattic_context, publish(hackattic_sandbox, data))
    assert solution == TouchToneDialingSolution(sequence="123A#")
    assert "heard 5 keys (hackattic dials 32 of 0-9*#), with A: 123A#" in caplog.text


def test_silence_loses_the_attempt(hackattic_context: Any, hackattic_sandbox: Any) -> None:
    data = write_wav(np.zeros(RATE, dtype=np.int16), RATE)
    with pytest.raises(AttemptLost, match="no DTMF key in the WAV file"):
        solve(hackattic_context, publish(hackattic_sandbox, data))


def test_a_link_works_once(hackattic_context: Any, hackattic_sandbox: Any) -> None:
    url = publish(hackattic_sandbox, write_wav(sound_sequence("*0#", random.Random(1)), RATE))
    assert solve(hackattic_context, url) == TouchToneDialingSolution(sequence="*0#")
    with pytest.raises(ServiceError, match="could not download the WAV file: HTTP 404"):
        solve(hackattic_context, url)


@pytest.mark.parametrize("url", ["", "file:///etc/passwd", "wav.wav", "http://" + "a" * 5000])
def test_the_problem_needs_an_http_url(url: str) -> None:
    with pytest.raises(ValidationError):
        TouchToneDialingProblem(wav_url=url)

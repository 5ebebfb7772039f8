"""The receiver against the DTMF standard's tolerances, on tones made to measure."""

from __future__ import annotations

import random

import numpy as np
import numpy.typing as npt
import pytest
from hackattic_touch_tone_dialing.detector import Detection, Tolerances, detect
from hackattic_touch_tone_dialing.keypad import (
    COLUMN_HZ,
    KEYS,
    ROW_HZ,
    frequencies_of,
    key_at,
)
from hackattic_touch_tone_dialing.synthesis import Sound, random_sequence, sound_sequence
from hackattic_touch_tone_dialing.wav import MIN_RATE, Pcm

RATE = 4000
AMPLITUDE = 3000.0


def tone(
    row_hz: float,
    column_hz: float,
    *,
    ms: float = 40,
    twist_db: float = 0.0,
    rate: int = RATE,
) -> npt.NDArray[np.float64]:
    t = np.arange(round(ms * rate / 1000)) / rate
    column_amplitude = AMPLITUDE * 10 ** (twist_db / 20)
    return AMPLITUDE * np.sin(2 * np.pi * row_hz * t + 0.3) + column_amplitude * np.sin(
        2 * np.pi * column_hz * t + 1.1
    )


def silence(ms: float, rate: int = RATE) -> npt.NDArray[np.float64]:
    return np.zeros(round(ms * rate / 1000))


def hear(*parts: npt.NDArray[np.float64], rate: int = RATE) -> Detection:
    samples = np.concatenate([silence(30, rate), *parts, silence(30, rate)])
    return detect(Pcm(rate=rate, samples=np.round(samples).astype(np.int16)))


def test_the_keypad() -> None:
    for row, keys in enumerate(KEYS):
        for column, key in enumerate(keys):
            assert key_at(row, column) == key
            assert frequencies_of(key) == (ROW_HZ[row], COLUMN_HZ[column])
    with pytest.raises(ValueError, match="not a DTMF key"):
        frequencies_of("E")


def test_every_key_is_heard() -> None:
    parts = []
    for keys in KEYS:
        for key in keys:
            parts += [tone(*frequencies_of(key)), silence(25)]
    assert hear(*parts).sequence == "".join(KEYS)


@pytest.mark.parametrize("deviation", [-0.034, -0.026, -0.015, 0.0, 0.015, 0.034])
def test_frequencies_within_the_deviation_are_accepted(deviation: float) -> None:
    for row_hz, column_hz in ((697.0, 1209.0), (941.0, 1633.0)):
        detection = hear(tone(row_hz * (1 + deviation), column_hz))
        assert detection.sequence in ("1", "D")
        detection = hear(tone(row_hz, column_hz * (1 + deviation)))
        assert detection.sequence in ("1", "D")


@pytest.mark.parametrize("deviation", [-0.05, -0.037, 0.037, 0.05])
def test_frequencies_beyond_the_deviation_are_rejected(deviation: float) -> None:
    detection = hear(tone(770.0 * (1 + deviation), 1336.0))
    assert detection.sequence == ""
    assert "from the nearest DTMF frequency" in detection.rejected[0].reason
    detection = hear(tone(770.0, 1336.0 * (1 + deviation)))
    assert detection.sequence == ""


def test_the_deviation_is_a_setting() -> None:
    pcm_samples = np.concatenate([silence(30), tone(679.0, 1209.0), silence(30)])
    pcm = Pcm(rate=RATE, samples=np.round(pcm_samples).astype(np.int16))
    assert detect(pcm).sequence == "1"  # hackattic's 679 Hz: 2.6% low
    assert detect(pcm, Tolerances(max_deviation=0.015)).sequence == ""


@pytest.mark.parametrize(("twist_db", "heard"), [(3.5, "5"), (4.5, ""), (-7.5, "5"), (-8.5, "")])
def test_twist_limits(twist_db: float, heard: str) -> None:
    detection = hear(tone(770.0, 1336.0, twist_db=twist_db))
    assert detection.sequence == heard
    if not heard:
        assert "dB stronger than the" in detection.rejected[0].reason


@pytest.mark.parametrize(("ms", "heard"), [(20, ""), (30, "9"), (40, "9"), (200, "9")])
def test_tone_durations(ms: float, heard: str) -> None:
    detection = hear(tone(852.0, 1477.0, ms=ms))
    assert detection.sequence == heard
    if not heard:
        assert "shorter than 23 ms" in detection.rejected[0].reason


def test_an_interruption_up_to_10_ms_does_not_end_a_tone() -> None:
    key = frequencies_of("7")
    assert hear(tone(*key), silence(8), tone(*key)).sequence == "7"
    assert hear(tone(*key), silence(14), tone(*key)).sequence == "77"


def test_a_third_tone_as_strong_is_no_key() -> None:
    t = np.arange(160) / RATE
    both = tone(770.0, 1336.0) + 2 * AMPLITUDE * np.sin(2 * np.pi * 1100.0 * t)
    detection = hear(both)
    assert detection.sequence == ""


def test_silence_and_a_steady_level_hold_no_key() -> None:
    assert detect(Pcm(rate=RATE, samples=np.zeros(8000, dtype=np.int16))).sequence == ""
    noise = np.random.default_rng(1).normal(0, 2000, 8000)
    assert detect(Pcm(rate=RATE, samples=noise.astype(np.int16))).sequence == ""


@pytest.mark.parametrize("rate", [MIN_RATE, 8000, 44100])
def test_any_sample_rate(rate: int) -> None:
    parts = [tone(*frequencies_of(key), rate=rate) for key in "#0*D"]
    gaps = [silence(25, rate)] * 4
    detection = hear(*[p for pair in zip(parts, gaps, strict=True) for p in pair], rate=rate)
    assert detection.sequence == "#0*D"


@pytest.mark.parametrize(
    "sound",
    [
        Sound(noise_snr_db=10),
        Sound(clip_gain=10),
        Sound(short_gap_ms=12),
        Sound(short_gap_ms=12, noise_snr_db=15),
        Sound(hackattic_rows=False),
    ],
    ids=["noise 10 dB", "clipped ×10", "12 ms pauses", "12 ms pauses in noise", "697 Hz"],
)
def test_damaged_sequences(sound: Sound) -> None:
    rng = random.Random(5)
    for _ in range(5):
        sequence = random_sequence(rng)
        samples = sound_sequence(sequence, rng, sound)
        assert detect(Pcm(rate=RATE, samples=samples)).sequence == sequence

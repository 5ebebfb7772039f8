"""DTMF sequences sounded the way hackattic sounds them, for the sandbox and the benchmark.

Read from the real files, sample for sample: 4000 Hz, each key 160 samples (40 ms) of
``trunc(3276.7 × (sin 2πf₁t + sin 2πf₂t))`` starting at phase zero (so its first sample is
0), then 20–50 whole milliseconds of exact zeros, after the last key too. Keys 1 and 2 sound
their row at 679 Hz, not 697 Hz (3 uses 697 Hz): a slip in hackattic's table that a
receiver holding to the 1.5% tolerance too strictly rejects.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .keypad import HACKATTIC_KEYS, frequencies_of

RATE = 4000
TONE_S = 0.040
AMPLITUDE = 3276.7
"""Each of the two sinusoids' amplitude: a tenth of full scale."""
PAUSE_MS = (20, 50)
"""Each pause lasts a whole number of milliseconds in this range (both ends seen)."""
LENGTH = 32
HACKATTIC_ROW_HZ = {"1": 679.0, "2": 679.0}
"""hackattic's row frequency for these keys, where it differs from the standard's."""
FULL_SCALE = 32767


@dataclass(frozen=True)
class Sound:
    """How a sequence is sounded."""

    rate: int = RATE
    tone_s: float = TONE_S
    pause_ms: tuple[int, int] = PAUSE_MS
    hackattic_rows: bool = True
    """Sound 1 and 2 at 679 Hz, as hackattic does."""
    short_gap_ms: int | None = None
    """Every pause this long instead (a fault)."""
    noise_snr_db: float | None = None
    """White Gaussian noise over the whole file, this far below the tones' power (a fault)."""
    clip_gain: float | None = None
    """Amplified this much and clipped to 16 bits (a fault)."""


def random_sequence(rng: random.Random, length: int = LENGTH) -> str:
    """``length`` keys of ``0-9 * #``, uniformly."""
    return "".join(rng.choice(HACKATTIC_KEYS) for _ in range(length))


def sound_sequence(
    sequence: str, rng: random.Random, sound: Sound | None = None
) -> npt.NDArray[np.int16]:
    """The samples of ``sequence`` dialled as hackattic dials it, with random pauses (then
    any fault)."""
    sound = sound or Sound()
    pauses_ms = [sound.short_gap_ms or rng.randint(*sound.pause_ms) for _ in sequence]
    return dial(sequence, pauses_ms, rng, sound)


def dial(
    sequence: str, pauses_ms: list[int], rng: random.Random, sound: Sound | None = None
) -> npt.NDArray[np.int16]:
    """The samples of ``sequence``, each key followed by its pause (then any fault; ``rng``
    draws the noise)."""
    sound = sound or Sound()
    t = np.arange(round(sound.tone_s * sound.rate)) / sound.rate
    parts: list[npt.NDArray[np.float64]] = []
    for key, pause_ms in zip(sequence, pauses_ms, strict=True):
        row_hz, column_hz = frequencies_of(key)
        if sound.hackattic_rows:
            row_hz = HACKATTIC_ROW_HZ.get(key, row_hz)
        pair = np.sin(2 * np.pi * row_hz * t) + np.sin(2 * np.pi * column_hz * t)
        parts.append(np.trunc(AMPLITUDE * pair))
        parts.append(np.zeros(pause_ms * sound.rate // 1000))
    samples = np.concatenate(parts)
    if sound.clip_gain is not None:
        samples = samples * sound.clip_gain
    if sound.noise_snr_db is not None:
        tone_power = AMPLITUDE**2  # two sinusoids of amplitude A: 2 × A²/2
        sigma = (tone_power / 10 ** (sound.noise_snr_db / 10)) ** 0.5
        noise = np.random.default_rng(rng.getrandbits(64)).normal(0.0, sigma, len(samples))
        samples = samples + np.round(noise)
    return np.clip(samples, -FULL_SCALE - 1, FULL_SCALE).astype(np.int16)

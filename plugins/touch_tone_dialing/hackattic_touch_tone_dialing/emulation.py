"""The offline sandbox's stand-in for touch_tone_dialing: WAV files dialled as hackattic
dials them (:mod:`.synthesis`), served once, and a checker that names what is wrong.

Faults that keep the file decodable (every problem): ``noise``, ``clipping``, ``short_gap``.
Hostile files (the first ``fault_count`` problems; a solver must refuse them in one line,
exit 3): ``stereo``, ``huge_header``.
"""

from __future__ import annotations

import io
import struct
import wave
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from pydantic import Field

from hackattic_core import Emulation, EmulationConditions, EmulationEnv, Issued, run_blocking

from .synthesis import LENGTH, RATE, Sound, random_sequence, sound_sequence
from .wav import write_wav

FIELD = "sequence"
HOSTILE = ("stereo", "huge_header")
HUGE_DATA_BYTES = 0xFFFF_FF00
"""What ``huge_header``'s data chunk claims: 149 hours at 4000 Hz."""


class TouchToneDialingConditions(EmulationConditions):
    """``-o key=value`` or ``HACKATTIC_SANDBOX_TOUCH_TONE_DIALING_<KEY>``."""

    length: int = Field(default=LENGTH, ge=1, le=1000, description="Keys in a sequence.")
    hackattic_rows: bool = Field(
        default=True,
        description="Sound 1 and 2 at 679 Hz instead of 697 Hz, as hackattic does.",
    )
    noise_snr_db: float = Field(
        default=15.0,
        ge=-20,
        le=60,
        description="With --fault noise: the tones' power over the white noise's, in dB.",
    )
    clip_gain: float = Field(
        default=8.0,
        gt=1,
        le=1000,
        description="With --fault clipping: the gain before clipping to 16 bits.",
    )
    short_gap_ms: int = Field(
        default=12,
        ge=1,
        le=100,
        description="With --fault short_gap: every pause this long, in ms (the standard "
        "bridges interruptions up to 10 ms).",
    )


class TouchToneDialingEmulation(Emulation[TouchToneDialingConditions, str]):
    conditions_model = TouchToneDialingConditions
    faults: ClassVar[Mapping[str, str]] = {
        "noise": "white noise over every file (noise_snr_db below the tones)",
        "clipping": "every file amplified clip_gain times and clipped to 16 bits",
        "short_gap": "every pause short_gap_ms long",
        "stereo": "the first fault_count files are 16-bit stereo (a solver must refuse "
        "them, exit 3)",
        "huge_header": "the first fault_count files' header declares 149 hours of audio (a "
        "solver must refuse them, exit 3)",
    }

    def __init__(self, env: EmulationEnv[TouchToneDialingConditions]) -> None:
        super().__init__(env)
        self._hostile_left = env.fault_count

    def sound(self) -> Sound:
        """How this emulation's conditions and faults sound a sequence."""
        conditions, faulty = self.env.conditions, self.env.has_fault
        return Sound(
            hackattic_rows=conditions.hackattic_rows,
            noise_snr_db=conditions.noise_snr_db if faulty("noise") else None,
            clip_gain=conditions.clip_gain if faulty("clipping") else None,
            short_gap_ms=conditions.short_gap_ms if faulty("short_gap") else None,
        )

    async def new_problem(self) -> Issued[str]:
        rng = self.env.rng
        sequence = random_sequence(rng, self.env.conditions.length)
        samples = await run_blocking(sound_sequence, sequence, rng, self.sound())
        data = write_wav(samples, RATE)
        if any(self.env.has_fault(name) for name in HOSTILE) and self._hostile_left > 0:
            self._hostile_left -= 1
            data = stereo_wav(samples) if self.env.has_fault("stereo") else huge_header(data)
        url = self.env.downloads.publish(data, "audio/wav", name="touch_tone.wav")
        return Issued(problem={"wav_url": url}, state=sequence)

    async def check(self, issued: Issued[str], solution: dict[str, Any]) -> str | None:
        return check_sequence(issued.state, solution)


def check_sequence(expected: str, solution: dict[str, Any]) -> str | None:
    """None when ``solution`` holds ``expected``; otherwise what is wrong with it."""
    if FIELD not in solution:
        return f"missing field {FIELD!r}"
    got = solution[FIELD]
    if not isinstance(got, str):
        return f"wrong {FIELD}: expected a string, got {type(got).__name__}"
    if got == expected:
        return None
    if len(got) != len(expected):
        return f"wrong {FIELD}: {len(got)} keys, expected {len(expected)}"
    differ = [i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b]
    first = differ[0]
    return (
        f"wrong {FIELD}: {len(differ)} of {len(expected)} keys differ, the first at position "
        f"{first} (got {got[first]!r}, expected {expected[first]!r})"
    )


def stereo_wav(samples: npt.NDArray[np.int16]) -> bytes:
    """``samples`` on both channels of a 16-bit stereo WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(2)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(np.repeat(samples, 2).astype("<i2").tobytes())
    return buffer.getvalue()


def huge_header(data: bytes) -> bytes:
    """``data`` (a 44-byte-header WAV file) whose header claims a data chunk of 4 GiB."""
    assert data[36:40] == b"data"
    return (
        data[:4]
        + struct.pack("<I", HUGE_DATA_BYTES + 36)
        + data[8:40]
        + struct.pack("<I", HUGE_DATA_BYTES)
        + data[44:]
    )

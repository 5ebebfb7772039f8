"""WAV files of 16-bit PCM mono, read with bounds and written, through Python's ``wave``.

``wave`` parses the RIFF structure; what it accepts is then checked against what a DTMF
decoder can use, and the length the header declares is checked before any sample is read,
so a hostile header costs nothing.
"""

from __future__ import annotations

import io
import struct
import wave
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

SAMPLE_WIDTH = 2
"""Bytes a sample: 16-bit PCM."""
MAX_RATE = 192_000
"""The highest sample rate accepted, the highest audio hardware uses."""
MIN_RATE = 3_400
"""The lowest sample rate at which the highest DTMF frequency (1633 Hz, plus the 3.5%
deviation a receiver must consider) stays below the Nyquist frequency."""


class WavError(ValueError):
    """The bytes are not a WAV file this decoder reads; the message says why."""


class WavTooLong(WavError):
    """The WAV file declares more audio than the limit allows."""

    def __init__(self, seconds: float, limit: float) -> None:
        super().__init__(f"it declares {seconds:,.1f} s of audio, over the limit of {limit:g} s")
        self.seconds = seconds
        self.limit = limit


@dataclass(frozen=True)
class Pcm:
    """Mono audio: ``samples`` (int16) at ``rate`` samples a second."""

    rate: int
    samples: npt.NDArray[np.int16]

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def read_wav(data: bytes, *, max_seconds: float) -> Pcm:
    """The samples of a 16-bit PCM mono WAV file; :class:`WavError` for anything else."""
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            channels, width = reader.getnchannels(), reader.getsampwidth()
            rate, frames = reader.getframerate(), reader.getnframes()
            if channels != 1 or width != SAMPLE_WIDTH:
                raise WavError(
                    f"it is {8 * width}-bit with {channels} channel(s); expected 16-bit PCM mono"
                )
            if not MIN_RATE <= rate <= MAX_RATE:
                raise WavError(f"its sample rate is {rate} Hz; expected {MIN_RATE}–{MAX_RATE} Hz")
            if frames > max_seconds * rate:
                raise WavTooLong(frames / rate, max_seconds)
            raw = reader.readframes(frames)
    except (wave.Error, EOFError, struct.error) as exc:
        # wave's own words, e.g. "file does not start with RIFF id", "unknown format: 3"
        raise WavError(f"not a PCM WAV file: {exc or type(exc).__name__}") from None
    if len(raw) != frames * SAMPLE_WIDTH:
        raise WavError(
            f"truncated: its header declares {frames:,} samples, it holds "
            f"{len(raw) // SAMPLE_WIDTH:,}"
        )
    if frames == 0:
        raise WavError("it holds no samples")
    return Pcm(rate=rate, samples=np.frombuffer(raw, dtype="<i2").astype(np.int16))


def write_wav(samples: npt.NDArray[np.int16], rate: int) -> bytes:
    """A 16-bit PCM mono WAV file of ``samples`` (the 44-byte header hackattic's have)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(SAMPLE_WIDTH)
        writer.setframerate(rate)
        writer.writeframes(samples.astype("<i2").tobytes())
    return buffer.getvalue()

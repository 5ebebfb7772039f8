"""The WAV reader: 16-bit PCM mono read back as written; anything else refused in words."""

from __future__ import annotations

import io
import struct
import wave

import numpy as np
import pytest
from hackattic_touch_tone_dialing.emulation import huge_header, stereo_wav
from hackattic_touch_tone_dialing.wav import WavError, WavTooLong, read_wav, write_wav

SAMPLES = (np.arange(400, dtype=np.int16) - 200) * 100


def wav_of(*, channels: int = 1, width: int = 2, rate: int = 4000, frames: bytes) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(frames)
    return buffer.getvalue()


def test_round_trip() -> None:
    data = write_wav(SAMPLES, 4000)
    assert len(data) == 44 + 2 * len(SAMPLES)
    pcm = read_wav(data, max_seconds=1)
    assert pcm.rate == 4000
    assert np.array_equal(pcm.samples, SAMPLES)
    assert pcm.seconds == 0.1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a PCM WAV file: "),
        (b"GIF89a" + bytes(100), "not a PCM WAV file: file does not start with RIFF id"),
        (wav_of(width=1, frames=bytes(100)), "it is 8-bit with 1 channel(s); expected 16-bit"),
        (stereo_wav(SAMPLES), "it is 16-bit with 2 channel(s); expected 16-bit PCM mono"),
        (wav_of(rate=2000, frames=bytes(100)), "its sample rate is 2000 Hz; expected 3400"),
        (wav_of(rate=400_000, frames=bytes(100)), "its sample rate is 400000 Hz"),
        (write_wav(SAMPLES, 4000)[:500], "truncated: its header declares 400 samples, it"),
        (wav_of(frames=b""), "it holds no samples"),
    ],
    ids=["empty", "not RIFF", "8-bit", "stereo", "slow", "fast", "truncated", "no samples"],
)
def test_refused_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(WavError) as raised:
        read_wav(data, max_seconds=60)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_a_float_wav_is_refused() -> None:
    data = bytearray(write_wav(SAMPLES, 4000))
    data[20:22] = struct.pack("<H", 3)  # WAVE_FORMAT_IEEE_FLOAT
    with pytest.raises(WavError, match="not a PCM WAV file: unknown format: 3"):
        read_wav(bytes(data), max_seconds=60)


def test_a_huge_header_is_refused_before_reading() -> None:
    with pytest.raises(WavTooLong) as raised:
        read_wav(huge_header(write_wav(SAMPLES, 4000)), max_seconds=600)
    assert raised.value.limit == 600
    assert raised.value.seconds > 500_000
    with pytest.raises(WavTooLong):
        read_wav(write_wav(SAMPLES, 4000), max_seconds=0.05)

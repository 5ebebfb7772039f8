"""The challenge touch_tone_dialing: the DTMF keys in a WAV file.

The problem's ``wav_url`` is a one-time link to a 16-bit PCM mono WAV file (4000 Hz, about
2.4 s) in which 32 keys of ``0-9 * #`` are dialled; the answer is the keys, in order. The
file is downloaded (bounded by ``HACKATTIC_MAX_BODY_BYTES``), read by :mod:`.wav` (its
declared length bounded by ``HACKATTIC_TOUCH_TONE_DIALING_MAX_SECONDS`` before any sample
is read), and heard by the receiver of :mod:`.detector` off the event loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from hackattic_core import (
    AttemptLost,
    Challenge,
    ChallengeSettings,
    Context,
    CostLimitExceeded,
    DownloadUrl,
    Problem,
    ProblemError,
    Solution,
    run_blocking,
)

from .keypad import HACKATTIC_KEYS

if TYPE_CHECKING:
    from .detector import Detection, Tolerances

# numpy (.detector, .wav) is imported where it is used: `hackattic list` imports this module.

SLUG = "touch_tone_dialing"
EXPECTED_LENGTH = 32
"""Keys in every sequence hackattic has sent (a different count is reported, not refused)."""


class TouchToneDialingProblem(Problem):
    """What ``GET /challenges/touch_tone_dialing/problem`` returns."""

    wav_url: DownloadUrl
    """A one-time link to the WAV file."""


class TouchToneDialingSolution(Solution):
    """What ``POST /challenges/touch_tone_dialing/solve`` expects."""

    sequence: str
    """The keys dialled, in order."""


class TouchToneDialingSettings(ChallengeSettings):
    """The receiver's bounds and tolerances (``HACKATTIC_TOUCH_TONE_DIALING_*``); the
    defaults are the DTMF standard's (ITU-T Q.24, Bellcore's figures)."""

    max_seconds: float = Field(
        default=600.0,
        gt=0,
        le=86_400,
        description="Longest WAV file read, in seconds (hackattic's last about 2.4 s).",
    )
    max_frequency_deviation_percent: float = Field(
        default=3.5,
        gt=0,
        le=5,
        description="A tone further than this from every DTMF frequency is no key (the "
        "standard: must accept 1.5%, must reject 3.5%; hackattic's 1 and 2 are 2.6% low).",
    )
    max_forward_twist_db: float = Field(
        default=4.0, ge=0, description="How much louder the column tone may be than the row's."
    )
    max_reverse_twist_db: float = Field(
        default=8.0, ge=0, description="How much louder the row tone may be than the column's."
    )
    min_tone_ms: float = Field(
        default=23.0, gt=0, description="Shorter tones are not keys (the standard: 23 ms)."
    )
    max_dropout_ms: float = Field(
        default=10.0,
        ge=0,
        description="Interruptions up to this long do not end a tone (the standard: 10 ms).",
    )
    min_signal_to_rest_db: float = Field(
        default=0.0,
        description="How much more energy the two tones must carry than the rest of a tone's "
        "segment (noise, distortion).",
    )

    def tolerances(self) -> Tolerances:
        from .detector import Tolerances

        return Tolerances(
            max_deviation=self.max_frequency_deviation_percent / 100,
            max_forward_twist_db=self.max_forward_twist_db,
            max_reverse_twist_db=self.max_reverse_twist_db,
            min_tone_s=self.min_tone_ms / 1000,
            max_dropout_s=self.max_dropout_ms / 1000,
            min_signal_to_rest_db=self.min_signal_to_rest_db,
        )


def hear(data: bytes, settings: TouchToneDialingSettings) -> Detection:
    """The keys in the WAV file ``data`` (blocking: numpy)."""
    from .detector import detect
    from .wav import WavError, WavTooLong, read_wav

    try:
        pcm = read_wav(data, max_seconds=settings.max_seconds)
    except WavTooLong as exc:
        raise CostLimitExceeded(
            field="WAV length",
            value=round(exc.seconds, 1),
            limit=exc.limit,
            unit="s",
            setting="HACKATTIC_TOUCH_TONE_DIALING_MAX_SECONDS",
        ) from None
    except WavError as exc:
        raise ProblemError(f"malformed {SLUG} WAV file: {exc}") from None
    return detect(pcm, settings.tolerances())


class TouchToneDialingChallenge(
    Challenge[TouchToneDialingProblem, TouchToneDialingSolution, TouchToneDialingSettings]
):
    name = SLUG
    title = "Touch tone dialing: keys heard in a WAV"
    problem_model = TouchToneDialingProblem
    solution_model = TouchToneDialingSolution
    settings_model = TouchToneDialingSettings
    emulation_class = "hackattic_touch_tone_dialing.emulation:TouchToneDialingEmulation"

    async def solve(
        self,
        problem: TouchToneDialingProblem,
        context: Context[TouchToneDialingSettings],
    ) -> TouchToneDialingSolution:
        context.progress.update("downloading the WAV file")
        data = await context.download(problem.wav_url, what="WAV file")
        context.progress.update(f"listening to {len(data):,} bytes of WAV")
        detection = await run_blocking(hear, data, context.plugin_settings)
        for rejected in detection.rejected:
            context.logger.info(
                "at %.3f s, %.0f ms not taken for a key: %s",
                rejected.start_s,
                rejected.duration_s * 1000,
                rejected.reason,
            )
        sequence = detection.sequence
        if not sequence:
            raise AttemptLost("no DTMF key in the WAV file")
        unusual = sorted(set(sequence) - set(HACKATTIC_KEYS))
        if len(sequence) != EXPECTED_LENGTH or unusual:
            # Sent anyway: hackattic is the judge of what it dialled.
            context.logger.warning(
                "heard %d keys (hackattic dials %d of 0-9*#)%s: %s",
                len(sequence),
                EXPECTED_LENGTH,
                f", with {''.join(unusual)}" if unusual else "",
                sequence,
            )
        context.progress.done(f"{SLUG}: heard {len(sequence)} keys: {sequence}")
        return TouchToneDialingSolution(sequence=sequence)

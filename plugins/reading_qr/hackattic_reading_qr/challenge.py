"""The challenge reading_qr: the text of a rotated QR code in a picture.

The problem's ``image_url`` is a one-time link to a 600×600 PNG holding one QR code
(version 1, level M), rotated and placed at random; the answer is its text, which has
always looked like ``459-45-1087-9``. The picture is downloaded (bounded by
``HACKATTIC_MAX_BODY_BYTES``), its declared size checked against
``HACKATTIC_READING_QR_MAX_PIXELS`` before it is decoded, and read by zxing-cpp
(:mod:`.decode`) off the event loop. A text of another shape is sent all the same, with a
warning: hackattic is the judge of what it encoded.
"""

from __future__ import annotations

import re
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

if TYPE_CHECKING:
    from .decode import Reading

# zxing-cpp, Pillow and numpy (.decode) are imported where they are used: `hackattic list`
# imports this module.

SLUG = "reading_qr"
CODE_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}-\d")
"""The text of every code hackattic has sent."""


class ReadingQrProblem(Problem):
    """What ``GET /challenges/reading_qr/problem`` returns."""

    image_url: DownloadUrl
    """A one-time link to the PNG."""


class ReadingQrSolution(Solution):
    """What ``POST /challenges/reading_qr/solve`` expects."""

    code: str
    """The QR code's text."""


class ReadingQrSettings(ChallengeSettings):
    """The reader's bounds (``HACKATTIC_READING_QR_*``)."""

    max_pixels: int = Field(
        default=16_000_000,
        ge=1,
        le=500_000_000,
        description="Largest picture decoded, in pixels (hackattic's have 360,000); a "
        "larger one (a decompression bomb) is refused before decoding.",
    )


def read(data: bytes, max_pixels: int) -> Reading:
    """The QR codes in the picture ``data`` (blocking: Pillow and zxing-cpp)."""
    from .decode import ImageError, ImageTooLarge, load_gray, read_qr

    try:
        gray = load_gray(data, max_pixels=max_pixels)
    except ImageTooLarge as exc:
        raise CostLimitExceeded(
            field="picture",
            value=exc.pixels,
            limit=exc.limit,
            unit="pixels",
            setting="HACKATTIC_READING_QR_MAX_PIXELS",
        ) from None
    except ImageError as exc:
        raise ProblemError(f"malformed {SLUG} picture: {exc}") from None
    return read_qr(gray)


def choose(texts: list[str]) -> tuple[str, str | None]:
    """The text to send, and a warning if it is not plainly hackattic's kind."""
    distinct = list(dict.fromkeys(texts))
    shaped = [text for text in distinct if CODE_SHAPE.fullmatch(text)]
    text = (shaped or distinct)[0]
    if len(distinct) > 1:
        return text, f"{len(distinct)} different QR codes found ({distinct!r}); sending {text!r}"
    if not shaped:
        return text, f"the code reads {text!r}, not like 459-45-1087-9; sending it as it is"
    return text, None


class ReadingQrChallenge(Challenge[ReadingQrProblem, ReadingQrSolution, ReadingQrSettings]):
    name = SLUG
    title = "Reading QR: the text of a rotated QR code"
    problem_model = ReadingQrProblem
    solution_model = ReadingQrSolution
    settings_model = ReadingQrSettings
    emulation_class = "hackattic_reading_qr.emulation:ReadingQrEmulation"

    async def solve(
        self, problem: ReadingQrProblem, context: Context[ReadingQrSettings]
    ) -> ReadingQrSolution:
        context.progress.update("downloading the picture")
        data = await context.download(problem.image_url, what="picture")
        context.progress.update(f"reading {len(data):,} bytes of picture")
        reading = await run_blocking(read, data, context.plugin_settings.max_pixels)
        if not reading.texts:
            raise AttemptLost("no QR code found in the picture")
        text, warning = choose(reading.texts)
        if warning:
            context.logger.warning(warning)
        context.progress.done(
            f"{SLUG}: read {text!r} (orientation {reading.orientation}°, {reading.attempt})"
        )
        return ReadingQrSolution(code=text)

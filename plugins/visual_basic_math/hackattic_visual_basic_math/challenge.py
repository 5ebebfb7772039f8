"""The challenge visual_basic_math: read eight lines of arithmetic from a picture.

``{"image_url"}`` → ``{"result"}``: a PNG of lines, each an operator (``+ - × ÷``, dark
grey) and a number whose digits differ in colour and typeface. Start from 0 and apply
each line top to bottom (``÷`` is floor division); the result is an exact integer, sent
as a JSON number however large. The picture is cut into glyphs by colour and space
(:mod:`.segment`), operators are told apart by shape and digits by nearest neighbours
over a classifier shipped with the plugin (:mod:`.classify`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from hackattic_core import (
    Challenge,
    ChallengeSettings,
    Context,
    DownloadUrl,
    Problem,
    ProblemError,
    Solution,
    run_blocking,
)

if TYPE_CHECKING:
    from .reader import ReadLine


class VisualBasicMathProblem(Problem):
    """What ``GET /challenges/visual_basic_math/problem`` returns."""

    image_url: DownloadUrl


class VisualBasicMathSolution(Solution):
    """What ``POST /challenges/visual_basic_math/solve`` expects."""

    result: int
    """The exact result (a JSON number; it often exceeds 64 bits)."""


class VisualBasicMathSettings(ChallengeSettings):
    """The solver's bounds, as ``HACKATTIC_VISUAL_BASIC_MATH_*`` (environment or .env)."""

    model_config = SettingsConfigDict(env_prefix="HACKATTIC_VISUAL_BASIC_MATH_")

    max_image_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=1,
        description="Largest picture downloaded, in bytes (hackattic's are about 70 KB).",
    )
    max_image_pixels: int = Field(
        default=4_000_000,
        ge=1,
        description="Largest picture decoded, width × height, checked before decoding "
        "(hackattic's are about 316 × 466 = 150,000).",
    )
    max_lines: int = Field(
        default=64, ge=1, description="Most lines read from a picture (hackattic's have 8)."
    )
    max_digits: int = Field(
        default=64, ge=1, description="Most digits in one line (hackattic's have 7)."
    )


class VisualBasicMathChallenge(
    Challenge[VisualBasicMathProblem, VisualBasicMathSolution, VisualBasicMathSettings]
):
    name = "visual_basic_math"
    title = "Visual basic math: read 8 lines of coloured digits and operators, do the sums"
    problem_model = VisualBasicMathProblem
    solution_model = VisualBasicMathSolution
    settings_model = VisualBasicMathSettings
    emulation_class = "hackattic_visual_basic_math.emulation:VisualBasicMathEmulation"

    async def solve(
        self,
        problem: VisualBasicMathProblem,
        context: Context[VisualBasicMathSettings],
    ) -> VisualBasicMathSolution:
        from .download import fetch_once  # httpx: loaded when solving, not by `list`

        settings = context.plugin_settings
        context.progress.update("downloading the picture")
        data = await fetch_once(context.http, problem.image_url, max_bytes=settings.max_image_bytes)
        context.progress.update("reading the picture")
        started = time.perf_counter()
        result, lines = await run_blocking(solve_picture, data, settings)
        context.logger.info(
            "read %d lines in %.3f s: %s (lowest vote share %.2f)",
            len(lines),
            time.perf_counter() - started,
            " ".join(str(line) for line in lines),
            min(line.confidence for line in lines),
        )
        context.progress.done(f"{len(lines)} lines read: {result}")
        return VisualBasicMathSolution(result=result)


def solve_picture(data: bytes, settings: VisualBasicMathSettings) -> tuple[int, list[ReadLine]]:
    """The result of the picture's lines, and the lines as read; ``ProblemError`` (one
    line, exit 3) for a picture that cannot be read as such lines."""
    from .arithmetic import EvaluationError, evaluate
    from .picture import PictureError, decode
    from .reader import ReadError, read_lines

    try:
        rgb = decode(data, max_bytes=settings.max_image_bytes, max_pixels=settings.max_image_pixels)
        lines = read_lines(rgb, max_lines=settings.max_lines, max_digits=settings.max_digits)
        return evaluate((line.operator, line.number) for line in lines), lines
    except (PictureError, ReadError, EvaluationError) as error:
        raise ProblemError(f"the picture at image_url: {error}") from None

"""The challenge basic_face_detection: which tiles of an 8×8 grid of artworks show a face.

The problem is ``{"image_url": "..."}``: a one-time link, expiring 5 s after the problem,
to an 800×800 JPEG made of 8×8 tiles of 100×100 taken from a fixed pool of artworks. The
solution is ``{"face_tiles": [[row, col], ...]}``, zero-based, ``[0, 0]`` top left, in
any order. A face hidden by an apple (Magritte's *The Son of Man*) is not a face.

The solver downloads the image at once (the core's bounded ``context.download``; a link
that fails, expired or used, loses the problem), refuses it if it has too many pixels
(read from its header), decodes it to grey and runs OpenCV's frontal-face cascade on each
tile (see :mod:`.detector` for the choices and their measurements).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pydantic import Field

from hackattic_core import (
    AttemptLost,
    Challenge,
    ChallengeSettings,
    Context,
    DownloadUrl,
    Problem,
    ProblemError,
    ServiceError,
    Solution,
    run_blocking,
)

if TYPE_CHECKING:
    from .detector import TileVerdict

MAX_PIXELS_SETTING = "HACKATTIC_BASIC_FACE_DETECTION_MAX_IMAGE_PIXELS"
CASCADE_WINDOW = 20
"""The cascade's smallest window (pixels): a tile must hold one."""


class BasicFaceDetectionSettings(ChallengeSettings):
    """The solver's settings, as ``HACKATTIC_BASIC_FACE_DETECTION_*`` (environment or .env)."""

    max_image_pixels: int = Field(
        default=16_000_000,
        ge=1,
        description="Refuse an image of more pixels than this, read from its header before "
        "decoding (hackattic's have 640,000).",
    )
    grid_size: int = Field(
        default=8, ge=1, le=64, description="Tiles per row and per column of the grid."
    )
    min_neighbors: int = Field(
        default=6,
        ge=1,
        le=1000,
        description="Detections a face needs in the upright scan (OpenCV's minNeighbors, "
        "at a scale step of 1.05).",
    )
    tilt_degrees: float = Field(
        default=20.0,
        ge=0,
        le=45,
        description="Tiles without an upright face are scanned again turned by ± this "
        "many degrees, for tilted heads; 0 turns it off.",
    )


class BasicFaceDetectionProblem(Problem):
    """What ``GET /challenges/basic_face_detection/problem`` returns."""

    image_url: DownloadUrl
    """A one-time link to the JPEG, expiring 5 s after the problem."""


class BasicFaceDetectionSolution(Solution):
    """What ``POST /challenges/basic_face_detection/solve`` expects."""

    face_tiles: list[tuple[int, int]]
    """[row, col] of each tile showing a face, zero-based (a JSON list of pairs)."""


async def fetch_image(context: Context[BasicFaceDetectionSettings], url: str) -> bytes:
    """The image at ``url``; :class:`AttemptLost` if the link fails (expired, used,
    dropped, too large): it cannot be fetched again, but a fresh problem may succeed."""
    try:
        return await context.download(url, what="image")
    except ServiceError as exc:
        raise AttemptLost(
            f"{exc} (hackattic's links work once and expire 5 s after the problem)"
        ) from None


def judge_image(data: bytes, settings: BasicFaceDetectionSettings) -> list[TileVerdict]:
    """Decode ``data`` and judge every tile (blocking: run it off the event loop)."""
    from .detector import DetectorParameters, judge_grid  # OpenCV: loaded when solving only
    from .image import ImageRefused, ImageTooLarge, read_gray

    grid = settings.grid_size
    try:
        gray = read_gray(data, max_pixels=settings.max_image_pixels, min_side=grid * CASCADE_WINDOW)
    except ImageTooLarge as exc:
        raise ProblemError(
            f"the image at image_url is refused: {exc} ({MAX_PIXELS_SETTING}); raise "
            f"{MAX_PIXELS_SETTING} only if you expect it"
        ) from None
    except ImageRefused as exc:
        raise ProblemError(f"the image at image_url is refused: {exc}") from None
    parameters = DetectorParameters(
        min_neighbors=settings.min_neighbors, tilt_degrees=settings.tilt_degrees
    )
    return judge_grid(gray, grid, parameters)


class BasicFaceDetectionChallenge(
    Challenge[BasicFaceDetectionProblem, BasicFaceDetectionSolution, BasicFaceDetectionSettings]
):
    name = "basic_face_detection"
    title = "Basic face detection: which tiles of a grid of artworks show a face"
    problem_model = BasicFaceDetectionProblem
    solution_model = BasicFaceDetectionSolution
    settings_model = BasicFaceDetectionSettings
    emulation_class = "hackattic_basic_face_detection.emulation:BasicFaceDetectionEmulation"

    async def solve(
        self,
        problem: BasicFaceDetectionProblem,
        context: Context[BasicFaceDetectionSettings],
    ) -> BasicFaceDetectionSolution:
        settings = context.plugin_settings
        started = time.perf_counter()
        # First thing: the link expires 5 s after the problem was issued.
        context.progress.update("downloading the grid")
        data = await fetch_image(context, problem.image_url)
        context.logger.info(
            "image: %d bytes, downloaded %.3f s into the solve",
            len(data),
            time.perf_counter() - started,
        )
        context.progress.update("looking for faces")
        verdicts = await run_blocking(judge_image, data, settings)
        faces = [(v.row, v.col) for v in verdicts if v.face]
        for v in verdicts:
            context.logger.debug(
                "tile [%d, %d]: upright %d, tilted %s -> %s",
                v.row,
                v.col,
                v.upright,
                v.tilted,
                "face" if v.face else "no face",
            )
        context.progress.done(f"{len(faces)} face tiles of {len(verdicts)}")
        return BasicFaceDetectionSolution(face_tiles=faces)

"""Which tiles of a grid show a face: OpenCV's Haar cascade run on each tile on its own.

Why per tile, and why these numbers (measured on the 32 distinct tiles of the real grids;
the README has the tables):

- **The cascade**: ``haarcascade_frontalface_alt2`` (Lienhart's, shipped inside
  opencv-python). On every real tile it separates faces from non-faces by a wide margin:
  the weakest face gathers 18 neighbouring detections, the strongest non-face 0 (the
  default cascade reaches 2 on non-faces). Magritte's apple-faced man gathers none: the
  cascade looks for eyes, nose and mouth, which the apple hides.
- **Per tile**: a tile is one artwork, so a face never spans two; the whole-image run that
  public solvers use also scans windows straddling tiles and maps a box to a tile by its
  corner. Running on each 100×100 tile bounds each window to one tile.
- **Sizes**: a face that a tile "shows" fills a good part of it (portraits fill 40–90 px
  of 100); ``min_face_fraction`` = 0.3 skips the crowds of small figures in Seurat or
  Géricault, whose tiny faces are not what the challenge counts.
- **Scale step and neighbours**: OpenCV's defaults are scaleFactor 1.1 with minNeighbors
  3. A 100 px tile holds few scales between 30 and 100 px, so the scan uses the finer
  step 1.05, which visits twice as many scales and so gathers about twice the detections
  around a true face: the threshold doubles accordingly to 6. Measured margin: faces 18
  and up, non-faces 0.
- **Tilted heads**: a frontal cascade misses a head tilted beyond about 10° (Botticelli's
  Venus is already tilted). Tiles that fail upright are scanned again rotated by
  ±``tilt_degrees`` (20°), at OpenCV's default step 1.1 (half the cost of the upright
  pass). There, faces tilted by 12–25° gather 8 detections or more and non-faces at most
  2; OpenCV's default threshold 3 would sit next to the non-faces, so it is 4, the
  geometric middle of that gap (√(2·8)). With it, every real face tile turned by ±12° or
  ±25° is still found, and no non-face tile turns into a face (see the README's
  robustness table).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources

import cv2
import numpy as np
from numpy.typing import NDArray

CASCADE_FILE = "haarcascade_frontalface_alt2.xml"

GrayImage = NDArray[np.uint8]


@dataclass(frozen=True)
class DetectorParameters:
    """How a tile is judged (the defaults are the ones measured; see the module)."""

    scale_factor: float = 1.05
    """The upright scan's step between window sizes."""
    min_neighbors: int = 6
    """Detections needed around one face in the upright scan."""
    min_face_fraction: float = 0.3
    """The smallest face counted, as a fraction of the tile's side."""
    tilt_degrees: float = 20.0
    """Tiles without an upright face are scanned again turned by ± this; 0: never."""
    tilt_scale_factor: float = 1.1
    """The tilted scans' step (OpenCV's default)."""
    tilt_min_neighbors: int = 4
    """Detections needed in a tilted scan."""


@dataclass(frozen=True)
class TileVerdict:
    """What the detector saw in one tile."""

    row: int
    col: int
    upright: int
    """The largest group of detections in the upright scan (0: none)."""
    tilted: int | None
    """The same in the tilted scans, or None when they were not needed (or disabled)."""
    face: bool


_local = threading.local()


def _cascade() -> cv2.CascadeClassifier:
    """The cascade, loaded once per thread (a classifier is not safe to share while it
    runs, and loading the XML takes tens of milliseconds)."""
    cascade: cv2.CascadeClassifier | None = getattr(_local, "cascade", None)
    if cascade is None:
        # The file ships inside opencv-python (cv2/data, what cv2.data.haarcascades names).
        path = resources.files("cv2") / "data" / CASCADE_FILE
        cascade = cv2.CascadeClassifier(str(path))
        if cascade.empty():
            raise RuntimeError(f"OpenCV's {CASCADE_FILE} did not load from {path}")
        _local.cascade = cascade
    return cascade


def strongest_group(
    gray: GrayImage, *, scale_factor: float, min_size: int, cascade: cv2.CascadeClassifier
) -> int:
    """The size of the largest group of overlapping detections (OpenCV's "neighbours") in
    ``gray``; 0 when nothing was detected."""
    # minNeighbors=1 keeps every group of two or more: the count is the score, and the
    # threshold is applied by the caller (the same as asking OpenCV for minNeighbors=k).
    _, counts = cascade.detectMultiScale2(
        gray, scaleFactor=scale_factor, minNeighbors=1, minSize=(min_size, min_size)
    )
    return int(max(counts)) if len(counts) else 0


def rotated(gray: GrayImage, degrees: float) -> GrayImage:
    """``gray`` turned about its centre, the corners filled by reflection (a flat fill
    would draw edges that a cascade can take for features)."""
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    turned = cv2.warpAffine(gray, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    return np.asarray(turned, dtype=np.uint8)


def judge_tile(tile: GrayImage, row: int, col: int, parameters: DetectorParameters) -> TileVerdict:
    """Whether one tile shows a face."""
    cascade = _cascade()
    min_size = max(1, round(parameters.min_face_fraction * min(tile.shape)))
    upright = strongest_group(
        tile, scale_factor=parameters.scale_factor, min_size=min_size, cascade=cascade
    )
    if upright >= parameters.min_neighbors or parameters.tilt_degrees <= 0:
        return TileVerdict(row, col, upright, None, upright >= parameters.min_neighbors)
    tilted = max(
        strongest_group(
            rotated(tile, angle),
            scale_factor=parameters.tilt_scale_factor,
            min_size=min_size,
            cascade=cascade,
        )
        for angle in (-parameters.tilt_degrees, parameters.tilt_degrees)
    )
    return TileVerdict(row, col, upright, tilted, tilted >= parameters.tilt_min_neighbors)


def tile_bounds(length: int, count: int) -> list[tuple[int, int]]:
    """``count`` consecutive [start, end) spans covering ``length`` pixels."""
    return [(i * length // count, (i + 1) * length // count) for i in range(count)]


def judge_grid(
    gray: GrayImage, grid: int, parameters: DetectorParameters | None = None
) -> list[TileVerdict]:
    """A verdict for every tile of ``gray`` cut into ``grid`` × ``grid`` tiles, row by row."""
    parameters = parameters or DetectorParameters()
    height, width = gray.shape
    verdicts = []
    for row, (top, bottom) in enumerate(tile_bounds(height, grid)):
        for col, (left, right) in enumerate(tile_bounds(width, grid)):
            verdicts.append(judge_tile(gray[top:bottom, left:right], row, col, parameters))
    return verdicts


def face_tiles(
    gray: GrayImage, grid: int, parameters: DetectorParameters | None = None
) -> list[tuple[int, int]]:
    """The [row, col] of every tile showing a face, row by row."""
    return [(v.row, v.col) for v in judge_grid(gray, grid, parameters) if v.face]

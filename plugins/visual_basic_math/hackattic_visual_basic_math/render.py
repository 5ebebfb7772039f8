"""Draw pictures like hackattic's: the sandbox's problems and the classifier's training set.

Typefaces are the TrueType fonts matplotlib ships (DejaVu, STIX, Computer Modern), found
without importing matplotlib; handwritten-looking digits are scikit-learn's ``load_digits``
(8×8, 17 grey levels), blown up, blurred and thresholded, which gives the thick rounded
strokes of the marker-style digits in the real pictures. Nothing is downloaded.

Layout measured on the real pictures (README): about 316×466, line tops 56 px apart from
y = 18, a dark grey operator 20 px wide at x ≈ 12, then 7 digits from x ≈ 40, printed ones
about 31 px tall, handwritten ones 33–38 px tall and up to 40 px wide, 6–15 px apart.
"""

from __future__ import annotations

import importlib.util
import io
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter, ImageFont

# The colours of the real pictures (their most common exact values).
GREY = (52, 53, 62)
DIGIT_COLOURS = ((51, 105, 232), (213, 15, 37), (238, 178, 17), (0, 153, 37))
OPERATORS = "+-×÷"

# The emulation's typefaces, from matplotlib's mpl-data/fonts/ttf. The classifier trains
# on the DejaVu ones, never on STIX or Computer Modern.
EMULATION_FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "STIXGeneral.ttf",
    "STIXGeneralBol.ttf",
    "cmr10.ttf",
    "cmss10.ttf",
    "cmtt10.ttf",
    "cmb10.ttf",
)
OPERATOR_FONT = "DejaVuSansMono-Bold.ttf"

WIDTH = (312, 320)
HEIGHT = (460, 470)
TOP, PITCH = 18, 56
PRINTED_HEIGHT = (29, 32)
HANDWRITTEN_HEIGHT = (33, 38)
GAP = (6, 15)
TYPICAL_NEIGHBOURS = 30


class RenderError(RuntimeError):
    """A package the picture needs (matplotlib's fonts) is not there."""


def matplotlib_fonts() -> Path:
    """matplotlib's font folder, located without importing matplotlib (slow, unneeded)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RenderError("matplotlib is not installed: its fonts draw the sandbox's digits")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def printed_glyph(path: str, char: str, height: int) -> NDArray[np.float32]:
    """``char`` in the font at ``path``, its ink ``height`` px tall (coverage 0..1)."""
    font = _font(path, 96)
    left, top, right, bottom = (int(v) for v in font.getbbox(char))
    canvas = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    ImageDraw.Draw(canvas).text((4 - left, 4 - top), char, fill=255, font=font)
    box = canvas.getbbox()
    if box is None:
        raise RenderError(f"the font {Path(path).name} has no ink for {char!r}")
    glyph = canvas.crop(box)
    width = max(1, round(glyph.width * height / glyph.height))
    scaled = glyph.resize((width, height), Image.Resampling.LANCZOS)
    return np.asarray(scaled, dtype=np.float32) / 255.0


def handwritten_glyph(
    image8: NDArray[np.float64], height: int, blur: float, level: float, stretch: float = 1.0
) -> NDArray[np.float32]:
    """A ``load_digits`` 8×8 digit as a thick pen stroke ``height`` px tall, its width
    the stroke's own times ``stretch``."""
    grey = np.pad(np.clip(image8 / 16.0 * 255.0, 0, 255).astype(np.uint8), 1)
    big = Image.fromarray(grey).resize((100, 100), Image.Resampling.BICUBIC)
    smooth = np.asarray(big.filter(ImageFilter.GaussianBlur(blur)))
    stroke = Image.fromarray(((smooth > level) * 255).astype(np.uint8))
    box = stroke.getbbox()
    if box is not None:
        stroke = stroke.crop(box)
    width = max(1, round(stroke.width * height / max(1, stroke.height) * stretch))
    # Drawn large and shrunk: LANCZOS gives the stroke an antialiased edge.
    scaled = stroke.resize((width, height), Image.Resampling.LANCZOS)
    coverage: NDArray[np.float32] = np.asarray(scaled, dtype=np.float32) / 255.0
    return coverage


@cache
def handwritten_pool() -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """``load_digits``' images and labels (1,797 of them, shipped with scikit-learn)."""
    from sklearn.datasets import load_digits  # slow import: only where digits are drawn

    digits = load_digits()
    return np.asarray(digits.images), np.asarray(digits.target)


@cache
def typical() -> NDArray[np.bool_]:
    """Which ``load_digits`` samples are typical of their digit: their TYPICAL_NEIGHBOURS
    nearest samples (raw 8×8 pixels) all have the same label. The sandbox draws only
    those: the real pictures' handwriting is a clean font, never an ambiguous scan, and
    this test knows nothing of the solver's classifier."""
    images, labels = handwritten_pool()
    flat = images.reshape(len(images), -1)
    squares = (flat**2).sum(axis=1)
    distances = squares[:, None] - 2.0 * flat @ flat.T + squares[None, :]
    np.fill_diagonal(distances, np.inf)
    nearest = np.argsort(distances, axis=1, kind="stable")[:, :TYPICAL_NEIGHBOURS]
    agreeing: NDArray[np.bool_] = (labels[nearest] == labels[:, None]).all(axis=1)
    return agreeing


@cache
def _samples_of(digit: int, held_out: bool) -> list[int]:
    """Typical ``load_digits`` samples of ``digit``: the odd-numbered ones (the classifier
    trains on the even ones), or all of them."""
    _, labels = handwritten_pool()
    keep = typical()
    step = 2 if held_out else 1
    return [i for i in range(int(held_out), len(labels), step) if labels[i] == digit and keep[i]]


@dataclass(frozen=True)
class Line:
    operator: str  # one of OPERATORS
    number: str  # the digits, as printed


def _paint(
    canvas: NDArray[np.float32],
    glyph: NDArray[np.float32],
    x: int,
    y: int,
    colour: tuple[int, int, int],
) -> None:
    """Blend ``colour`` into the RGB float canvas with ``glyph`` as coverage."""
    h = min(glyph.shape[0], canvas.shape[0] - y)
    w = min(glyph.shape[1], canvas.shape[1] - x)
    if h <= 0 or w <= 0:
        return
    alpha = glyph[:h, :w, None]
    region = canvas[y : y + h, x : x + w]
    region[:] = region * (1 - alpha) + np.asarray(colour, dtype=np.float32) * alpha


def draw_problem(
    lines: list[Line], rng: random.Random, handwritten_share: float, held_out: bool = True
) -> bytes:
    """A PNG (RGBA, opaque white) of ``lines``, laid out like hackattic's; with
    ``held_out``, handwriting only from the odd-numbered ``load_digits`` samples."""
    fonts = matplotlib_fonts()
    width, height = rng.randint(*WIDTH), rng.randint(*HEIGHT)
    canvas = np.full((height, width, 3), 255.0, dtype=np.float32)
    images, labels = handwritten_pool() if handwritten_share > 0 else (None, None)
    for row, line in enumerate(lines):
        top = TOP + PITCH * row + rng.randint(-1, 1)
        operator = _operator_glyph(str(fonts / OPERATOR_FONT), line.operator)
        centre_y = top + 16 + rng.randint(-1, 1)
        _paint(
            canvas, operator, 22 - operator.shape[1] // 2, centre_y - operator.shape[0] // 2, GREY
        )
        x = rng.randint(40, 46)
        for char in line.number:
            colour = rng.choice(DIGIT_COLOURS)
            if images is not None and labels is not None and rng.random() < handwritten_share:
                pick = _samples_of(int(char), held_out)
                glyph = handwritten_glyph(
                    images[rng.choice(pick)],
                    height=rng.randint(*HANDWRITTEN_HEIGHT),
                    blur=rng.uniform(4.3, 4.7),
                    level=rng.uniform(110.0, 122.0),
                    stretch=rng.uniform(0.9, 1.2),
                )
                y = top + rng.randint(0, 3)
            else:
                font = str(fonts / rng.choice(EMULATION_FONTS))
                glyph = printed_glyph(font, char, rng.randint(*PRINTED_HEIGHT))
                y = top + rng.randint(-1, 1)
            _paint(canvas, glyph, x, y, colour)
            x += glyph.shape[1] + rng.randint(*GAP)
    rgb = np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
    picture = Image.fromarray(rgb, "RGB").convert("RGBA")
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def _operator_glyph(path: str, operator: str) -> NDArray[np.float32]:
    """The operator as the real pictures show it: ``-`` 12×4 px, the others 20 px wide."""
    if operator == "-":
        glyph = printed_glyph(path, "-", 4)
        return (
            np.asarray(
                Image.fromarray((glyph * 255).astype(np.uint8)).resize((12, 4)), dtype=np.float32
            )
            / 255.0
        )
    return printed_glyph(path, operator, {"+": 20, "×": 18, "÷": 16}[operator])

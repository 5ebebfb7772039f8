"""Cut the picture into lines, an operator per line and the digits after it.

The image is black-free: a white background, operators in dark grey, digits in four
saturated colours. Two measures per pixel do all the work, and both survive antialiasing
(a pixel blended with white keeps its hue and its ratio of chroma to darkness):

- darkness = 255 − min(R, G, B): how far from white, whatever the colour (yellow is dark
  in its blue channel only);
- colourfulness = chroma / darkness: about 0.05 for the grey operators, 0.6–0.95 for
  the digits.

Lines are bands of the row profile. In a band, each colour (the grey, or the nearest of
the four hues) is labelled into connected components on its own, so two touching digits
of different colours still come apart; pieces of one glyph (the dots of ``÷``, a broken
stroke) are joined when their columns overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage  # type: ignore[import-untyped]

# A pixel is ink when it is this much darker than white (of 255).
INK_DARKNESS = 48
# Below this chroma/darkness a pixel is grey (an operator), above it coloured (a digit).
GREY_RATIO = 0.3
# Hues (degrees) of the four digit colours hackattic uses: blue, red, yellow, green.
DIGIT_HUES = (223.0, 354.0, 44.0, 135.0)
# Rows of ink closer than this are one line (a broken stroke must not split a line).
LINE_GAP = 3
# A glyph smaller than this many pixels, alone, is noise.
MIN_GLYPH_PIXELS = 12

GREY = -1


@dataclass
class Glyph:
    """One symbol: its colour class, bounding box and its darkness inside its own mask."""

    colour: int  # GREY, or an index into DIGIT_HUES
    x0: int
    x1: int
    y0: int
    y1: int
    ink: NDArray[np.float32] = field(repr=False)  # darkness 0..1, zero outside the glyph
    parts: int = 1  # connected components joined into it

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


def measures(rgb: NDArray[np.uint8]) -> tuple[NDArray[np.float32], NDArray[np.int8]]:
    """Darkness (0..1) and colour class (GREY or a hue index) of every pixel."""
    pixels = rgb.astype(np.float32)
    high = pixels.max(axis=2)
    low = pixels.min(axis=2)
    darkness = 255.0 - low
    chroma = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(darkness > 0, chroma / darkness, 0.0)
    hue = _hue(pixels, high, chroma)
    centres = np.asarray(DIGIT_HUES, dtype=np.float32)
    distance = np.abs((hue[..., None] - centres + 180.0) % 360.0 - 180.0)
    colour = np.argmin(distance, axis=2).astype(np.int8)
    colour[ratio < GREY_RATIO] = GREY
    return darkness / 255.0, colour


def _hue(
    pixels: NDArray[np.float32], high: NDArray[np.float32], chroma: NDArray[np.float32]
) -> NDArray[np.float32]:
    """The HSV hue in degrees (0 where there is no chroma)."""
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    safe = np.where(chroma > 0, chroma, 1.0)
    hue = np.where(
        high == r,
        ((g - b) / safe) % 6.0,
        np.where(high == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0),
    )
    return (hue * 60.0).astype(np.float32)


def line_bands(ink: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Top and bottom (exclusive) of each line of text, top to bottom."""
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return []
    bands: list[tuple[int, int]] = []
    start = previous = int(rows[0])
    for row in rows[1:].tolist():
        if row - previous > LINE_GAP:
            bands.append((start, previous + 1))
            start = row
        previous = row
    bands.append((start, previous + 1))
    return bands


def glyphs_of_line(darkness: NDArray[np.float32], colour: NDArray[np.int8]) -> list[Glyph]:
    """The glyphs of one band, left to right."""
    ink = darkness * 255.0 > INK_DARKNESS
    found: list[Glyph] = []
    for klass in np.unique(colour[ink]).tolist():
        mask = ink & (colour == klass)
        labels, _ = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
        pieces: list[Glyph] = []
        for index, box in enumerate(ndimage.find_objects(labels), start=1):
            if box is None:
                continue
            ys, xs = box
            own = labels[box] == index
            pieces.append(
                Glyph(
                    colour=int(klass),
                    x0=xs.start,
                    x1=xs.stop,
                    y0=ys.start,
                    y1=ys.stop,
                    ink=np.where(own, darkness[box], 0.0).astype(np.float32),
                )
            )
        found.extend(_join_overlapping(pieces))
    found = [g for g in found if int(np.count_nonzero(g.ink)) >= MIN_GLYPH_PIXELS]
    found.sort(key=lambda g: (g.x0 + g.x1) / 2)
    return found


def _join_overlapping(pieces: list[Glyph]) -> list[Glyph]:
    """Join pieces of one colour whose column ranges overlap (``÷``, a broken stroke)."""
    pieces = sorted(pieces, key=lambda g: g.x0)
    joined: list[Glyph] = []
    for piece in pieces:
        if joined:
            last = joined[-1]
            overlap = min(last.x1, piece.x1) - max(last.x0, piece.x0)
            if overlap > 0.5 * min(last.width, piece.width):
                joined[-1] = _merge(last, piece)
                continue
        joined.append(piece)
    return joined


def _merge(a: Glyph, b: Glyph) -> Glyph:
    x0, x1 = min(a.x0, b.x0), max(a.x1, b.x1)
    y0, y1 = min(a.y0, b.y0), max(a.y1, b.y1)
    ink = np.zeros((y1 - y0, x1 - x0), dtype=np.float32)
    for g in (a, b):
        view = ink[g.y0 - y0 : g.y1 - y0, g.x0 - x0 : g.x1 - x0]
        np.maximum(view, g.ink, out=view)
    return Glyph(a.colour, x0, x1, y0, y1, ink, a.parts + b.parts)


def segment(rgb: NDArray[np.uint8]) -> list[list[Glyph]]:
    """Every line's glyphs, top to bottom, in image coordinates."""
    darkness, colour = measures(rgb)
    ink = darkness * 255.0 > INK_DARKNESS
    lines: list[list[Glyph]] = []
    for top, bottom in line_bands(ink):
        glyphs = glyphs_of_line(darkness[top:bottom], colour[top:bottom])
        for g in glyphs:
            g.y0 += top
            g.y1 += top
        if glyphs:
            lines.append(glyphs)
    return lines

"""The feature vector of one glyph: oriented gradients, a coarse grid, its aspect.

A glyph's darkness is cropped to its ink, scaled (aspect kept) into a 20-pixel box centred
in a 24×24 square, and described by 8-bin gradient-orientation histograms over 4×4-pixel
cells (HOG without block normalisation, the whole vector L2-normalised), then by the glyph
stretched into an 8×8 grid of block means, then by the log of its width/height.

Orientation histograms describe stroke directions, which differ between digits and much
less between typefaces than pixels do: on the real pictures, raw pixels put 2 of the 112
digits wrong and HOG none. The coarse grid (load_digits' own resolution) places the ink
of blobby pen strokes, which HOG alone confuses (1/8, 3/8). README, "Choosing the
approach". Written with numpy: the transform is a few array operations on 24×24 images,
and scikit-image would be a large dependency for it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

SIZE = 24  # the square the glyph is drawn into
BOX = 20  # the glyph's longer side inside it
CELL = 4  # HOG cell side, pixels
BINS = 8  # unsigned orientations over 0..π
# Darkness below this (of 1) is the antialiased fringe, not ink, when cropping.
CROP_LEVEL = 0.05
COARSE = 8  # the coarse grid's side: load_digits' own resolution
COARSE_WEIGHT = 0.5  # its length beside HOG's 1
ASPECT_WEIGHT = 0.5  # times the log of width/height
FEATURES = (SIZE // CELL) ** 2 * BINS + COARSE * COARSE + 1


def normalise(ink: NDArray[np.float32]) -> tuple[NDArray[np.float32], float]:
    """The glyph in a SIZE×SIZE square (darkness 0..1) and its width/height."""
    ys, xs = np.nonzero(ink > CROP_LEVEL)
    if ys.size == 0:
        return np.zeros((SIZE, SIZE), dtype=np.float32), 1.0
    ink = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    height, width = ink.shape
    scale = BOX / max(height, width)
    new_h, new_w = max(1, round(height * scale)), max(1, round(width * scale))
    peak = float(ink.max())
    grey = Image.fromarray(np.clip(ink / peak * 255.0, 0, 255).astype(np.uint8))
    # BOX averages when shrinking (no aliasing of thin strokes), BILINEAR when growing.
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    small = np.asarray(grey.resize((new_w, new_h), resample), dtype=np.float32) / 255.0
    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    top, left = (SIZE - new_h) // 2, (SIZE - new_w) // 2
    out[top : top + new_h, left : left + new_w] = small
    return out, width / height


def hog(images: NDArray[np.float32]) -> NDArray[np.float32]:
    """HOG of a stack of SIZE×SIZE images: (n, cells·cells·BINS), each row unit length."""
    n = images.shape[0]
    gy, gx = np.gradient(images, axis=(1, 2))
    magnitude = np.hypot(gx, gy)
    position = (np.arctan2(gy, gx) % np.pi) / np.pi * BINS
    low = np.floor(position)
    upper_share = position - low
    low_bin = low.astype(np.int64) % BINS
    high_bin = (low_bin + 1) % BINS
    cells = SIZE // CELL
    # Each pixel's magnitude is split between its two nearest orientation bins.
    cell_of = (np.arange(SIZE) // CELL)[:, None] * cells + (np.arange(SIZE) // CELL)[None, :]
    width = cells * cells * BINS
    base = (np.arange(n) * width)[:, None, None] + cell_of[None] * BINS
    flat = np.concatenate([(base + low_bin).ravel(), (base + high_bin).ravel()])
    weights = np.concatenate(
        [(magnitude * (1 - upper_share)).ravel(), (magnitude * upper_share).ravel()]
    )
    out = np.bincount(flat, weights=weights, minlength=n * width).reshape(n, width)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    unit: NDArray[np.float32] = (out / np.maximum(norms, 1e-6)).astype(np.float32)
    return unit


def coarse(ink: NDArray[np.float32]) -> NDArray[np.float32]:
    """The glyph's ink stretched to fill an 8×8 grid of block means, unit length: the
    overall placement of ink, which separates blobby pen strokes that HOG confuses."""
    ys, xs = np.nonzero(ink > CROP_LEVEL)
    if ys.size == 0:
        return np.zeros(COARSE * COARSE, dtype=np.float32)
    ink = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    grey = Image.fromarray(np.clip(ink / float(ink.max()) * 255.0, 0, 255).astype(np.uint8))
    grid = np.asarray(grey.resize((COARSE, COARSE), Image.Resampling.BOX), dtype=np.float32).ravel()
    unit: NDArray[np.float32] = COARSE_WEIGHT * grid / max(float(np.linalg.norm(grid)), 1e-6)
    return unit


def features(inks: list[NDArray[np.float32]]) -> NDArray[np.float32]:
    """One row of FEATURES values per glyph: HOG, the coarse grid, the aspect."""
    if not inks:
        return np.zeros((0, FEATURES), dtype=np.float32)
    squares, aspects = zip(*(normalise(ink) for ink in inks), strict=True)
    gradients = hog(np.stack(squares))
    grids = np.stack([coarse(ink) for ink in inks])
    # Half the log aspect: a "1" (about 0.3) sits ~0.6 from an "8" (about 0.7), which
    # counts in the distance without outweighing the shape.
    aspect = ASPECT_WEIGHT * np.log(np.asarray(aspects, dtype=np.float32))[:, None]
    return np.hstack([gradients, grids, aspect]).astype(np.float32)

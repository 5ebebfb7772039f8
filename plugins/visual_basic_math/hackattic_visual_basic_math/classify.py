"""Name each glyph: digits by nearest neighbours, operators by their shape.

Digits: the glyph's features (``features.py``) are projected onto the 96 principal
components shipped in ``digits.npz`` and given the label that wins a distance-weighted
vote of the K nearest training digits (``scripts/train_model.py`` made the file). Nearest
neighbours need no training at run time, keep every typeface's own examples instead of
averaging them away, and were the most accurate of the classifiers tried on the real
pictures (README, "Choosing the classifier").

Operators are four dark grey shapes that never vary in the real pictures, so a few
measurements tell them apart without a model: ``÷`` is three pieces, ``-`` is flat, ``+``
has ink in the middle of its top edge and ``×`` in its corners.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from .features import features
from .segment import Glyph

K = 3
MODEL = "digits.npz"
# The model file is ~0.6 MB; refuse anything far larger (a broken install).
MAX_MODEL_BYTES = 16 * 1024 * 1024


class ModelError(RuntimeError):
    """The shipped classifier file is missing or unreadable."""


@dataclass(frozen=True)
class Model:
    mean: NDArray[np.float32]
    components: NDArray[np.float32]
    prototypes: NDArray[np.float32]
    labels: NDArray[np.uint8]


@cache
def model() -> Model:
    """The shipped classifier, read once."""
    try:
        data = resources.files(__package__).joinpath(MODEL).read_bytes()
    except OSError as error:
        raise ModelError(f"the digit classifier {MODEL} is missing: {error}") from error
    if len(data) > MAX_MODEL_BYTES:
        raise ModelError(f"the digit classifier {MODEL} is {len(data):,} bytes: broken")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            loaded = Model(
                mean=arrays["mean"].astype(np.float32),
                components=arrays["components"].astype(np.float32),
                prototypes=arrays["prototypes"].astype(np.float32) * arrays["scale"],
                labels=arrays["labels"].astype(np.uint8),
            )
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise ModelError(f"the digit classifier {MODEL} is unreadable: {error}") from error
    if loaded.prototypes.shape[0] != loaded.labels.shape[0] or loaded.labels.size < K:
        raise ModelError(f"the digit classifier {MODEL} is inconsistent")
    return loaded


def classify_digits(glyphs: list[Glyph]) -> tuple[list[int], list[float]]:
    """Each glyph's digit and the share of the vote it won (1.0 = unanimous)."""
    if not glyphs:
        return [], []
    m = model()
    projected = (features([g.ink for g in glyphs]) - m.mean) @ m.components.T
    # Squared distances to every prototype: |a|² − 2a·b + |b|².
    distances = (
        (projected**2).sum(axis=1)[:, None]
        - 2.0 * projected @ m.prototypes.T
        + (m.prototypes**2).sum(axis=1)[None, :]
    )
    nearest = np.argpartition(distances, K, axis=1)[:, :K]
    digits: list[int] = []
    shares: list[float] = []
    for row, indices in enumerate(nearest):
        weights = 1.0 / (np.sqrt(np.maximum(distances[row, indices], 0.0)) + 1e-6)
        votes = np.bincount(m.labels[indices], weights=weights, minlength=10)
        digits.append(int(np.argmax(votes)))
        shares.append(float(votes.max() / votes.sum()))
    return digits, shares


def classify_operator(glyph: Glyph) -> str | None:
    """``+``, ``-``, ``×`` or ``÷`` for a grey glyph, None if it is none of them."""
    ink = glyph.ink > 0.35
    height, width = ink.shape
    if glyph.parts >= 3:
        return "÷"
    if height * 2.5 <= width:
        return "-"
    if height < 5 or width < 5:
        return None
    # Edge strips a quarter of the box deep: where the strokes of + and × leave them.
    band_h, band_w = max(1, height // 4), max(1, width // 4)
    top_middle = ink[:band_h, width // 2 - band_w // 2 : width // 2 + band_w // 2 + 1].mean()
    corners = np.mean(
        [
            ink[:band_h, :band_w].mean(),
            ink[:band_h, -band_w:].mean(),
            ink[-band_h:, :band_w].mean(),
            ink[-band_h:, -band_w:].mean(),
        ]
    )
    if top_middle > corners:
        return "+"
    if corners > top_middle:
        return "×"
    return None

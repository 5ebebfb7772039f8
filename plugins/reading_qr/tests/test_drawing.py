"""The emulation's pictures look like hackattic's and hold the code they claim."""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from hackattic_reading_qr.drawing import Look, draw_png, qr_modules, random_text
from PIL import Image

FIXTURES = Path(__file__).parent / "fixtures"
ANSWERS: dict[str, str] = json.loads((FIXTURES / "answers.json").read_text())


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L")).astype(np.int64)


def grey_and_black(gray: np.ndarray) -> tuple[int, int]:
    return int(((gray > 0) & (gray < 255)).sum()), int((gray == 0).sum())


def test_texts_look_like_hackattics() -> None:
    rng = random.Random(2)
    texts = [random_text(rng) for _ in range(100)]
    assert all(re.fullmatch(r"\d{3}-\d{2}-\d{4}-\d", text) for text in texts)
    assert len(set(texts)) == 100


def test_the_code_is_version_1_level_m() -> None:
    assert qr_modules("459-45-1087-9").shape == (21, 21)
    decoded = zxingcpp.read_barcodes(
        pixels(draw_png("459-45-1087-9", random.Random(1))).astype(np.uint8)
    )
    assert [(code.text, code.ec_level, code.symbology_identifier) for code in decoded] == [
        ("459-45-1087-9", "M", "]Q1")
    ]


def test_a_picture_is_a_600_px_opaque_rgba_png() -> None:
    picture = Image.open(io.BytesIO(draw_png("459-45-1087-9", random.Random(1))))
    assert (picture.format, picture.mode, picture.size) == ("PNG", "RGBA", (600, 600))
    rgba = np.asarray(picture)
    assert (rgba[..., 3] == 255).all()
    assert (rgba[..., 0] == rgba[..., 2]).all()


@pytest.mark.parametrize(("name", "angle"), [("androids_qr_code.png", 32), ("gdvarb_qr.png", 60)])
def test_edges_are_antialiased_like_the_real_ones(name: str, angle: float) -> None:
    """Same text, same angle: as many grey and black pixels as the real picture, ±10%."""
    real_grey, real_black = grey_and_black(pixels((FIXTURES / name).read_bytes()))
    look = Look(min_angle=angle, max_angle=angle)
    grey, black = grey_and_black(pixels(draw_png(ANSWERS[name], random.Random(1), look)))
    assert abs(grey - real_grey) < 0.1 * real_grey
    assert abs(black - real_black) < 0.02 * real_black


def test_codes_are_placed_and_rotated_at_random() -> None:
    rng = random.Random(4)
    orientations, corners = set(), set()
    for _ in range(30):
        text = random_text(rng)
        gray = pixels(draw_png(text, rng)).astype(np.uint8)
        (code,) = zxingcpp.read_barcodes(gray)
        assert code.text == text
        assert -90 <= code.orientation <= 0
        orientations.add(code.orientation // 10)
        dark = np.argwhere(gray < 128)
        corners.add(tuple(dark.min(axis=0) // 100))
    assert len(orientations) >= 6
    assert len(corners) >= 8


@pytest.mark.parametrize("look", [Look(noise_sigma=60), Look(blur_radius=3)], ids=["noise", "blur"])
def test_faults_damage_the_picture_and_keep_it_readable(look: Look) -> None:
    rng = random.Random(6)
    text = random_text(rng)
    damaged = pixels(draw_png(text, random.Random(6), look))
    clean = pixels(draw_png(text, random.Random(6)))
    assert grey_and_black(damaged)[0] > 3 * grey_and_black(clean)[0]
    (code,) = zxingcpp.read_barcodes(damaged.astype(np.uint8))
    assert code.text == text

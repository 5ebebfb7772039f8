"""The detector on the real grids and on the pool's tiles, and the image's bounds."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hackattic_basic_face_detection.detector import (
    DetectorParameters,
    judge_grid,
    judge_tile,
    tile_bounds,
)
from hackattic_basic_face_detection.image import ImageRefused, ImageTooLarge, read_gray
from hackattic_basic_face_detection.tile_pool import load_pool
from PIL import Image

# The real grids hackattic served, with their face tiles read by eye (copies of
# shared/fixtures/basic_face_detection).
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ANSWERS: dict[str, list[list[int]]] = json.loads((FIXTURES / "answers.json").read_text())
REAL_GRIDS = sorted(ANSWERS)


def real_grid(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def expected_faces(name: str) -> set[tuple[int, int]]:
    return {(row, col) for row, col in ANSWERS[name]}


@pytest.mark.parametrize("name", REAL_GRIDS)
def test_every_real_grid_gives_its_faces_exactly_with_a_margin(name: str) -> None:
    gray = read_gray(real_grid(name), max_pixels=10**7)
    assert gray.shape == (800, 800)
    verdicts = judge_grid(gray, 8)
    found = {(v.row, v.col) for v in verdicts if v.face}
    expected = expected_faces(name)
    assert found == expected, f"missing {expected - found}, extra {found - expected}"
    # Not just right: far from the thresholds (6 upright, 4 tilted), so that JPEG noise
    # or another decoder does not flip a tile.
    assert min(v.upright for v in verdicts if (v.row, v.col) in expected) >= 12
    assert max(v.upright for v in verdicts if (v.row, v.col) not in expected) <= 2
    assert max(v.tilted or 0 for v in verdicts if (v.row, v.col) not in expected) <= 2


def gray_tile(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.uint8)


def test_magrittes_son_of_man_is_not_a_face() -> None:
    (magritte,) = [t for t in load_pool().tiles if "Magritte" in t.description]
    verdict = judge_tile(gray_tile(magritte.image), 0, 0, DetectorParameters())
    assert not verdict.face
    assert verdict.upright == 0
    assert verdict.tilted is not None
    assert verdict.tilted < 4


def test_every_pool_tile_is_judged_as_labelled() -> None:
    wrong = [
        t.description
        for t in load_pool().tiles
        if judge_tile(gray_tile(t.image), 0, 0, DetectorParameters()).face != t.face
    ]
    assert wrong == []


def test_a_tilted_face_is_found_only_with_the_tilted_scan() -> None:
    (franklin,) = [t for t in load_pool().tiles if "Franklin" in t.description]
    turned = gray_tile(franklin.image.rotate(25, resample=Image.Resampling.BICUBIC))
    assert not judge_tile(turned, 0, 0, DetectorParameters(tilt_degrees=0)).face
    verdict = judge_tile(turned, 0, 0, DetectorParameters())
    assert verdict.face
    assert verdict.tilted is not None
    assert verdict.tilted >= 4


def test_tiles_cover_the_image_even_when_it_does_not_divide() -> None:
    assert tile_bounds(800, 8)[:2] == [(0, 100), (100, 200)]
    spans = tile_bounds(803, 8)
    assert spans[0][0] == 0
    assert spans[-1][1] == 803
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))


def jpeg(size: tuple[int, int], colour: str = "white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


class TestImageBounds:
    def test_a_truncated_jpeg_is_refused_as_corrupt(self) -> None:
        data = real_grid(REAL_GRIDS[0])
        with pytest.raises(ImageRefused, match="JPEG data is corrupt"):
            read_gray(data[: len(data) // 2], max_pixels=10**7)

    def test_something_else_is_refused(self) -> None:
        with pytest.raises(ImageRefused, match="not a JPEG or PNG image"):
            read_gray(b"GIF89a" + bytes(100), max_pixels=10**7)
        with pytest.raises(ImageRefused, match="not a JPEG or PNG image"):
            read_gray(b"", max_pixels=10**7)

    def test_too_many_pixels_are_refused_from_the_header(self) -> None:
        with pytest.raises(ImageTooLarge, match="900×900 pixels is over the limit of 640000"):
            read_gray(jpeg((900, 900)), max_pixels=640_000)

    def test_a_header_claiming_billions_of_pixels_is_refused(self) -> None:
        from hackattic_basic_face_detection.emulation import claim_size

        huge = claim_size(jpeg((160, 160)), 60_000, 60_000)
        with pytest.raises(ImageTooLarge, match="header claims more than"):
            read_gray(huge, max_pixels=10**12)

    def test_too_small_is_refused(self) -> None:
        with pytest.raises(ImageRefused, match="too small"):
            read_gray(jpeg((100, 100)), max_pixels=10**7, min_side=160)

    def test_a_png_is_read_too(self) -> None:
        out = io.BytesIO()
        Image.new("RGB", (160, 120), (10, 200, 30)).save(out, "PNG")
        gray = read_gray(out.getvalue(), max_pixels=10**7)
        assert gray.shape == (120, 160)
        assert gray.dtype == np.uint8

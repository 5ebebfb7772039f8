"""The emulation: grids like hackattic's, drawn from the real tiles, and its checker."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
from hackattic_basic_face_detection.emulation import (
    CLAIMED_SIDE,
    BasicFaceDetectionEmulation,
    GridState,
    check_face_tiles,
)
from hackattic_basic_face_detection.tile_pool import load_pool
from PIL import Image

from hackattic_core import Issued

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXTRACT = FIXTURES.parent.parent / "scripts" / "extract_tile_pool.py"
PACKAGED = FIXTURES.parent.parent / "hackattic_basic_face_detection" / "tile_pool"


def issue(emulation: BasicFaceDetectionEmulation) -> tuple[Issued[GridState], bytes]:
    """A problem and the bytes its link serves (taken from the sandbox's download store,
    as one fetch would)."""
    downloads = emulation.env.downloads
    downloads.base_url = "http://127.0.0.1:9"  # no server: the bytes are taken directly
    issued = asyncio.run(emulation.new_problem())
    key = urlsplit(issued.problem["image_url"]).path.split("/")[-2]
    published = downloads.take(key)
    assert published is not None
    assert published.media_type == "image/jpeg"
    assert downloads.take(key) is None, "a link serves once"
    return issued, published.data


def test_the_pool_is_the_real_tiles() -> None:
    pool = load_pool()
    assert (len(pool.tiles), len(pool.faces)) == (32, 14)
    assert all(tile.image.size == (100, 100) for tile in pool.tiles)
    (magritte,) = [t for t in pool.tiles if "Magritte" in t.description]
    assert not magritte.face
    # Every tile of a real grid is one of the pool's, with the same label.
    answers = json.loads((FIXTURES / "answers.json").read_text())
    for name, faces in answers.items():
        grid = np.asarray(Image.open(FIXTURES / name).convert("RGB"), dtype=np.float64)
        for row in range(8):
            for col in range(8):
                tile = grid[row * 100 : (row + 1) * 100, col * 100 : (col + 1) * 100]
                errors = [np.abs(tile - np.asarray(t.image, np.float64)).mean() for t in pool.tiles]
                best = int(np.argmin(errors))
                assert errors[best] < 10, (name, row, col)
                assert pool.tiles[best].face == ([row, col] in faces), (name, row, col)


def test_the_packaged_pool_is_what_the_script_cuts_from_the_fixtures(tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(EXTRACT), "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "128 tiles -> 32 distinct (14 faces)" in done.stdout
    assert (tmp_path / "tiles.json").read_text() == (PACKAGED / "tiles.json").read_text()
    made = np.asarray(Image.open(tmp_path / "tiles.jpg"), np.float64)
    shipped = np.asarray(Image.open(PACKAGED / "tiles.jpg"), np.float64)
    assert np.abs(made - shipped).mean() < 0.5  # equal, give or take a JPEG encoder


def test_a_grid_looks_like_hackattics(hackattic_emulation: Any) -> None:
    issued, data = issue(hackattic_emulation(BasicFaceDetectionEmulation))
    assert set(issued.problem) == {"image_url"}
    image = Image.open(io.BytesIO(data))
    real = Image.open(FIXTURES / "adithya_tiles.jpg")
    assert (image.format, image.size, image.mode) == ("JPEG", (800, 800), "RGB")
    # Same quantisation tables (quality 80) and chroma subsampling as the real grids.
    assert image.quantization == real.quantization  # type: ignore[attr-defined]
    assert image.layer == real.layer  # type: ignore[attr-defined]
    assert len(issued.state.faces) == 19
    # The faces are where the state says: each tile is the pool tile of its label.
    pool = load_pool()
    pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
    for row in range(8):
        for col in range(8):
            tile = pixels[row * 100 : (row + 1) * 100, col * 100 : (col + 1) * 100]
            errors = [np.abs(tile - np.asarray(t.image, np.float64)).mean() for t in pool.tiles]
            closest = pool.tiles[int(np.argmin(errors))]
            assert closest.face == ((row, col) in issued.state.faces)
            assert closest.description == issued.state.descriptions[row * 8 + col]


def test_the_number_of_faces_is_a_condition(hackattic_emulation: Any) -> None:
    issued, _ = issue(hackattic_emulation(BasicFaceDetectionEmulation, faces=0))
    assert issued.state.faces == frozenset()
    issued, _ = issue(hackattic_emulation(BasicFaceDetectionEmulation, faces=64))
    assert len(issued.state.faces) == 64


def test_faults_break_the_image(hackattic_emulation: Any) -> None:
    _, whole = issue(hackattic_emulation(BasicFaceDetectionEmulation))
    _, cut = issue(hackattic_emulation(BasicFaceDetectionEmulation, faults=["corrupt_image"]))
    assert abs(len(cut) - len(whole) / 2) < len(whole) / 10
    with pytest.raises(OSError, match="truncated"):
        Image.open(io.BytesIO(cut)).load()
    _, huge = issue(hackattic_emulation(BasicFaceDetectionEmulation, faults=["huge_image"]))
    with pytest.warns(Image.DecompressionBombWarning):  # Pillow's warning, not a refusal
        assert Image.open(io.BytesIO(huge)).size == (CLAIMED_SIDE, CLAIMED_SIDE)


EXPECTED = frozenset({(0, 0), (3, 5), (7, 7)})


@pytest.mark.parametrize(
    ("solution", "reason"),
    [
        ({"face_tiles": [[0, 0], [3, 5], [7, 7]]}, None),
        ({"face_tiles": [[7, 7], [0, 0], [3, 5], [0, 0]]}, None),  # order, repeats
        ({}, "missing field 'face_tiles'"),
        ({"face_tiles": "0,0"}, "face_tiles: expected a list of [row, col] pairs, got str"),
        ({"face_tiles": [[0, 0], [3]]}, "face_tiles: [3] is not a [row, col] pair of integers"),
        ({"face_tiles": [[0, 0.0]]}, "face_tiles: [0, 0.0] is not a [row, col] pair"),
        ({"face_tiles": [[True, 0]]}, "face_tiles: [True, 0] is not a [row, col] pair"),
        ({"face_tiles": [[8, 0]]}, "face_tiles: [8, 0] is outside the 8×8 grid"),
        (
            {"face_tiles": [[0, 0], [5, 3], [7, 7]]},
            "face_tiles misses 1 face tile(s): [3, 5]; "
            "face_tiles names 1 tile(s) without a face: [5, 3]",
        ),
        ({"face_tiles": []}, "face_tiles misses 3 face tile(s): [0, 0], [3, 5], [7, 7]"),
    ],
)
def test_the_checker_names_what_is_wrong(solution: dict[str, Any], reason: str | None) -> None:
    got = check_face_tiles(EXPECTED, solution)
    if reason is None:
        assert got is None
    else:
        assert got is not None
        assert got.startswith(reason)


def test_a_rejection_describes_the_tiles(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(BasicFaceDetectionEmulation)
    issued, _ = issue(emulation)
    faces = sorted(issued.state.faces)
    right = {"face_tiles": [list(cell) for cell in faces]}
    assert asyncio.run(emulation.check(issued, right)) is None
    wrong = {"face_tiles": [list(cell) for cell in faces[1:]]}
    reason = asyncio.run(emulation.check(issued, wrong))
    row, col = faces[0]
    assert reason == (
        f"face_tiles misses 1 face tile(s): [{row}, {col}] "
        f"({issued.state.descriptions[row * 8 + col]})"
    )

"""The offline sandbox's stand-in for basic_face_detection: grids of real tiles, checked
against their labels.

A problem is ``{"image_url": ...}``, a one-time link that expires ``expires_after``
seconds (hackattic: 5) after the problem, scaled by the sandbox's time scale. The image is
an 8×8 grid of 100×100 tiles drawn with replacement from :mod:`.tile_pool` (tiles cut out
of real grids), ``faces`` of them showing a face (19 in every real grid seen), saved as
hackattic saves it: baseline JPEG, quality 80, 4:2:0 chroma subsampling, 800×800.

The checker compares sets of [row, col] (order and repeats do not matter: hackattic's
tolerance is unknown) against the pool's labels, not against any detector, and names
every tile missing or extra.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, ClassVar

from PIL import Image
from pydantic import Field

from hackattic_core import Emulation, EmulationConditions, Issued, run_blocking

from .tile_pool import load_pool

GRID = 8
"""Tiles per row and per column of hackattic's grids."""
SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
"""JPEG start-of-frame markers (0xC4, 0xC8 and 0xCC are other segments)."""
CLAIMED_SIDE = 10_000
"""What the ``huge_image`` fault's header claims, per side: 100 million pixels, over the
solver's limit and under Pillow's own refusal, so that the solver's check is the one seen."""


class BasicFaceDetectionConditions(EmulationConditions):
    """This emulation's options: ``-o faces=19`` or HACKATTIC_SANDBOX_BASIC_FACE_DETECTION_FACES."""

    faces: int = Field(
        default=19,
        ge=0,
        le=GRID * GRID,
        description="Face tiles in each grid (all real grids seen have 19).",
    )
    quality: int = Field(
        default=80, ge=10, le=100, description="JPEG quality (hackattic's grids: 80)."
    )
    expires_after: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="Seconds the image link lives after the problem (hackattic: 5), "
        "times the sandbox's time scale.",
    )


@dataclass(frozen=True)
class GridState:
    """What the checker needs: where the faces are."""

    faces: frozenset[tuple[int, int]]
    descriptions: tuple[str, ...]
    """Each tile's description, row by row (to read a rejection by)."""


def compose(tiles: list[Image.Image], tile_size: int, quality: int) -> bytes:
    """The tiles, row by row, as one JPEG like hackattic's."""
    grid = Image.new("RGB", (GRID * tile_size, GRID * tile_size))
    for index, tile in enumerate(tiles):
        row, col = divmod(index, GRID)
        grid.paste(tile, (col * tile_size, row * tile_size))
    out = io.BytesIO()
    grid.save(out, "JPEG", quality=quality, subsampling="4:2:0")
    return out.getvalue()


def claim_size(jpeg: bytes, width: int, height: int) -> bytes:
    """``jpeg`` with its frame header claiming ``width`` × ``height`` (the data unchanged)."""
    position = 2  # after SOI
    while position + 4 <= len(jpeg):
        marker, length = jpeg[position + 1], struct.unpack_from(">H", jpeg, position + 2)[0]
        if marker in SOF_MARKERS:
            patched = bytearray(jpeg)
            struct.pack_into(">HH", patched, position + 5, height, width)
            return bytes(patched)
        position += 2 + length
    raise ValueError("no frame header found")


def check_face_tiles(
    expected: frozenset[tuple[int, int]],
    solution: dict[str, Any],
    descriptions: tuple[str, ...] = (),
) -> str | None:
    """None when ``solution["face_tiles"]`` names exactly the ``expected`` tiles; otherwise
    what is malformed, or every tile missing and extra (with its description, if given:
    one per tile, row by row)."""
    if "face_tiles" not in solution:
        return "missing field 'face_tiles'"
    value = solution["face_tiles"]
    if not isinstance(value, list):
        return f"face_tiles: expected a list of [row, col] pairs, got {type(value).__name__}"
    given = set()
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and all(type(x) is int for x in item)):
            return f"face_tiles: {item!r} is not a [row, col] pair of integers"
        row, col = item
        if not (0 <= row < GRID and 0 <= col < GRID):
            return f"face_tiles: [{row}, {col}] is outside the {GRID}×{GRID} grid"
        given.add((row, col))

    def shown(cells: AbstractSet[tuple[int, int]]) -> str:
        def one(row: int, col: int) -> str:
            index = row * GRID + col
            about = f" ({descriptions[index]})" if index < len(descriptions) else ""
            return f"[{row}, {col}]{about}"

        return ", ".join(one(r, c) for r, c in sorted(cells))

    missing, extra = expected - given, given - expected
    problems = []
    if missing:
        problems.append(f"face_tiles misses {len(missing)} face tile(s): {shown(missing)}")
    if extra:
        problems.append(f"face_tiles names {len(extra)} tile(s) without a face: {shown(extra)}")
    return "; ".join(problems) or None


class BasicFaceDetectionEmulation(Emulation[BasicFaceDetectionConditions, GridState]):
    conditions_model = BasicFaceDetectionConditions
    faults: ClassVar[dict[str, str]] = {
        "corrupt_image": "the JPEG is cut off halfway through its data",
        "huge_image": f"the JPEG's header claims {CLAIMED_SIDE}×{CLAIMED_SIDE} pixels",
    }

    async def new_problem(self) -> Issued[GridState]:
        rng = self.env.rng
        conditions = self.env.conditions
        pool = load_pool()
        face_cells = set(rng.sample(range(GRID * GRID), conditions.faces))
        chosen = [
            rng.choice(pool.faces if cell in face_cells else pool.non_faces)
            for cell in range(GRID * GRID)
        ]
        data = await run_blocking(
            compose, [tile.image for tile in chosen], pool.tile_size, conditions.quality
        )
        if self.env.has_fault("corrupt_image"):
            data = data[: len(data) // 2]
        if self.env.has_fault("huge_image"):
            data = claim_size(data, CLAIMED_SIDE, CLAIMED_SIDE)
        url = self.env.downloads.publish(
            data, "image/jpeg", name="tiles.jpg", expires_after=conditions.expires_after
        )
        state = GridState(
            faces=frozenset(divmod(cell, GRID) for cell in face_cells),
            descriptions=tuple(tile.description for tile in chosen),
        )
        return Issued(problem={"image_url": url}, state=state)

    async def check(self, issued: Issued[GridState], solution: dict[str, Any]) -> str | None:
        return check_face_tiles(issued.state.faces, solution, issued.state.descriptions)

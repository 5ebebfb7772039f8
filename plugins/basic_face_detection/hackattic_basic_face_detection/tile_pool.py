"""The pool of artwork tiles that the emulation draws its grids from.

The tiles were cut out of real hackattic grids, copies merged and labels read by eye, by
``scripts/extract_tile_pool.py``; they ship inside the package (``tile_pool/``): 32
distinct tiles, 14 of them faces, of the "about 40" artworks hackattic draws from.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

from PIL import Image

POOL = resources.files(__package__) / "tile_pool"


@dataclass(frozen=True)
class PoolTile:
    """One artwork tile and its label."""

    image: Image.Image
    """RGB, ``tile_size`` × ``tile_size``."""
    face: bool
    description: str


@dataclass(frozen=True)
class TilePool:
    tile_size: int
    tiles: tuple[PoolTile, ...]

    @property
    def faces(self) -> tuple[PoolTile, ...]:
        return tuple(tile for tile in self.tiles if tile.face)

    @property
    def non_faces(self) -> tuple[PoolTile, ...]:
        return tuple(tile for tile in self.tiles if not tile.face)


@functools.cache
def load_pool() -> TilePool:
    """The packaged pool (read once)."""
    meta = json.loads((POOL / "tiles.json").read_text(encoding="utf-8"))
    size, columns = int(meta["tile_size"]), int(meta["columns"])
    with (POOL / "tiles.jpg").open("rb") as file, Image.open(file) as atlas:
        atlas.load()
        atlas_rgb = atlas.convert("RGB")
    tiles = []
    for index, entry in enumerate(meta["tiles"]):
        row, col = divmod(index, columns)
        box = (col * size, row * size, (col + 1) * size, (row + 1) * size)
        tiles.append(PoolTile(atlas_rgb.crop(box), bool(entry["face"]), str(entry["description"])))
    return TilePool(size, tuple(tiles))

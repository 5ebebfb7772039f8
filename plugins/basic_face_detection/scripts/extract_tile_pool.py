"""Cut the emulation's tile pool out of the real grids (run once; its output is committed).

    .venv/bin/python plugins/basic_face_detection/scripts/extract_tile_pool.py

Reads the real 800×800 grids and their face labels from ``tests/fixtures`` (copies of
``shared/fixtures/basic_face_detection``), cuts each into 64 tiles of 100×100, and groups
the copies of one artwork: hackattic draws its grids from a fixed pool, so the same tile
comes back at other places, recompressed differently. Two tiles are copies when their
blurred 25×25 thumbnails differ by less than ``SAME_TILE`` on average (0–255 scale):
measured on the real grids, copies differ by at most 1.3 and distinct artworks by at least
25, so the threshold is far from both. The script refuses to write a pool whose copies
disagree on the face label or whose groups are not that well apart.

Each pooled tile is the pixel mean of its copies (their JPEG errors differ with their
place in the grid, so the mean is closer to the artwork). Output, inside the package:
``tile_pool/tiles.jpg`` (the tiles side by side, ``COLUMNS`` to a row) and
``tile_pool/tiles.json`` (per tile: whether it shows a face, a description read by eye,
and where it was seen).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "fixtures"
OUTPUT = HERE.parent / "hackattic_basic_face_detection" / "tile_pool"
GRID = 8
TILE = 100
COLUMNS = 8
SAME_TILE = 4.0
"""Mean absolute difference of blurred thumbnails below which two tiles are one artwork."""
MIN_SEPARATION = 3 * SAME_TILE
"""Distinct artworks must differ by at least this much, or the grouping is not trusted."""

# In order of first appearance (adithya_tiles.jpg, then shibin_image.jpg, row by row).
DESCRIPTIONS = [
    "Benjamin Franklin (Duplessis)",
    "Seurat, A Sunday on La Grande Jatte: woman in pink with a parasol",
    "sailing ships in smoke",
    "David, Oath of the Horatii: raised hands and swords",
    "Van Gogh, The Starry Night: the village",
    "John Quincy Adams",
    "foliage over a pale sky",
    "Johann Sebastian Bach (Haussmann)",
    "pink and grey shapes",
    "girl in a white bonnet",
    "Klimt: gold spiral pattern",
    "Gericault, The Raft of the Medusa: bodies",
    "Botticelli, The Birth of Venus: the shell",
    "Vigee Le Brun, self-portrait",
    "Grant Wood, American Gothic: the farmer",
    "Seurat, A Sunday on La Grande Jatte: figures",
    "David, Oath of the Horatii: legs and cloaks",
    "white and green pattern with palm trees",
    "young woman with a blue ribbon",
    "woman with powdered hair",
    "cubist still life in grey",
    "gold embroidery in a dark painting",
    "Klimt, Adele Bloch-Bauer I: hands",
    "old man with white hair and a red cloak",
    "young woman with brown hair",
    "Van Gogh, The Starry Night: the sky",
    "young man in uniform",
    "Magritte, The Son of Man: the face hidden by an apple (not a face)",
    "Klimt, Adele Bloch-Bauer I: the face",
    "woman with curled hair",
    "Botticelli, The Birth of Venus: the face",
    "blue and pink pattern on red",
]


def thumbnail(tile: Image.Image) -> np.ndarray:
    """A blurred 25×25 thumbnail: what JPEG noise does not change."""
    blurred = tile.filter(ImageFilter.GaussianBlur(2))
    return np.asarray(blurred.resize((25, 25), Image.Resampling.BOX), dtype=np.float64)


def cut(fixtures: Path) -> list[tuple[Image.Image, bool, str]]:
    """Every tile of every grid: (tile, shows a face, ``file[row,col]``)."""
    answers = json.loads((fixtures / "answers.json").read_text())
    tiles = []
    for name in sorted(answers):
        faces = {tuple(cell) for cell in answers[name]}
        with Image.open(fixtures / name) as opened:
            grid = opened.convert("RGB")
        if grid.size != (GRID * TILE, GRID * TILE):
            raise SystemExit(f"{name}: {grid.size}, expected {GRID * TILE}×{GRID * TILE}")
        for row in range(GRID):
            for col in range(GRID):
                box = (col * TILE, row * TILE, (col + 1) * TILE, (row + 1) * TILE)
                tiles.append((grid.crop(box), (row, col) in faces, f"{name}[{row},{col}]"))
    return tiles


def group(tiles: list[tuple[Image.Image, bool, str]]) -> list[list[int]]:
    """Indices of the copies of each artwork, in order of first appearance; refuses a
    grouping that is not clear-cut or whose copies disagree on the label."""
    thumbs = [thumbnail(tile) for tile, _, _ in tiles]
    groups: list[list[int]] = []
    for i, thumb in enumerate(thumbs):
        for members in groups:
            if np.abs(thumbs[members[0]] - thumb).mean() < SAME_TILE:
                members.append(i)
                break
        else:
            groups.append([i])
    firsts = [thumbs[members[0]] for members in groups]
    closest = min(np.abs(a - b).mean() for i, a in enumerate(firsts) for b in firsts[i + 1 :])
    if closest < MIN_SEPARATION:
        raise SystemExit(f"two artworks differ by only {closest:.1f}: grouping not trusted")
    for members in groups:
        labels = {tiles[i][1] for i in members}
        if len(labels) != 1:
            seen = ", ".join(tiles[i][2] for i in members)
            raise SystemExit(f"copies of one tile labelled differently: {seen}")
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    tiles = cut(args.fixtures)
    groups = group(tiles)
    if len(groups) != len(DESCRIPTIONS):
        raise SystemExit(f"{len(groups)} distinct tiles, {len(DESCRIPTIONS)} descriptions")
    rows = -(-len(groups) // COLUMNS)
    atlas = Image.new("RGB", (COLUMNS * TILE, rows * TILE), "white")
    entries: list[dict[str, object]] = []
    for index, members in enumerate(groups):
        stack = np.stack([np.asarray(tiles[i][0], dtype=np.float64) for i in members])
        mean = Image.fromarray(np.rint(stack.mean(axis=0)).astype(np.uint8))
        row, col = divmod(index, COLUMNS)
        atlas.paste(mean, (col * TILE, row * TILE))
        entries.append(
            {
                "face": tiles[members[0]][1],
                "description": DESCRIPTIONS[index],
                "seen_at": [tiles[i][2] for i in members],
            }
        )
    args.output.mkdir(parents=True, exist_ok=True)
    # JPEG at quality 95 without chroma subsampling: a third of the PNG's size; its error
    # (printed below: 1.3 levels) is below the 2-8 levels by which two copies of one tile
    # differ in the real grids.
    atlas.save(args.output / "tiles.jpg", quality=95, subsampling=0, optimize=True)
    with Image.open(args.output / "tiles.jpg") as saved:
        error = np.abs(np.asarray(saved, np.float64) - np.asarray(atlas, np.float64)).mean()
    meta = {"tile_size": TILE, "columns": COLUMNS, "tiles": entries}
    (args.output / "tiles.json").write_text(json.dumps(meta, indent=1) + "\n")
    faces = sum(tiles[members[0]][1] for members in groups)
    print(f"{len(tiles)} tiles -> {len(entries)} distinct ({faces} faces) in {args.output}")
    print(f"mean absolute error of the stored JPEG: {error:.2f} levels of 255")


if __name__ == "__main__":
    main()

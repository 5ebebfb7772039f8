"""Build the digit classifier shipped as ``hackattic_visual_basic_math/digits.npz``.

Run from the repository root (a few tens of seconds on one core)::

    apt-get install -y $(cat plugins/visual_basic_math/scripts/font-packages.txt)
    .venv/bin/python plugins/visual_basic_math/scripts/train_model.py

Training digits (about 10,400): each of ~100 typefaces (the upright faces of the Debian
font packages listed in ``font-packages.txt``, and matplotlib's DejaVu) draws every digit
5 times, and the even-numbered half of scikit-learn's ``load_digits`` is drawn 6 times as
pen strokes; every sample is rotated, sheared, thickened or thinned and stretched at
random (seeded). The sandbox draws handwriting from the odd-numbered half only, so the
emulated benchmark measures pen strokes the classifier has never seen; the real pictures,
whose typefaces are none of these, are the held-out test of typefaces.

The file holds a PCA projection (mean, 96 components) of the glyph features and every
training sample's projection (int8, a scale per component) with its label: the solver
classifies by nearest neighbours. The same fonts, package versions and seed give the same
file, byte for byte (the zip members carry a fixed date).
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
from hackattic_visual_basic_math import features, render
from numpy.typing import NDArray
from PIL import Image, ImageFilter
from sklearn.decomposition import PCA

HERE = Path(__file__).resolve().parent
OUTPUT = HERE.parent / "hackattic_visual_basic_math" / "digits.npz"
PACKAGES = HERE / "font-packages.txt"
DPKG = shutil.which("dpkg") or "/usr/bin/dpkg"
SEED = 20261204
PER_FONT = 5
PEN_STROKES = 6  # drawings of each even-numbered load_digits sample
COMPONENTS = 96
MATPLOTLIB_TRAINING_FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
)
SKIP = ("oblique", "italic", "dejavu", "/otf/", "largelineheight", "noloopk")


def training_fonts() -> list[Path]:
    """The upright font files of the Debian packages listed, then matplotlib's DejaVu.

    Files come from ``dpkg -L`` of each listed package, not from whatever else is under
    /usr/share/fonts, so the training set does not change with the machine's other fonts.
    """
    found: list[Path] = []
    for package in PACKAGES.read_text().split():
        # A fixed program and a package name from our own list.
        listing = subprocess.run(  # noqa: S603
            [DPKG, "-L", package], capture_output=True, text=True, check=False
        )
        if listing.returncode != 0:
            sys.exit(f"{package} is not installed: apt-get install -y $(cat {PACKAGES})")
        found.extend(
            Path(line)
            for line in listing.stdout.splitlines()
            if line.lower().endswith((".ttf", ".otf"))
            and Path(line).is_file()
            and not any(word in line.lower() for word in SKIP)
        )
    shipped = render.matplotlib_fonts()
    return sorted(set(found)) + [shipped / name for name in MATPLOTLIB_TRAINING_FONTS]


def distort(glyph: NDArray[np.float32], rng: np.random.Generator) -> NDArray[np.float32]:
    """A random rotation, shear, stroke weight and stretch of a glyph (coverage 0..1)."""
    image = Image.fromarray((np.clip(glyph, 0, 1) * 255).astype(np.uint8))
    image = image.rotate(float(rng.uniform(-7, 7)), resample=Image.Resampling.BILINEAR, expand=True)
    width, height = image.size
    shear = float(rng.uniform(-0.2, 0.2))
    shift = -shear * height if shear > 0 else 0.0
    image = image.transform(
        (width + int(abs(shear) * height) + 2, height),
        Image.Transform.AFFINE,
        (1, shear, shift, 0, 1, 0),
        resample=Image.Resampling.BILINEAR,
    )
    weight = int(rng.integers(0, 5))
    if weight == 3:
        image = image.filter(ImageFilter.MaxFilter(3))
    elif weight == 4 and min(image.size) > 12:
        image = image.filter(ImageFilter.MinFilter(3))
    stretch = float(rng.uniform(0.8, 1.2))
    image = image.resize(
        (max(1, int(image.width * stretch)), image.height), Image.Resampling.BILINEAR
    )
    return np.asarray(image, dtype=np.float32) / 255.0


def samples() -> tuple[list[NDArray[np.float32]], list[int]]:
    rng = np.random.default_rng(SEED)
    inks: list[NDArray[np.float32]] = []
    labels: list[int] = []

    def add(glyph: NDArray[np.float32], label: int) -> None:
        ink = distort(glyph, rng)
        if ink.max() > 0.2:
            inks.append(ink)
            labels.append(label)

    for font in training_fonts():
        for digit in range(10):
            try:
                printed = [
                    render.printed_glyph(str(font), str(digit), int(rng.integers(24, 44)))
                    for _ in range(PER_FONT)
                ]
            except (render.RenderError, OSError):
                break  # a font without digits
            for glyph in printed:
                add(glyph, digit)
    images, targets = render.handwritten_pool()
    for index in range(0, len(images), 2):  # the odd ones are the sandbox's
        for _ in range(PEN_STROKES):
            glyph = render.handwritten_glyph(
                images[index],
                height=int(rng.integers(30, 40)),
                blur=float(rng.uniform(3.5, 5.5)),
                level=float(rng.uniform(90.0, 140.0)),
                stretch=float(rng.uniform(0.9, 1.2)),
            )
            add(glyph, int(targets[index]))
    return inks, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    inks, labels = samples()
    matrix = features.features(inks)
    pca = PCA(n_components=COMPONENTS, svd_solver="full").fit(matrix)
    projected = pca.transform(matrix)
    # int8 per component (scaled to its largest magnitude): half float16's size, and the
    # rounding (under 1% of each component's range) moved no benchmark answer.
    scale = np.abs(projected).max(axis=0) / 127.0
    out = io.BytesIO()
    arrays = {
        "mean": pca.mean_.astype(np.float32),
        "components": pca.components_.astype(np.float32),
        "prototypes": np.rint(projected / scale).astype(np.int8),
        "scale": scale.astype(np.float32),
        "labels": np.asarray(labels, dtype=np.uint8),
    }
    # An .npz by hand: numpy stamps each member with the current time, this does not.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.save(member, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, member.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    args.output.write_bytes(out.getvalue())
    print(f"{len(labels)} samples, {args.output} ({len(out.getvalue()):,} bytes)")


if __name__ == "__main__":
    main()

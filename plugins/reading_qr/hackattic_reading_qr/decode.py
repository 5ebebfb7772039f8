"""The text of the QR code in a picture, read by zxing-cpp, the picture loaded with bounds.

zxing-cpp finds finder patterns at any angle, samples the grid through a perspective
transform and corrects errors with Reed–Solomon, all in C++ (a 600×600 picture takes a few
milliseconds). A first pass reads the picture as it is; if nothing is found, further passes
try what helps a damaged picture: another binarizer, a median filter against noise, and a
2× enlargement against blur.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import zxingcpp
from PIL import Image, ImageFilter

FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
"""What Pillow may open: hackattic sends PNG; the others are accepted in case it changes."""
WHITE = 255
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

Gray = npt.NDArray[np.uint8]


class ImageError(ValueError):
    """The bytes are not a picture this reader opens; the message says why."""


class ImageTooLarge(ImageError):
    """The picture declares more pixels than the limit allows."""

    def __init__(self, width: int, height: int, limit: int) -> None:
        super().__init__(f"{width}×{height} pixels, over the limit of {limit:,}")
        self.pixels = width * height
        self.limit = limit


@dataclass(frozen=True)
class Reading:
    """The codes found (their texts, in the order zxing-cpp gives them) and how."""

    texts: list[str]
    orientation: int = 0
    """The first code's rotation, in degrees (zxing-cpp's sign: clockwise negative)."""
    attempt: str = ""
    """Which pass found it."""


def load_gray(data: bytes, *, max_pixels: int) -> Gray:
    """The picture as 8-bit grey on white (transparency composed over white).

    The size in its header is checked before any pixel is decoded: a small PNG can
    declare a huge picture (a decompression bomb).
    """
    _check_png_size(data, max_pixels)
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise ImageTooLarge(width, height, max_pixels)
            image.load()
            return _on_white(image)
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own limit, should ours be higher
        raise ImageError(str(exc)) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow's words: "cannot identify image file", "image file is truncated", ...
        raise ImageError(f"not a readable picture: {exc or type(exc).__name__}") from None


def _check_png_size(data: bytes, max_pixels: int) -> None:
    """Refuse a PNG whose IHDR declares more than ``max_pixels``, before Pillow sees it
    (Pillow warns on stderr from 89 million pixels, and fails from 179 million)."""
    if data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        if width * height > max_pixels:
            raise ImageTooLarge(width, height, max_pixels)


def _on_white(image: Image.Image) -> Gray:
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        page = Image.new("RGBA", rgba.size, (WHITE, WHITE, WHITE, WHITE))
        image = Image.alpha_composite(page, rgba)
    return np.asarray(image.convert("L"), dtype=np.uint8)


def read_qr(gray: Gray) -> Reading:
    """Every QR code's text in ``gray``, from the first pass that finds one."""
    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    for name, prepare, binarizer in _passes():
        found = zxingcpp.read_barcodes(prepare(gray), formats=qr_only, binarizer=binarizer)
        texts = [code.text for code in found if code.valid]
        if texts:
            return Reading(texts=texts, orientation=int(found[0].orientation), attempt=name)
    return Reading(texts=[])


def _passes() -> Iterator[tuple[str, Callable[[Gray], Gray], zxingcpp.Binarizer]]:
    local, histogram = zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.GlobalHistogram
    yield "as is", _same, local
    yield "global histogram", _same, histogram
    yield "median 3×3", _median, local
    yield "median 5×5", _median5, local
    yield "enlarged 2×", _enlarged, local


def _same(gray: Gray) -> Gray:
    return gray


def _filtered(gray: Gray, size: int) -> Gray:
    return np.asarray(Image.fromarray(gray).filter(ImageFilter.MedianFilter(size)))


def _median(gray: Gray) -> Gray:
    return _filtered(gray, 3)


def _median5(gray: Gray) -> Gray:
    return _filtered(gray, 5)


def _enlarged(gray: Gray) -> Gray:
    image = Image.fromarray(gray)
    return np.asarray(image.resize((image.width * 2, image.height * 2), Image.Resampling.BICUBIC))

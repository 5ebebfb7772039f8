"""The grid image: bounded before it is decoded, decoded to grey (all a cascade reads).

Pillow reads the header alone first (format and size), so a file that claims a huge
picture is refused before a pixel is allocated; only then is it decoded.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

from .detector import GrayImage

FORMATS = ("JPEG", "PNG")
"""hackattic sends a JPEG; a PNG is accepted too (lossless, as safe to decode)."""


class ImageRefused(ValueError):
    """The image cannot be used: unreadable, of the wrong kind, or too small."""


class ImageTooLarge(ImageRefused):
    """The image has more pixels than allowed (known from its header)."""


def read_gray(data: bytes, *, max_pixels: int, min_side: int = 1) -> GrayImage:
    """``data`` (a JPEG or PNG) decoded to 8-bit grey; :class:`ImageRefused` naming why not.

    ``max_pixels`` is checked on the header, before decoding; ``min_side`` is the smallest
    width and height accepted.
    """
    try:
        with warnings.catch_warnings():
            # Pillow's own decompression-bomb warning: our bound is checked just below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        raise ImageRefused(f"not a {' or '.join(FORMATS)} image") from None
    except Image.DecompressionBombError:  # a header past twice Pillow's own limit
        limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
        raise ImageTooLarge(f"its header claims more than {limit} pixels") from None
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise ImageTooLarge(f"{width}×{height} pixels is over the limit of {max_pixels}")
        if min(width, height) < min_side:
            raise ImageRefused(f"{width}×{height} pixels is too small (at least {min_side})")
        try:
            if image.format == "JPEG":
                # Decode straight to luma: libjpeg then skips the colour conversion.
                image.draft("L", image.size)
            gray = image.convert("L")
        except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt data
            raise ImageRefused(f"{image.format} data is corrupt: {exc}") from None
    return np.asarray(gray, dtype=np.uint8)

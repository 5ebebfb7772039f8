"""Decode the downloaded picture, bounded before any pixel is decompressed.

Pillow reads only the header on ``open``: the size is checked against ``max_pixels``
there, and the byte count before that, so a decompression bomb (a tiny PNG that inflates
to gigabytes) is refused before it costs memory. Pillow's own bomb guard is global state
shared with every other plugin in the process, so it is not touched.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

# Formats a hackattic picture may come in (it sends PNG).
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")


class PictureError(ValueError):
    """The download is not a picture this solver can read (one line, for exit 3)."""


def decode(data: bytes, *, max_bytes: int, max_pixels: int) -> NDArray[np.uint8]:
    """The picture as RGB (H, W, 3), transparency composited on white."""
    if len(data) > max_bytes:
        raise PictureError(f"the picture is {len(data):,} bytes, more than {max_bytes:,}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = image.size
            if width * height > max_pixels:
                raise PictureError(
                    f"the picture is {width}×{height} pixels, more than {max_pixels:,}"
                )
            image.load()
    except PictureError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PictureError(f"the picture is too large to decode: {error}") from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise PictureError(f"the download is not a readable picture: {error}") from error
    picture: Image.Image = image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(white, rgba)
    return np.asarray(picture.convert("RGB"), dtype=np.uint8)

"""QR code pictures like hackattic's, for the sandbox and the benchmark.

Measured on the real ones: a 600×600 RGBA PNG, opaque, white; one QR code of version 1
(21×21 modules, no quiet zone drawn: the page is white anyway), level M, byte mode, 10 px a
module, rotated counter-clockwise by 0–90° (the four seen: 32°, 54°, 60°, 85°) and placed
anywhere it fits; edges antialiased over one to two pixels (4,600–4,900 grey pixels a
picture). Drawing the code 4× larger, rotating it without interpolation and averaging each
4×4 block back down (area coverage) matches those edges: 4,844 grey pixels and 20,888 black
against the real 4,910 and 20,991 for the same text at the same angle.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
import segno
from PIL import Image, ImageFilter

SIZE = 600
MODULE_PX = 10
SUPERSAMPLE = 4
WHITE = 255


@dataclass(frozen=True)
class Look:
    """How a code is drawn."""

    min_angle: float = 0.0
    max_angle: float = 90.0
    """Degrees counter-clockwise, drawn uniformly from this range."""
    module_px: int = MODULE_PX
    blur_radius: float | None = None
    """A Gaussian blur of this radius (px) over the picture (a fault)."""
    noise_sigma: float | None = None
    """Gaussian noise of this standard deviation (grey levels) on every pixel (a fault)."""


def random_text(rng: random.Random) -> str:
    """A text of hackattic's shape: ``ddd-dd-dddd-d``."""
    digits = "".join(rng.choice("0123456789") for _ in range(10))
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:9]}-{digits[9]}"


def qr_modules(text: str) -> np.ndarray:
    """The dark modules of ``text``'s QR code (version 1, level M, byte mode): 21×21 bools."""
    code = segno.make_qr(text, version=1, error="m", mode="byte", boost_error=False)
    return np.array(code.matrix, dtype=bool)


def draw_png(text: str, rng: random.Random, look: Look | None = None) -> bytes:
    """A 600×600 RGBA PNG of ``text``'s QR code, rotated and placed at random."""
    look = look or Look()
    modules = qr_modules(text)
    scale = look.module_px * SUPERSAMPLE
    code = Image.fromarray(np.where(modules, 0, WHITE).astype(np.uint8)).resize(
        (modules.shape[1] * scale, modules.shape[0] * scale), Image.Resampling.NEAREST
    )
    angle = rng.uniform(look.min_angle, look.max_angle)
    code = code.rotate(angle, resample=Image.Resampling.NEAREST, expand=True, fillcolor=WHITE)
    code = code.resize(
        (code.width // SUPERSAMPLE, code.height // SUPERSAMPLE), Image.Resampling.BOX
    )
    if code.width > SIZE or code.height > SIZE:
        raise ValueError(f"a code of {code.width}×{code.height} px does not fit")
    page = Image.new("L", (SIZE, SIZE), WHITE)
    page.paste(code, (rng.randint(0, SIZE - code.width), rng.randint(0, SIZE - code.height)))
    if look.blur_radius:
        page = page.filter(ImageFilter.GaussianBlur(look.blur_radius))
    if look.noise_sigma:
        noise = np.random.default_rng(rng.getrandbits(64)).normal(
            0.0, look.noise_sigma, (SIZE, SIZE)
        )
        pixels = np.clip(np.asarray(page, dtype=np.float64) + noise, 0, WHITE)
        page = Image.fromarray(np.round(pixels).astype(np.uint8))
    opaque = Image.new("L", page.size, WHITE)
    buffer = io.BytesIO()
    Image.merge("RGBA", (page, page, page, opaque)).save(buffer, format="PNG")
    return buffer.getvalue()

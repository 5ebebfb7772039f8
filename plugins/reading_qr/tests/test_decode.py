"""Loading a picture with bounds, reading its codes, choosing the text to send."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from hackattic_reading_qr.challenge import choose
from hackattic_reading_qr.decode import ImageError, ImageTooLarge, load_gray, read_qr
from hackattic_reading_qr.drawing import Look, draw_png
from hackattic_reading_qr.emulation import png_bomb
from PIL import Image

TEXT = "459-45-1087-9"


def png(image: Image.Image, format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue()


def test_transparency_is_white() -> None:
    # Transparent black: drawn on white, it must not read as a black page.
    rgba = np.zeros((20, 30, 4), dtype=np.uint8)
    rgba[5:10, 5:10] = (0, 0, 0, 255)
    gray = load_gray(png(Image.fromarray(rgba, "RGBA")), max_pixels=600)
    assert gray.shape == (20, 30)
    assert gray[0, 0] == 255
    assert gray[7, 7] == 0


def test_other_formats_are_read() -> None:
    picture = Image.open(io.BytesIO(draw_png(TEXT, random.Random(1)))).convert("RGB")
    for format in ("JPEG", "BMP", "GIF", "WEBP"):
        assert read_qr(load_gray(png(picture, format), max_pixels=360_000)).texts == [TEXT]


def test_the_size_is_checked_before_decoding() -> None:
    with pytest.raises(ImageTooLarge) as raised:
        load_gray(png_bomb(9000), max_pixels=16_000_000)
    assert (raised.value.pixels, raised.value.limit) == (81_000_000, 16_000_000)
    bmp = png(Image.new("L", (100, 100)), "BMP")
    with pytest.raises(ImageTooLarge, match="100×100 pixels, over the limit of 9,999"):
        load_gray(bmp, max_pixels=9_999)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a readable picture: cannot identify image file"),
        (b"RIFF" + bytes(100), "not a readable picture: cannot identify image file"),
        (draw_png(TEXT, random.Random(1))[:3000], "not a readable picture: image file is trunc"),
        (png(Image.new("L", (10, 10)), "TIFF"), "not a readable picture: cannot identify image"),
    ],
    ids=["empty", "not a picture", "truncated", "TIFF"],
)
def test_unreadable_pictures_are_refused_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(ImageError) as raised:
        load_gray(data, max_pixels=360_000)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_a_blank_page_holds_no_code() -> None:
    assert read_qr(np.full((600, 600), 255, dtype=np.uint8)).texts == []


def test_a_damaged_picture_is_read_by_a_later_pass() -> None:
    rng = random.Random(11)
    look = Look(noise_sigma=140)
    attempts = set()
    for _ in range(8):
        reading = read_qr(load_gray(draw_png(TEXT, rng, look), max_pixels=360_000))
        assert reading.texts == [TEXT]
        attempts.add(reading.attempt)
    assert attempts - {"as is"}


def test_choose_prefers_hackattics_shape() -> None:
    assert choose([TEXT]) == (TEXT, None)
    assert choose(["hello", TEXT]) == (
        TEXT,
        f"2 different QR codes found (['hello', '{TEXT}']); sending '{TEXT}'",
    )
    assert choose(["hello"]) == (
        "hello",
        "the code reads 'hello', not like 459-45-1087-9; sending it as it is",
    )
    assert choose([TEXT, TEXT]) == (TEXT, None)


def test_codes_are_read_at_any_angle() -> None:
    rng = random.Random(8)
    look = Look(min_angle=-180, max_angle=180)
    orientations = set()
    for _ in range(12):
        reading = read_qr(load_gray(draw_png(TEXT, rng, look), max_pixels=360_000))
        assert reading.texts == [TEXT]
        orientations.add(reading.orientation // 90)
    assert len(orientations) == 4  # every quadrant

"""The sandbox's default problem, as served, set beside the real pictures hackattic served
(``fixtures/``): the same problem fields, the same kind of picture, the same kind of code.
A drift of the emulation from hackattic shows up here."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import zxingcpp
from PIL import Image

SLUG = "reading_qr"
FIXTURES = Path(__file__).parent / "fixtures"
REAL = sorted(json.loads((FIXTURES / "answers.json").read_text()))
REAL_PROBLEM_FIELDS = {"image_url": str}
"""The real problem (the facts file): one one-time link, nothing else."""


def shape(data: bytes) -> dict[str, Any]:
    """What must match between a real picture and an emulated one."""
    picture = Image.open(io.BytesIO(data))
    rgba = np.asarray(picture.convert("RGBA"))
    (code,) = zxingcpp.read_barcodes(np.asarray(picture.convert("L")))
    return {
        "format": picture.format,
        "mode": picture.mode,
        "size": picture.size,
        "opaque": bool((rgba[..., 3] == 255).all()),
        "grey": bool((rgba[..., 0] == rgba[..., 1]).all() and (rgba[..., 1] == rgba[..., 2]).all()),
        "mostly white": bool((rgba[..., 0] == 255).mean() > 0.8),
        "code": (code.format.name, code.symbology_identifier, code.ec_level, len(code.bytes)),
        "text shape": bool(re.fullmatch(r"\d{3}-\d{2}-\d{4}-\d", code.text)),
        "rotated": -90 <= code.orientation <= 0 and code.orientation not in (0, -90),
    }


@pytest.fixture
def served(hackattic_sandbox: Any) -> tuple[dict[str, Any], bytes]:
    """The default problem and its picture, fetched as a solver fetches them."""
    problem = hackattic_sandbox.fetch_problem(SLUG)
    return problem, httpx.get(problem["image_url"], timeout=30).content


def test_the_problem_has_the_real_fields(served: tuple[dict[str, Any], bytes]) -> None:
    problem, _ = served
    assert {name: type(value) for name, value in problem.items()} == REAL_PROBLEM_FIELDS
    assert re.fullmatch(r"https?://[^/]+/.+", problem["image_url"])


@pytest.mark.parametrize("name", REAL)
def test_the_default_picture_is_like_a_real_one(
    served: tuple[dict[str, Any], bytes], name: str
) -> None:
    real = shape((FIXTURES / name).read_bytes())
    assert real["code"] == ("QRCode", "]Q1", "M", 13)  # the facts file: level M, byte mode
    assert shape(served[1]) == real

"""Every real picture hackattic served gives its verified text, through the solver's whole
path (a one-time download from the sandbox, then zxing-cpp)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hackattic_reading_qr.challenge import (
    ReadingQrChallenge,
    ReadingQrProblem,
    ReadingQrSolution,
)
from hackattic_reading_qr.decode import load_gray, read_qr

SLUG = "reading_qr"
FIXTURES = Path(__file__).parent / "fixtures"
ANSWERS: dict[str, str] = json.loads((FIXTURES / "answers.json").read_text())
"""Each real picture hackattic served, and its verified text."""
ORIENTATIONS = {"androids_qr_code.png": -32, "gdvarb_qr.png": -60}


@pytest.mark.parametrize(("name", "code"), sorted(ANSWERS.items()))
def test_the_solver_reads_every_real_picture(
    hackattic_context: Any, hackattic_sandbox: Any, name: str, code: str
) -> None:
    data = (FIXTURES / name).read_bytes()
    url = hackattic_sandbox.emulations[SLUG].env.downloads.publish(data, "image/png")
    problem = ReadingQrProblem(image_url=url)

    async def solve() -> ReadingQrSolution:
        async with hackattic_context(ReadingQrChallenge) as context:
            return await ReadingQrChallenge().solve(problem, context)

    assert asyncio.run(solve()) == ReadingQrSolution(code=code)


@pytest.mark.parametrize(("name", "code"), sorted(ANSWERS.items()))
def test_real_pictures_are_read_at_the_first_pass(name: str, code: str) -> None:
    gray = load_gray((FIXTURES / name).read_bytes(), max_pixels=360_000)
    assert gray.shape == (600, 600)
    assert gray.dtype == np.uint8
    reading = read_qr(gray)
    assert reading.texts == [code]
    assert reading.attempt == "as is"
    assert reading.orientation == ORIENTATIONS[name]

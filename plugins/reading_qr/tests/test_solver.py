"""The solver on what hackattic might send besides a good picture: another text, no code,
a link already used."""

from __future__ import annotations

import asyncio
import io
import logging
import random
from typing import Any

import numpy as np
import pytest
import segno
from hackattic_reading_qr.challenge import (
    ReadingQrChallenge,
    ReadingQrProblem,
    ReadingQrSolution,
)
from hackattic_reading_qr.drawing import draw_png
from PIL import Image
from pydantic import ValidationError

from hackattic_core import AttemptLost, ServiceError

SLUG = "reading_qr"


def publish(sandbox: Any, data: bytes) -> str:
    url: str = sandbox.emulations[SLUG].env.downloads.publish(data, "image/png")
    return url


def solve(context_factory: Any, url: str) -> ReadingQrSolution:
    async def run() -> ReadingQrSolution:
        async with context_factory(ReadingQrChallenge) as context:
            return await ReadingQrChallenge().solve(ReadingQrProblem(image_url=url), context)

    return asyncio.run(run())


def test_another_text_is_sent_with_a_warning(
    hackattic_context: Any, hackattic_sandbox: Any, caplog: pytest.LogCaptureFixture
) -> None:
    code = segno.make_qr("Hello, hackattic!", error="h")
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=8)
    with caplog.at_level(logging.WARNING, logger=f"hackattic.{SLUG}"):
        solution = solve(hackattic_context, publish(hackattic_sandbox, buffer.getvalue()))
    assert solution == ReadingQrSolution(code="Hello, hackattic!")
    assert "the code reads 'Hello, hackattic!', not like 459-45-1087-9" in caplog.text


def test_a_picture_without_a_code_loses_the_attempt(
    hackattic_context: Any, hackattic_sandbox: Any
) -> None:
    blank = io.BytesIO()
    Image.fromarray(np.full((600, 600), 255, dtype=np.uint8)).save(blank, format="PNG")
    with pytest.raises(AttemptLost, match="no QR code found in the picture"):
        solve(hackattic_context, publish(hackattic_sandbox, blank.getvalue()))


def test_a_link_works_once(hackattic_context: Any, hackattic_sandbox: Any) -> None:
    url = publish(hackattic_sandbox, draw_png("123-45-6789-0", random.Random(1)))
    assert solve(hackattic_context, url) == ReadingQrSolution(code="123-45-6789-0")
    with pytest.raises(ServiceError, match="could not download the picture: HTTP 404"):
        solve(hackattic_context, url)


@pytest.mark.parametrize(
    "url", ["", "ftp://example.com/qr.png", "/challenges/qr.png", "https://" + "a" * 5000]
)
def test_the_problem_needs_an_http_url(url: str) -> None:
    with pytest.raises(ValidationError):
        ReadingQrProblem(image_url=url)

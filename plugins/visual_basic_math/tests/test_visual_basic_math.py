"""The solver on the real pictures, the emulation's checker, and runs through the CLI."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
from hackattic_visual_basic_math.arithmetic import EvaluationError, evaluate
from hackattic_visual_basic_math.challenge import VisualBasicMathSettings, solve_picture
from hackattic_visual_basic_math.emulation import (
    VisualBasicMathEmulation,
    claim_size,
    expected_result,
)
from hackattic_visual_basic_math.reader import read_lines
from hackattic_visual_basic_math.render import (
    DIGIT_COLOURS,
    GREY,
    Line,
    draw_problem,
    matplotlib_fonts,
    printed_glyph,
)

from hackattic_core import ExitCode, ProblemError

FIXTURES = Path(__file__).parent / "fixtures"
ANSWERS: dict[str, dict[str, Any]] = json.loads((FIXTURES / "answers.json").read_text())
SETTINGS = VisualBasicMathSettings()


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_reads_every_real_picture(name: str) -> None:
    result, lines = solve_picture((FIXTURES / name).read_bytes(), SETTINGS)
    assert [str(line) for line in lines] == ANSWERS[name]["lines"]
    assert result == ANSWERS[name]["result"]


def test_floor_division_and_big_integers() -> None:
    assert evaluate([("-", 10), ("÷", 3)]) == -4
    assert evaluate([("+", 10), ("÷", 3)]) == 3
    assert evaluate([("+", 9_999_999)] + [("×", 9_999_999)] * 7) == 9_999_999**8
    with pytest.raises(EvaluationError):
        evaluate([("+", 1), ("÷", 0)])


def test_the_emulation_folds_like_python() -> None:
    rng = random.Random(3)
    for _ in range(500):
        lines = tuple(Line(rng.choice("+-×÷"), str(rng.randint(1, 10**7))) for _ in range(8))
        assert expected_result(lines) == evaluate((x.operator, int(x.number)) for x in lines)


def test_reads_printed_emulated_pictures() -> None:
    rng = random.Random(7)
    for _ in range(3):
        lines = tuple(
            Line(rng.choice("+-×÷"), str(rng.randint(10**6, 10**7 - 1))) for _ in range(8)
        )
        data = draw_problem(list(lines), random.Random(rng.getrandbits(64)), 0.0)
        result, read = solve_picture(data, SETTINGS)
        assert [str(x) for x in read] == [f"{x.operator}{x.number}" for x in lines]
        assert result == expected_result(lines)


def test_touching_digits_of_two_colours_come_apart() -> None:
    font = str(matplotlib_fonts() / "DejaVuSans-Bold.ttf")
    canvas = np.full((60, 140, 3), 255.0)

    def paint(glyph: np.ndarray, x: int, y: int, colour: tuple[int, int, int]) -> None:
        region = canvas[y : y + glyph.shape[0], x : x + glyph.shape[1]]
        alpha = glyph[..., None]
        region[:] = region * (1 - alpha) + np.asarray(colour) * alpha

    paint(printed_glyph(font, "+", 20), 10, 20, GREY)
    eight = printed_glyph(font, "8", 31)
    paint(eight, 45, 14, DIGIT_COLOURS[0])
    # The 3 overlaps the 8 by 3 columns: only colour separates them.
    paint(printed_glyph(font, "3", 31), 45 + eight.shape[1] - 3, 14, DIGIT_COLOURS[2])
    rgb = np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
    assert [str(line) for line in read_lines(rgb, max_lines=8, max_digits=8)] == ["+83"]


@pytest.mark.parametrize(
    "data",
    [
        b"not a picture",
        (FIXTURES / "androids_challenge.png").read_bytes()[:5000],
        claim_size((FIXTURES / "androids_challenge.png").read_bytes(), 100_000, 100_000),
    ],
    ids=["garbage", "truncated", "bomb"],
)
def test_a_bad_picture_is_one_problem_error(data: bytes) -> None:
    with pytest.raises(ProblemError) as raised:
        solve_picture(data, SETTINGS)
    assert "\n" not in str(raised.value)


def test_the_bounds_are_settings() -> None:
    data = (FIXTURES / "androids_challenge.png").read_bytes()
    small = VisualBasicMathSettings(max_image_pixels=10_000)
    with pytest.raises(ProblemError, match="more than 10,000"):
        solve_picture(data, small)
    with pytest.raises(ProblemError, match="bytes, more than 1,000"):
        solve_picture(data, VisualBasicMathSettings(max_image_bytes=1000))
    with pytest.raises(ProblemError, match="8 lines, more than 4"):
        solve_picture(data, VisualBasicMathSettings(max_lines=4))
    with pytest.raises(ProblemError, match="7 digits, more than 6"):
        solve_picture(data, VisualBasicMathSettings(max_digits=6))


def test_the_checker_accepts_the_right_result_only(hackattic_emulation) -> None:  # type: ignore[no-untyped-def]
    emulation = hackattic_emulation(VisualBasicMathEmulation)
    downloads = emulation.env.downloads
    downloads.base_url = "http://127.0.0.1:9"  # no server: the bytes are taken directly

    async def check_some() -> tuple[Any, ...]:
        issued = await emulation.new_problem()
        key = urlsplit(issued.problem["image_url"]).path.split("/")[-2]
        published = downloads.take(key)
        assert published is not None
        assert published.media_type == "image/png"
        assert downloads.take(key) is None, "a link serves once"
        right, _ = solve_picture(published.data, SETTINGS)
        return (
            await emulation.check(issued, {"result": right}),
            await emulation.check(issued, {"result": right + 1}),
            await emulation.check(issued, {"result": str(right)}),
            await emulation.check(issued, {"result": float(right)}),
            await emulation.check(issued, {}),
        )

    passed, wrong, text, floating, missing = asyncio.run(check_some())
    assert passed is None
    assert "wrong result" in (wrong or "")
    assert "'result' must be an integer" in (text or "")
    assert "'result' must be an integer" in (floating or "")
    assert "missing field 'result'" in (missing or "")


def test_passes_in_the_sandbox_through_the_cli(hackattic_cli) -> None:  # type: ignore[no-untyped-def]
    # A fixed seed: about 1 emulated problem in 80 is misread (README), never this one.
    r = hackattic_cli("run", "visual_basic_math", "--sandbox", "--json", "--seed", "1", timeout=120)
    assert r.exit_code == ExitCode.PASSED, r.stderr
    assert isinstance(r.json["solution"]["result"], int)


def test_a_corrupt_picture_is_exit_3_in_one_line(hackattic_cli) -> None:  # type: ignore[no-untyped-def]
    r = hackattic_cli(
        "run",
        "visual_basic_math",
        "--sandbox",
        "--fault",
        "corrupt_image",
        "--attempts",
        "1",
        timeout=120,
    )
    output = r.stdout + r.stderr
    assert r.exit_code == ExitCode.SERVICE, output
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if "error:" in line]
    assert len(errors) == 1, output
    assert "not a readable picture" in errors[0]

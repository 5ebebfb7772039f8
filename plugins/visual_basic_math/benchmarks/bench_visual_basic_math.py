"""Benchmark: lines and whole problems read right, and time per solve, for this plugin's
reader and for tesseract with a digit whitelist (what public solvers use), on the real
pictures in tests/fixtures and on emulated ones drawn by the sandbox's renderer.

Run: ``.venv/bin/python plugins/visual_basic_math/benchmarks/bench_visual_basic_math.py``
(``make bench`` discovers it). ``VBM_BENCH_PROBLEMS`` (500) and ``VBM_BENCH_TESSERACT``
(50: tesseract costs ~0.8 s a picture) set the sample sizes; ``quick`` uses 40 and 5.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from hackattic_visual_basic_math.arithmetic import evaluate
from hackattic_visual_basic_math.challenge import VisualBasicMathSettings
from hackattic_visual_basic_math.emulation import expected_result
from hackattic_visual_basic_math.picture import decode
from hackattic_visual_basic_math.reader import read_lines
from hackattic_visual_basic_math.render import OPERATORS, Line, draw_problem
from PIL import Image

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
SEED = 22
TESSERACT = shutil.which("tesseract")
SETTINGS = VisualBasicMathSettings()


def ours(data: bytes) -> tuple[list[str], int | None]:
    rgb = decode(data, max_bytes=SETTINGS.max_image_bytes, max_pixels=SETTINGS.max_image_pixels)
    lines = read_lines(rgb, SETTINGS.max_lines, SETTINGS.max_digits)
    return [str(line) for line in lines], evaluate((line.operator, line.number) for line in lines)


def tesseract(data: bytes) -> tuple[list[str], int | None]:
    """The common public approach: binarise, one tesseract run, a character whitelist."""
    assert TESSERACT is not None
    grey = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)
    ink = (255 - grey.min(axis=2)) > 60
    binary = Image.fromarray(np.where(ink, 0, 255).astype(np.uint8))
    with tempfile.NamedTemporaryFile(suffix=".png") as file:
        binary.save(file.name)
        output = subprocess.run(
            [
                TESSERACT,
                file.name,
                "stdout",
                "--psm",
                "6",
                "-c",
                "tessedit_char_whitelist=0123456789+-x×÷",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        ).stdout
    lines = [
        line.replace(" ", "").replace("x", "×") for line in output.splitlines() if line.strip()
    ]
    try:
        result = evaluate((line[0], int(line[1:])) for line in lines)
    except (ValueError, IndexError):
        result = None
    return lines, result


def emulated(count: int) -> list[tuple[bytes, list[str], int]]:
    rng = random.Random(SEED)
    problems = []
    for _ in range(count):
        lines = tuple(
            Line(rng.choice(OPERATORS), str(rng.randint(10**6, 10**7 - 1))) for _ in range(8)
        )
        data = draw_problem(list(lines), random.Random(rng.getrandbits(64)), 0.25)
        problems.append((data, [f"{x.operator}{x.number}" for x in lines], expected_result(lines)))
    return problems


def score(reader, problems) -> dict[str, float]:  # type: ignore[no-untyped-def]
    lines_right = lines_total = problems_right = 0
    elapsed = []
    for data, expected_lines, expected in problems:
        started = time.perf_counter()
        try:
            got_lines, got = reader(data)
        except Exception:
            got_lines, got = [], None
        elapsed.append(time.perf_counter() - started)
        lines_total += len(expected_lines)
        lines_right += sum(a == b for a, b in zip(got_lines, expected_lines, strict=False))
        problems_right += got == expected and got_lines == expected_lines
    return {
        "lines": lines_right / lines_total,
        "problems": problems_right / len(problems),
        "n": len(problems),
        "mean_s": float(np.mean(elapsed)),
        "max_s": float(np.max(elapsed)),
    }


def real() -> list[tuple[bytes, list[str], int]]:
    answers = json.loads((FIXTURES / "answers.json").read_text())
    return [
        ((FIXTURES / name).read_bytes(), a["lines"], a["result"]) for name, a in answers.items()
    ]


def run(quick: bool = False) -> dict[str, object]:
    count = int(os.environ.get("VBM_BENCH_PROBLEMS", "40" if quick else "500"))
    tess_count = int(os.environ.get("VBM_BENCH_TESSERACT", "5" if quick else "50"))
    ours(real()[0][0])  # load the classifier once, outside the timings
    started = time.perf_counter()
    problems = emulated(count)
    drawing = time.perf_counter() - started
    rows = []
    results = {}
    for name, reader, sample in (
        ("ours", ours, count),
        ("tesseract", tesseract if TESSERACT and tess_count else None, min(tess_count, count)),
    ):
        if reader is None:
            rows.append(f"| {name} | not installed (apt-get install tesseract-ocr) | | | | |")
            continue
        r = score(reader, real())
        e = score(reader, problems[:sample])
        results[name] = (r, e)
        rows.append(
            f"| {name} | {r['problems']:.0%} ({r['lines']:.1%} of lines) | "
            f"{e['problems']:.1%} of {e['n']} | {e['lines']:.2%} | "
            f"{e['mean_s'] * 1000:.0f} ms | {e['max_s'] * 1000:.0f} ms |"
        )
    markdown = "\n".join(
        [
            "| reader | real pictures (2), whole problems | emulated, whole problems | "
            "emulated, lines | mean time per solve | slowest |",
            "| --- | --- | --- | --- | --- | --- |",
            *rows,
            "",
            f"Emulated problems: seed {SEED}, 8 lines of 7 digits, a quarter handwritten "
            f"(drawn in {drawing:.1f} s, not counted); one core; tesseract "
            f"{'on the first ' + str(min(tess_count, count)) if TESSERACT else 'absent'}.",
        ]
    )
    real_ours, emu_ours = results["ours"]
    targets = [
        {
            "name": "real pictures right",
            "target": "all",
            "measured": f"{real_ours['problems']:.0%}",
            "met": real_ours["problems"] == 1.0,
        },
        {
            "name": "emulated problems right",
            "target": ">= 98%",
            "measured": f"{emu_ours['problems']:.1%}",
            "met": emu_ours["problems"] >= 0.98,
        },
        {
            "name": "time per solve (one core)",
            "target": "< 1 s",
            "measured": f"{emu_ours['max_s']:.2f} s (slowest)",
            "met": emu_ours["max_s"] < 1.0,
        },
    ]
    if "tesseract" in results:
        t = results["tesseract"][1]
        targets.append(
            {
                "name": "better than tesseract",
                "target": "more problems right",
                "measured": f"{emu_ours['problems']:.1%} vs {t['problems']:.1%}",
                "met": emu_ours["problems"] > t["problems"],
            }
        )
    return {
        "title": "visual_basic_math: reading the picture",
        "markdown": markdown,
        "targets": targets,
    }


if __name__ == "__main__":
    print(run()["markdown"])

"""Benchmark of basic_face_detection: ours beside the approach public solvers use.

    .venv/bin/python plugins/basic_face_detection/benchmarks/bench_basic_face_detection.py

- **Accuracy**: per-tile precision and recall, and the share of whole grids exactly right,
  on the real grids (``tests/fixtures``) and on emulated grids (the sandbox's emulation,
  seeded: 500 by default, ``BENCH_FACES_GRIDS`` to change; 20 with ``quick``).
- **The common approach**: OpenCV's default frontal-face cascade run once on the whole
  800×800 image with ``detectMultiScale(gray, 1.3, 5)`` (as in the public solvers), each
  box mapped to the tile holding its centre (kinder than the corner the public code uses).
- **Robustness**: the pool's distinct tiles turned, scaled, darkened and recompressed,
  judged one by one: what neither the real nor the emulated grids can show, since both
  reuse the same tiles.
- **Time**: one solve (decode + every tile) on one core (OpenCV limited to one thread),
  as CPU time of its thread and as wall time; and, through the real command line against
  the sandbox, how long after the solve starts the image is downloaded (its link expires
  5 s after the problem).

Grids are judged on two threads (OpenCV releases the GIL), each solve on one core.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import cv2
import numpy as np
from hackattic_basic_face_detection.detector import (
    DetectorParameters,
    GrayImage,
    face_tiles,
    judge_tile,
)
from hackattic_basic_face_detection.emulation import (
    BasicFaceDetectionConditions,
    BasicFaceDetectionEmulation,
)
from hackattic_basic_face_detection.image import read_gray
from hackattic_basic_face_detection.tile_pool import load_pool
from PIL import Image

from hackattic_core import Downloads, EmulationEnv

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "fixtures"
GRIDS = int(os.environ.get("BENCH_FACES_GRIDS", "500"))
CLI_RUNS = int(os.environ.get("BENCH_FACES_CLI_RUNS", "5"))
QUICK_GRIDS, QUICK_CLI_RUNS = 20, 2
"""``run(quick=True)`` (``python -m bench --quick``): a smoke run."""
SEED = 2026
WORKERS = 2
COMMON_CASCADE = "haarcascade_frontalface_default.xml"

Cells = frozenset[tuple[int, int]]


@dataclass(frozen=True)
class Grid:
    name: str
    jpeg: bytes
    faces: Cells


@dataclass(frozen=True)
class Outcome:
    found: Cells
    cpu: float
    wall: float


def real_grids() -> list[Grid]:
    answers = json.loads((FIXTURES / "answers.json").read_text())
    return [
        Grid(name, (FIXTURES / name).read_bytes(), frozenset(map(tuple, cells)))
        for name, cells in sorted(answers.items())
    ]


def emulated_grids(count: int) -> list[Grid]:
    """``count`` problems of the sandbox's emulation, with the bytes their links serve."""
    downloads = Downloads(base_url="http://bench.invalid")
    env = EmulationEnv(
        conditions=BasicFaceDetectionConditions(),
        rng=random.Random(SEED),
        slug="basic_face_detection",
        downloads=downloads,
    )
    emulation = BasicFaceDetectionEmulation(env)

    async def issue_all() -> list[Grid]:
        grids = []
        for number in range(count):
            issued = await emulation.new_problem()
            key = urlsplit(issued.problem["image_url"]).path.split("/")[-2]
            published = downloads.take(key)
            assert published is not None
            grids.append(Grid(f"emulated {number}", published.data, issued.state.faces))
        return grids

    return asyncio.run(issue_all())


_cascades: dict[int, cv2.CascadeClassifier] = {}


def common_approach(gray: GrayImage) -> Cells:
    """What public solvers do: the default cascade over the whole image."""
    import threading

    cascade = _cascades.get(threading.get_ident())
    if cascade is None:
        path = resources.files("cv2") / "data" / COMMON_CASCADE
        cascade = _cascades[threading.get_ident()] = cv2.CascadeClassifier(str(path))
    boxes = cascade.detectMultiScale(gray, 1.3, 5)
    return frozenset(
        (min(7, int((y + h / 2) // 100)), min(7, int((x + w / 2) // 100))) for x, y, w, h in boxes
    )


def ours(gray: GrayImage) -> Cells:
    return frozenset(face_tiles(gray, 8))


Method = Callable[[GrayImage], Cells]
METHODS: dict[str, Method] = {
    "ours: alt2 cascade per tile, ±20° retry": ours,
    "common: default cascade on the whole image (1.3, 5)": common_approach,
}


def solve_timed(method: Method, jpeg: bytes) -> Outcome:
    cpu, wall = time.thread_time(), time.perf_counter()
    found = method(read_gray(jpeg, max_pixels=16_000_000))
    return Outcome(found, time.thread_time() - cpu, time.perf_counter() - wall)


def judge_all(grids: list[Grid]) -> dict[str, list[Outcome]]:
    previous = cv2.getNumThreads()
    cv2.setNumThreads(1)  # one core per solve; the pool runs two at once
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            return {
                name: list(pool.map(lambda grid, m=method: solve_timed(m, grid.jpeg), grids))
                for name, method in METHODS.items()
            }
    finally:
        cv2.setNumThreads(previous)  # other benchmarks may share this process


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    grids_right: int
    grids: int
    cpu_median: float
    cpu_p95: float
    wall_median: float


def score(grids: list[Grid], outcomes: list[Outcome]) -> Score:
    tp = fp = fn = right = 0
    for grid, outcome in zip(grids, outcomes, strict=True):
        tp += len(grid.faces & outcome.found)
        fp += len(outcome.found - grid.faces)
        fn += len(grid.faces - outcome.found)
        right += grid.faces == outcome.found
    cpu = sorted(o.cpu for o in outcomes)
    return Score(
        precision=tp / (tp + fp) if tp + fp else 1.0,
        recall=tp / (tp + fn) if tp + fn else 1.0,
        grids_right=right,
        grids=len(grids),
        cpu_median=statistics.median(cpu),
        cpu_p95=cpu[min(len(cpu) - 1, int(0.95 * len(cpu)))],
        wall_median=statistics.median(o.wall for o in outcomes),
    )


AUGMENTATIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "as is": lambda t: t,
    "mirrored": lambda t: t.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "turned 12°": lambda t: _turn(t, 12),
    "turned −12°": lambda t: _turn(t, -12),
    "turned 25°": lambda t: _turn(t, 25),
    "turned −25°": lambda t: _turn(t, -25),
    "zoomed out ×0.8": lambda t: _zoom(t, 0.8),
    "zoomed in ×1.25": lambda t: _zoom(t, 1.25),
    "darker (×0.6)": lambda t: t.point(lambda v: int(v * 0.6)),
    "JPEG quality 30": lambda t: _recompress(t, 30),
}


def _turn(tile: Image.Image, degrees: float) -> Image.Image:
    """Turned about its centre, the corners filled by reflection (no black wedges)."""
    array = np.asarray(tile)
    size = array.shape[0]
    matrix = cv2.getRotationMatrix2D((size / 2, size / 2), degrees, 1.0)
    return Image.fromarray(
        cv2.warpAffine(array, matrix, (size, size), borderMode=cv2.BORDER_REFLECT)
    )


def _zoom(tile: Image.Image, factor: float) -> Image.Image:
    """Scaled about its centre, the border filled by the tile's own edge (as a crop of the
    artwork at another scale would be, roughly)."""
    size = tile.size[0]
    scaled = tile.resize((round(size * factor),) * 2, Image.Resampling.BICUBIC)
    if factor >= 1:
        offset = (scaled.size[0] - size) // 2
        return scaled.crop((offset, offset, offset + size, offset + size))
    array = np.asarray(scaled)
    pad = (size - scaled.size[0]) // 2
    padded = np.pad(array, ((pad, size - scaled.size[0] - pad),) * 2 + ((0, 0),), "reflect")
    return Image.fromarray(padded)


def _recompress(tile: Image.Image, quality: int) -> Image.Image:
    import io

    out = io.BytesIO()
    tile.save(out, "JPEG", quality=quality)
    return Image.open(out).convert("RGB")


def robustness() -> list[tuple[str, dict[str, tuple[int, int]]]]:
    """Per augmentation and detector: (faces missed of 14, non-faces taken of 18)."""
    pool = load_pool()
    detectors: dict[str, Callable[[GrayImage], bool]] = {
        "ours": lambda g: judge_tile(g, 0, 0, DetectorParameters()).face,
        "ours without the ±20° retry": lambda g: (
            judge_tile(g, 0, 0, DetectorParameters(tilt_degrees=0)).face
        ),
    }
    rows = []
    for name, augment in AUGMENTATIONS.items():
        counts = {}
        for label, detect in detectors.items():
            missed = taken = 0
            for tile in pool.tiles:
                gray = np.asarray(augment(tile.image).convert("L"), dtype=np.uint8)
                face = detect(gray)
                missed += tile.face and not face
                taken += face and not tile.face
            counts[label] = (missed, taken)
        rows.append((name, counts))
    return rows


DOWNLOADED = re.compile(r"downloaded ([0-9.]+) s into the solve")


def cli_runs(count: int) -> tuple[int, list[float], list[float]]:
    """``hackattic run basic_face_detection --sandbox`` ``count`` times: how many passed,
    the seconds from the solve's start to the image downloaded, and each whole run's."""
    hackattic = str(Path(sys.executable).with_name("hackattic"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HACKATTIC_")}
    passed, downloads, totals = 0, [], []
    command = [hackattic, "run", "basic_face_detection", "--sandbox", "--json", "-v"]
    for seed in range(count):
        done = subprocess.run(
            [*command, "--seed", str(seed)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
        )
        report = json.loads(done.stdout)
        passed += report["status"] == "passed"
        totals.append(report["timings"]["total"])
        match = DOWNLOADED.search(done.stderr)
        if match:
            downloads.append(float(match.group(1)))
    return passed, downloads, totals


def percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def run(quick: bool = False) -> dict[str, object]:
    started = time.perf_counter()
    cli_count = QUICK_CLI_RUNS if quick else CLI_RUNS
    real = real_grids()
    emulated = emulated_grids(QUICK_GRIDS if quick else GRIDS)
    scores = {}
    for label, grids in (("real grids", real), (f"{len(emulated)} emulated grids", emulated)):
        outcomes = judge_all(grids)
        for method, results in outcomes.items():
            scores[(label, method)] = score(grids, results)
    accuracy = table(
        [
            "grids",
            "method",
            "tile precision",
            "tile recall",
            "grids exactly right",
            "CPU per solve (median / p95)",
            "wall per solve",
        ],
        [
            (
                label,
                method,
                percent(s.precision),
                percent(s.recall),
                f"{s.grids_right}/{s.grids} ({percent(s.grids_right / s.grids)})",
                f"{1000 * s.cpu_median:.0f} / {1000 * s.cpu_p95:.0f} ms",
                f"{1000 * s.wall_median:.0f} ms",
            )
            for (label, method), s in scores.items()
        ],
    )
    robust = robustness()
    robust_table = table(
        [
            "tiles (14 faces, 18 not)",
            *(f"{d}: faces missed / non-faces taken" for d in robust[0][1]),
        ],
        [
            (name, *(f"{missed} / {taken}" for missed, taken in counts.values()))
            for name, counts in robust
        ],
    )
    passed, downloads, totals = cli_runs(cli_count)
    slowest_download = max(downloads) if downloads else float("nan")
    cli_table = table(
        [
            "runs of `hackattic run basic_face_detection --sandbox`",
            "passed",
            "download after the solve starts (max)",
            "whole run (median)",
        ],
        [
            (
                str(cli_count),
                f"{passed}/{cli_count}",
                f"{1000 * slowest_download:.0f} ms",
                f"{statistics.median(totals):.2f} s" if totals else "-",
            )
        ],
    )
    ours_real = scores[("real grids", next(iter(METHODS)))]
    ours_emulated = scores[(f"{len(emulated)} emulated grids", next(iter(METHODS)))]
    common_emulated = scores[(f"{len(emulated)} emulated grids", list(METHODS)[1])]
    load = os.getloadavg()
    markdown = "\n\n".join(
        [
            accuracy,
            robust_table,
            cli_table,
            f"Load average while measuring: {load[0]:.2f} on {os.cpu_count()} cores "
            f"(shared machine); the benchmark took {time.perf_counter() - started:.0f} s.",
        ]
    )
    targets = [
        {
            "name": "real grids exactly right",
            "target": "all",
            "measured": f"{ours_real.grids_right}/{ours_real.grids}",
            "met": ours_real.grids_right == ours_real.grids,
        },
        {
            "name": "emulated grids exactly right",
            "target": "≥ 98%, better than the common approach",
            "measured": f"{percent(ours_emulated.grids_right / ours_emulated.grids)} "
            f"(common: {percent(common_emulated.grids_right / common_emulated.grids)})",
            "met": ours_emulated.grids_right >= 0.98 * ours_emulated.grids
            and ours_emulated.grids_right > common_emulated.grids_right,
        },
        {
            "name": "solve on one core (CPU, p95 of emulated grids)",
            "target": "< 1 s",
            "measured": f"{1000 * ours_emulated.cpu_p95:.0f} ms",
            "met": ours_emulated.cpu_p95 < 1.0,
        },
        {
            "name": "problem to image downloaded (max of CLI runs)",
            "target": "< 5 s",
            "measured": f"{1000 * slowest_download:.0f} ms ({passed}/{cli_count} runs passed)",
            "met": bool(downloads) and slowest_download < 5.0 and passed == cli_count,
        },
    ]
    return {"title": "basic_face_detection", "markdown": markdown, "targets": targets}


if __name__ == "__main__":
    print(run()["markdown"])

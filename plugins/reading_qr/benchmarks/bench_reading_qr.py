"""reading_qr: codes read right and time per solve, ours (zxing-cpp) beside the decoders
public solvers use (OpenCV's ``QRCodeDetector``, zbar through pyzbar), on the same pictures
in the same run.

Pictures: hackattic's real ones (``tests/fixtures``), then pictures drawn by the sandbox's
renderer (:mod:`hackattic_reading_qr.drawing`): 500 like hackattic's, and 200 each with its
``noise`` and ``blur`` faults at their default strength. Every decoder gets the same grey
array (the PNG decoded once by Pillow, transparency on white); a solve's time is the
process's CPU time for the PNG decode plus the decoder (one core), median and max.
OpenCV and pyzbar are optional: where one cannot be imported its column says so (the root
``bench`` group would need ``opencv-python-headless`` and ``pyzbar``, and pyzbar Debian's
``libzbar0``).

Run: ``.venv/bin/python plugins/reading_qr/benchmarks/bench_reading_qr.py``
(``make bench`` discovers it). ``READING_QR_BENCH_PROBLEMS`` (500) sets the main sample.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from hackattic_reading_qr.decode import load_gray, read_qr
from hackattic_reading_qr.drawing import Look, draw_png, random_text
from hackattic_reading_qr.emulation import ReadingQrConditions

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
SEED = 22
PROBLEMS = int(os.environ.get("READING_QR_BENCH_PROBLEMS", "500"))
FAULTY_PROBLEMS = max(1, PROBLEMS * 2 // 5)
MAX_PIXELS = 16_000_000
CONDITIONS = ReadingQrConditions()

Gray = npt.NDArray[np.uint8]
Decoder = Callable[[Gray], str | None]


def ours(gray: Gray) -> str | None:
    texts = read_qr(gray).texts
    return texts[0] if texts else None


def _opencv() -> Decoder | str:
    try:
        import cv2
    except ImportError:
        return "not installed (opencv-python-headless)"
    detector = cv2.QRCodeDetector()

    def decode(gray: Gray) -> str | None:
        text, _, _ = detector.detectAndDecode(gray)
        return str(text) or None

    return decode


def _zbar() -> Decoder | str:
    try:
        from pyzbar import pyzbar  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return "not installed (pyzbar)"
    except OSError:  # pyzbar is there, the zbar library is not
        return "not installed (libzbar0)"

    def decode(gray: Gray) -> str | None:
        found = pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE])
        return found[0].data.decode("utf-8", "replace") if found else None

    return decode


@dataclass
class Tally:
    right: int = 0
    total: int = 0
    seconds: list[float] = field(default_factory=list)

    def share(self) -> float:
        return self.right / self.total if self.total else 0.0

    def cell(self) -> str:
        return f"{self.right}/{self.total}" if self.total < 10 else f"{self.share():.1%}"


def _samples() -> dict[str, list[tuple[bytes, str]]]:
    answers: dict[str, str] = json.loads((FIXTURES / "answers.json").read_text())
    sets = {"real": [((FIXTURES / name).read_bytes(), text) for name, text in answers.items()]}
    rng = random.Random(SEED)
    looks = {
        "emulated": (PROBLEMS, Look()),
        "noise": (FAULTY_PROBLEMS, Look(noise_sigma=CONDITIONS.noise_sigma)),
        "blur": (FAULTY_PROBLEMS, Look(blur_radius=CONDITIONS.blur_radius)),
    }
    for name, (count, look) in looks.items():
        sets[name] = []
        for _ in range(count):
            text = random_text(rng)
            sets[name].append((draw_png(text, rng, look), text))
    return sets


def run() -> dict[str, object]:
    decoders: dict[str, Decoder | str] = {
        "**ours** (zxing-cpp)": ours,
        "OpenCV `QRCodeDetector`": _opencv(),
        "zbar (pyzbar)": _zbar(),
    }
    sets = _samples()
    tallies = {name: {s: Tally() for s in sets} for name in decoders}
    for set_name, samples in sets.items():
        for data, text in samples:
            start = time.process_time()
            gray = load_gray(data, max_pixels=MAX_PIXELS)
            load = time.process_time() - start
            for name, decoder in decoders.items():
                if isinstance(decoder, str):
                    continue
                start = time.process_time()
                got = decoder(gray)
                tally = tallies[name][set_name]
                tally.seconds.append(load + time.process_time() - start)
                tally.total += 1
                tally.right += got == text
    headers = [
        f"real ({len(sets['real'])})",
        f"emulated ({len(sets['emulated'])})",
        f"noise σ={CONDITIONS.noise_sigma:g} ({len(sets['noise'])})",
        f"blur r={CONDITIONS.blur_radius:g} ({len(sets['blur'])})",
        "CPU per solve, median / max",
    ]
    rows = ["| decoder | " + " | ".join(headers) + " |", "|---" + "|---:" * len(headers) + "|"]
    for name, decoder in decoders.items():
        if isinstance(decoder, str):
            rows.append(f"| {name} | " + " | ".join([decoder] + ["–"] * (len(headers) - 1)) + " |")
            continue
        cells = [tallies[name][s].cell() for s in sets]
        seconds = [t for s in sets for t in tallies[name][s].seconds]
        cells.append(f"{statistics.median(seconds) * 1e3:.1f} ms / {max(seconds) * 1e3:.1f} ms")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    mine = tallies["**ours** (zxing-cpp)"]
    worst = max(t for s in sets for t in mine[s].seconds)
    others = [tallies[name] for name, decoder in decoders.items() if not isinstance(decoder, str)]
    others = others[1:]
    targets = [
        _target("real payloads right", "all", mine["real"].cell(), mine["real"].share() == 1),
        _target(
            "emulated problems right",
            "≥ 99.5%",
            f"{mine['emulated'].share():.1%}",
            mine["emulated"].share() >= 0.995,
        ),
        _target("CPU per solve", "< 1 s", f"max {worst * 1e3:.0f} ms", worst < 1.0),
    ]
    if others:
        best = {s: max(other[s].share() for other in others) for s in sets}
        targets.append(
            _target(
                "right, against the best common decoder, per set",
                "never fewer, more on some",
                ", ".join(f"{s} {mine[s].share():.1%} vs {best[s]:.1%}" for s in sets),
                all(mine[s].share() >= best[s] for s in sets)
                and any(mine[s].share() > best[s] for s in sets),
            )
        )
    else:
        targets.append(
            _target("better than the common decoders", "measured", "neither installed", False)
        )
    return {
        "title": "reading_qr: codes read right and CPU time per solve",
        "markdown": "\n".join(rows),
        "targets": targets,
    }


def _target(name: str, target: str, measured: str, met: bool) -> dict[str, object]:
    return {"name": name, "target": target, "measured": measured, "met": met}


if __name__ == "__main__":
    print(run()["markdown"])

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

import os
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from hackattic_reading_qr.decode import load_gray, read_qr
from hackattic_reading_qr.drawing import Look, draw_png, random_text
from hackattic_reading_qr.emulation import ReadingQrConditions

from bench.common import (
    Tally,
    accuracy_targets,
    answered_samples,
    never_worse_target,
    tally_header,
    tally_row,
    target,
)

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
        from pyzbar import pyzbar  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        return "not installed (pyzbar)"
    except OSError:  # pyzbar is there, the zbar library is not
        return "not installed (libzbar0)"

    def decode(gray: Gray) -> str | None:
        found = pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE])
        return found[0].data.decode("utf-8", "replace") if found else None

    return decode


def _samples() -> dict[str, list[tuple[bytes, str]]]:
    sets = {"real": answered_samples(FIXTURES)}
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
                tallies[name][set_name].add(got == text, load + time.process_time() - start)
    headers = [
        f"real ({len(sets['real'])})",
        f"emulated ({len(sets['emulated'])})",
        f"noise σ={CONDITIONS.noise_sigma:g} ({len(sets['noise'])})",
        f"blur r={CONDITIONS.blur_radius:g} ({len(sets['blur'])})",
    ]
    rows = tally_header("decoder", headers)
    for name, decoder in decoders.items():
        if isinstance(decoder, str):
            rows.append(f"| {name} | " + " | ".join([decoder] + ["–"] * len(headers)) + " |")
            continue
        rows.append(tally_row(name, tallies[name]))
    mine = tallies["**ours** (zxing-cpp)"]
    others = [tallies[name] for name, decoder in decoders.items() if not isinstance(decoder, str)]
    others = others[1:]
    targets = accuracy_targets(mine)
    if others:
        best = {s: max(other[s].share() for other in others) for s in sets}
        targets.append(
            never_worse_target("right, against the best common decoder, per set", mine, best)
        )
    else:
        targets.append(
            target("better than the common decoders", "measured", "neither installed", False)
        )
    return {
        "title": "reading_qr: codes read right and CPU time per solve",
        "markdown": "\n".join(rows),
        "targets": targets,
    }


if __name__ == "__main__":
    print(run()["markdown"])

"""touch_tone_dialing: sequences heard right and time per solve, ours (the standard's
tolerances, :mod:`hackattic_touch_tone_dialing.detector`) beside the naive FFT peak-picker
public solvers write, on the same files in the same run.

Files: hackattic's real ones (``tests/fixtures``), then files dialled by the sandbox's
synthesiser (:mod:`hackattic_touch_tone_dialing.synthesis`, byte-identical to hackattic's
for the same keys and pauses): 500 like hackattic's, and 200 each with its faults at their
default strength (``noise`` 15 dB below the tones, ``clipping`` ×8, ``short_gap`` 12 ms
pauses) and with noise at 6 dB. A sequence counts as right only if every key is.

The naive peak-picker: split the file where it is exactly zero for 2 ms or more (hackattic's
pauses are digital silence; its tones hold isolated zero samples), then for each piece the
strongest FFT bin below and above 1075 Hz, each mapped to the nearest DTMF frequency. A
third row is ours accepting only the ±1.5% the standard requires (not the ±3.5% it allows):
hackattic's 1 and 2 sound at 679 Hz, 2.6% low.

A solve's time is the process's CPU time to read the WAV and hear it (one core), median
and max. Run: ``.venv/bin/python plugins/touch_tone_dialing/benchmarks/
bench_touch_tone_dialing.py`` (``make bench`` discovers it). ``TOUCH_TONE_BENCH_PROBLEMS``
(500) sets the main sample.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from hackattic_touch_tone_dialing.detector import Tolerances, detect
from hackattic_touch_tone_dialing.emulation import TouchToneDialingConditions
from hackattic_touch_tone_dialing.keypad import COLUMN_HZ, ROW_HZ, key_at
from hackattic_touch_tone_dialing.synthesis import RATE, Sound, random_sequence, sound_sequence
from hackattic_touch_tone_dialing.wav import Pcm, read_wav, write_wav

from bench.common import (
    Tally,
    accuracy_targets,
    answered_samples,
    never_worse_target,
    tally_header,
    tally_row,
)

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
SEED = 22
PROBLEMS = int(os.environ.get("TOUCH_TONE_BENCH_PROBLEMS", "500"))
FAULTY_PROBLEMS = max(1, PROBLEMS * 2 // 5)
MAX_SECONDS = 600.0
SPLIT_MS = 2.0
CONDITIONS = TouchToneDialingConditions()

Listener = Callable[[Pcm], str]


def ours(pcm: Pcm) -> str:
    return detect(pcm).sequence


def strict(pcm: Pcm) -> str:
    """Ours, accepting only the deviation the standard requires a receiver to accept."""
    return detect(pcm, Tolerances(max_deviation=0.015)).sequence


def naive(pcm: Pcm) -> str:
    """The common approach: split at exact zeros, the strongest FFT bin in each group."""
    samples = pcm.samples.astype(np.float64)
    silent = samples == 0
    edges = np.flatnonzero(np.diff(np.concatenate([[1], silent.astype(np.int8), [1]])))
    gap = round(SPLIT_MS / 1000 * pcm.rate)
    pieces: list[list[int]] = []
    for start, end in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        if pieces and start - pieces[-1][1] < gap:
            pieces[-1][1] = end  # a few zero samples inside a tone
        else:
            pieces.append([start, end])
    keys = []
    for start, end in pieces:
        if end - start < 0.02 * pcm.rate:
            continue
        spectrum = np.abs(np.fft.rfft(samples[start:end]))
        hz = np.fft.rfftfreq(end - start, 1 / pcm.rate)
        low = hz < 1075
        row_hz, column_hz = hz[low][spectrum[low].argmax()], hz[~low][spectrum[~low].argmax()]
        row = min(range(4), key=lambda i: abs(ROW_HZ[i] - row_hz))
        column = min(range(4), key=lambda i: abs(COLUMN_HZ[i] - column_hz))
        keys.append(key_at(row, column))
    return "".join(keys)


def _samples() -> dict[str, list[tuple[bytes, str]]]:
    sets = {"real": answered_samples(FIXTURES)}
    rng = random.Random(SEED)
    sounds = {
        "emulated": (PROBLEMS, Sound()),
        "noise": (FAULTY_PROBLEMS, Sound(noise_snr_db=CONDITIONS.noise_snr_db)),
        "noise 6 dB": (FAULTY_PROBLEMS, Sound(noise_snr_db=6.0)),
        "clipping": (FAULTY_PROBLEMS, Sound(clip_gain=CONDITIONS.clip_gain)),
        "short_gap": (FAULTY_PROBLEMS, Sound(short_gap_ms=CONDITIONS.short_gap_ms)),
    }
    for name, (count, sound) in sounds.items():
        sets[name] = []
        for _ in range(count):
            sequence = random_sequence(rng)
            sets[name].append((write_wav(sound_sequence(sequence, rng, sound), RATE), sequence))
    return sets


def run() -> dict[str, object]:
    listeners: dict[str, Listener] = {
        "**ours** (tolerances of the standard)": ours,
        "naive FFT peak-picker": naive,
        "ours, accepting only ±1.5%": strict,
    }
    sets = _samples()
    tallies = {name: {s: Tally() for s in sets} for name in listeners}
    for set_name, samples in sets.items():
        for data, sequence in samples:
            for name, listener in listeners.items():
                start = time.process_time()
                heard = listener(read_wav(data, max_seconds=MAX_SECONDS))
                tallies[name][set_name].add(heard == sequence, time.process_time() - start)
    headers = [
        f"real ({len(sets['real'])})",
        f"emulated ({len(sets['emulated'])})",
        f"noise {CONDITIONS.noise_snr_db:g} dB ({len(sets['noise'])})",
        f"noise 6 dB ({len(sets['noise 6 dB'])})",
        f"clipping ×{CONDITIONS.clip_gain:g} ({len(sets['clipping'])})",
        f"{CONDITIONS.short_gap_ms} ms pauses ({len(sets['short_gap'])})",
    ]
    rows = tally_header("listener", headers)
    for name in listeners:
        rows.append(tally_row(name, tallies[name]))
    mine, theirs, _ = (tallies[name] for name in listeners)
    theirs_share = {s: tally.share() for s, tally in theirs.items()}
    targets = [
        *accuracy_targets(mine),
        never_worse_target("right, against the naive peak-picker, per set", mine, theirs_share),
    ]
    return {
        "title": "touch_tone_dialing: sequences heard right and CPU time per solve",
        "markdown": "\n".join(rows),
        "targets": targets,
    }


if __name__ == "__main__":
    print(run()["markdown"])

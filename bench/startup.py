"""Start-up: median cold start of ``hackattic --help`` and ``hackattic list`` against a bare
``python -c pass``. Target: at most 8 times the bare interpreter."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.table import Table

from bench.common import markdown, target

TARGET_RATIO = 8.0
BIN = Path(sys.executable).parent
TITLE = "Start-up (the core)"


def _time_command(argv: list[str], runs: int) -> float:
    """Median wall time of ``argv`` in seconds, after one warm-up run (page cache)."""
    subprocess.run(argv, capture_output=True, check=False)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure(runs: int = 15) -> dict[str, Any]:
    """Time the bare interpreter and the two commands."""
    bare = _time_command([sys.executable, "-c", "pass"], runs)
    commands = {
        "hackattic --help": [str(BIN / "hackattic"), "--help"],
        "hackattic list": [str(BIN / "hackattic"), "list"],
    }
    results: dict[str, Any] = {"runs": runs, "python -c pass": {"median_ms": bare * 1000}}
    for name, argv in commands.items():
        median = _time_command(argv, runs)
        results[name] = {
            "median_ms": median * 1000,
            "ratio": median / bare,
            "meets_target": median / bare <= TARGET_RATIO,
        }
    return results


def table(results: dict[str, Any]) -> Table:
    """The start-up table."""
    out = Table(title=f"Start-up (median of {results['runs']} runs; target ≤ {TARGET_RATIO:g}×)")
    for column in ("command", "median ms", "× python -c pass", "target met"):
        out.add_column(column)
    for name, row in results.items():
        if name == "runs":
            continue
        ratio = row.get("ratio")
        out.add_row(
            name,
            f"{row['median_ms']:.1f}",
            "1.0" if ratio is None else f"{ratio:.1f}",
            "" if ratio is None else ("yes" if row["meets_target"] else "no"),
        )
    return out


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        target(
            "start-up",
            f"{name} ≤ {TARGET_RATIO:g}× python -c pass",
            f"{row['ratio']:.1f}× ({row['median_ms']:.0f} ms)",
            row["meets_target"],
        )
        for name, row in results.items()
        if isinstance(row, dict) and "ratio" in row
    ]


def run(quick: bool = False) -> dict[str, Any]:
    """The benchmark as ``python -m bench`` runs it (quick: 3 runs a command)."""
    results = measure(runs=3 if quick else 15)
    return {
        "title": TITLE,
        "markdown": markdown(table(results)),
        "targets": targets(results),
        **results,
    }


if __name__ == "__main__":
    from rich.console import Console

    Console().print(table(measure()))

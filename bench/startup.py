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

TARGET_RATIO = 8.0
BIN = Path(sys.executable).parent


def _time_command(argv: list[str], runs: int) -> float:
    """Median wall time of ``argv`` in seconds, after one warm-up run (page cache)."""
    subprocess.run(argv, capture_output=True, check=False)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def run(runs: int = 15) -> dict[str, Any]:
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


if __name__ == "__main__":
    from rich.console import Console

    Console().print(table(run()))

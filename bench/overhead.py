"""End-to-end overhead: a whole ``hackattic run websocket_chit_chat`` minus the waiting.

A run of chit chat is mostly waiting for the server's beats: its wall time is the sum of
the beat intervals plus everything else (interpreter start-up and imports, loading the
plugins, starting the sandbox, fetching the problem, opening the WebSocket, the last
answer's round trip and the congratulations, submitting, shutting down). That
everything-else is the overhead measured here, in two set-ups, each a subprocess timed
from spawn to exit (seeded, real intervals: time scale 1, no latency, ``--attempts 1``):

* **embedded**: ``hackattic run websocket_chit_chat --sandbox --json --seed S -o rounds=R``,
  what ``make demo`` runs: the sandbox starts and stops inside the timed process.
* **external**: a sandbox process (``hackattic sandbox --port 0 --json --seed S
  -o websocket_chit_chat.rounds=R``) already running, and ``hackattic run
  websocket_chit_chat --json`` pointed at it with
  ``HACKATTIC_BASE_URL`` / ``HACKATTIC_ACCESS_TOKEN``, as a run against hackattic.com.

The intervals come from the external sandbox's ``/_/stats`` (the beats it actually sent).
The embedded run uses the same seed and rounds, and a fresh sandbox's first problem is a
function of the seed alone (``--seed``: reproducible problems), so its beats are the same.
Both runs must pass at their first attempt, and each run's own ``solve`` time must exceed
the sum by less than 95 ms (two schedules of the same length differ by a multiple of
100 ms), which confirms that it waited for exactly these beats.

Besides ``wall − Σ intervals`` the table splits the overhead with the run's own ``--json``
timings: outside the run (``wall − total``: start-up, imports, plugin loading, the
embedded sandbox's start and stop), fetch, submit, and ``solve − Σ intervals`` (the
WebSocket handshake, the last answer's round trip and the congratulations).

Run ``python -m bench --only overhead`` (or ``python -m bench.overhead`` with options) for
this table alone. Chit chat is the vehicle (a run that mostly waits, with a known schedule),
but what is measured is the core's: start-up, plugins, the sandbox, the HTTP API.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import time
from collections.abc import Sequence
from typing import Any

from rich.table import Table

from bench.common import HACKATTIC, clean_env, markdown, sandbox_process, scratch_dir, target

SLUG = "websocket_chit_chat"
TITLE = "End-to-end overhead (the core)"
RUN_TIMEOUT = 300.0
SCHEDULE_SLACK = 0.005
SCHEDULE_TOLERANCE = 0.095
"""solve − Σ intervals must lie within these (s) for the intervals to be the run's."""


def _timed_run(argv: list[str], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    """Wall seconds from spawn to exit, and the run's ``--json`` object."""
    started = time.perf_counter()
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env=env,
        cwd=scratch_dir(),
        timeout=RUN_TIMEOUT,
        check=False,
    )
    wall = time.perf_counter() - started
    try:
        result: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(
            f"{' '.join(argv[1:3])} printed no JSON (exit {done.returncode}): "
            f"{done.stderr.strip()[-2000:]}"
        ) from None
    if result.get("status") != "passed" or len(result.get("attempts", [])) != 1:
        raise RuntimeError(f"the run did not pass at its first attempt: {result}")
    return wall, result


def _breakdown(wall: float, intervals_s: float, result: dict[str, Any]) -> dict[str, Any]:
    timings = result["timings"]
    total = float(timings["total"])
    solve_extra = float(timings["solve"]) - intervals_s
    return {
        "wall_s": round(wall, 4),
        "intervals_s": round(intervals_s, 4),
        "overhead_ms": round((wall - intervals_s) * 1000, 1),
        "outside_run_ms": round((wall - total) * 1000, 1),
        "fetch_ms": round(float(timings.get("fetch", 0.0)) * 1000, 1),
        "solve_minus_intervals_ms": round(solve_extra * 1000, 1),
        # Two schedules of the same length differ by a multiple of 100 ms: the solve time
        # tells whether this run really waited for these intervals.
        "schedule_consistent": -SCHEDULE_SLACK < solve_extra < SCHEDULE_TOLERANCE,
        "submit_ms": round(float(timings.get("submit", 0.0)) * 1000, 1),
        "timings": timings,
    }


def measure(rounds: int = 10, seed: int = 1) -> dict[str, Any]:
    """Both set-ups, one run each: a JSON-able result."""
    started = time.perf_counter()
    time_scale = 1.0
    options = {f"{SLUG}.rounds": rounds, f"{SLUG}.latency": "none", f"{SLUG}.timer_late_ms": 0}
    with sandbox_process(time_scale=time_scale, seed=seed, options=options) as sandbox:
        env = clean_env(
            {"HACKATTIC_BASE_URL": sandbox.base_url, "HACKATTIC_ACCESS_TOKEN": sandbox.access_token}
        )
        wall_external, external = _timed_run(
            [HACKATTIC, "run", SLUG, "--json", "--attempts", "1"], env
        )
        stats = sandbox.challenge_stats(SLUG)
    conversations = stats["conversations"]
    if len(conversations) != 1:
        raise RuntimeError(f"expected one conversation, the sandbox saw {len(conversations)}")
    intervals_ms = [int(p["interval_ms"]) for p in conversations[0]["pings"]]
    intervals_s = math.fsum(intervals_ms) * time_scale / 1000
    embedded_argv = [HACKATTIC, "run", SLUG, "--sandbox", "--json", "--attempts", "1"]
    embedded_argv += ["--seed", str(seed), "-o", f"rounds={rounds}"]
    embedded_argv += ["--time-scale", repr(time_scale), "-o", "latency=none"]
    embedded_argv += ["-o", "timer_late_ms=0"]  # the exact schedule the external sandbox has
    wall_embedded, embedded = _timed_run(embedded_argv, clean_env())
    embedded_row = _breakdown(wall_embedded, intervals_s, embedded)
    external_row = _breakdown(wall_external, intervals_s, external)
    return {
        "rounds": rounds,
        "time_scale": time_scale,
        "seed": seed,
        "intervals_ms": intervals_ms,
        "runs": {
            "embedded": embedded_row,
            "external": external_row,
        },
        "schedule_consistent": all(r["schedule_consistent"] for r in (embedded_row, external_row)),
        "seconds": round(time.perf_counter() - started, 2),
    }


def table(results: dict[str, Any]) -> Table:
    """The overhead table: one row a set-up."""
    intervals = results["intervals_ms"]
    out = Table(
        title=f"End-to-end overhead: hackattic run websocket_chit_chat, {results['rounds']} "
        f"rounds at time scale {results['time_scale']:g} (seed {results['seed']})",
        caption=f"overhead = wall − Σ intervals (Σ = {sum(intervals) / 1000:.1f} s: "
        f"{', '.join(map(str, intervals))} ms). outside run = wall − the run's own total "
        f"(start-up, imports, plugins; embedded: the sandbox's start and stop); handshake+"
        f"last = solve − Σ intervals"
        + ("" if results["schedule_consistent"] else " [red](NOT consistent with Σ!)[/]")
        + f". Ran in {results['seconds']} s.",
    )
    columns = (
        "set-up",
        "wall s",
        "Σ intervals s",
        "overhead ms",
        "outside run ms",
        "fetch ms",
        "handshake+last ms",
        "submit ms",
    )
    for column in columns:
        out.add_column(column, justify="left" if column == "set-up" else "right")
    labels = {
        "embedded": "embedded (--sandbox)",
        "external": "external sandbox process",
    }
    for name, row in results["runs"].items():
        out.add_row(
            labels.get(name, name),
            f"{row['wall_s']:.3f}",
            f"{row['intervals_s']:.3f}",
            f"{row['overhead_ms']:.0f}",
            f"{row['outside_run_ms']:.0f}",
            f"{row['fetch_ms']:.1f}",
            f"{row['solve_minus_intervals_ms']:.1f}",
            f"{row['submit_ms']:.1f}",
        )
    return out


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    runs = results["runs"]
    return [
        target(
            "overhead",
            "(none: reported)",
            ", ".join(f"{name} {row['overhead_ms']:.0f} ms" for name, row in runs.items())
            + ("" if results["schedule_consistent"] else " (schedule check failed)"),
            None,
        )
    ]


def run(quick: bool = False) -> dict[str, Any]:
    """The benchmark as ``python -m bench`` runs it (quick: 2 rounds)."""
    results = measure(rounds=2 if quick else 10, seed=1)
    return {
        "title": TITLE,
        "markdown": markdown(table(results)),
        "targets": targets(results),
        **results,
    }


def main(argv: Sequence[str] | None = None) -> None:
    from rich.console import Console

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    Console(width=max(Console().width, 120)).print(table(measure(args.rounds, args.seed)))


if __name__ == "__main__":
    main()

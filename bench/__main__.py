"""Run every benchmark, print its table, and merge the results into ``bench/results.json``.

::

    python -m bench                      # everything (a few minutes): results.json + the plot
    python -m bench --quick              # a smoke run: small sizes, written under bench/out/
    python -m bench --only reaction concurrency

Each benchmark's entry in the results file records its date, the machine (CPU model,
cores, memory, Python, load average) and whether it was a quick run; entries of benchmarks
not run this time are kept. A benchmark that fails is reported (and recorded) and the
others still run; the exit status is then 1. See ``bench/README.md`` for what each one
measures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import (
    concurrency,
    decoder_quality,
    mini_miner,
    overhead,
    password_hashing,
    reaction,
    startup,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
PLOT = HERE / "decoder_quality.png"
QUICK_DIR = HERE / "out"
WIDTH = 150
"""Tables are printed at least this wide, also into a pipe or a file."""


@dataclass(frozen=True)
class Benchmark:
    name: str
    run: Callable[[bool], dict[str, Any]]
    """Runs it (``True``: quick sizes) and returns its JSON-able results."""
    table: Callable[[dict[str, Any]], Table]


def _decoder_quality(quick: bool) -> dict[str, Any]:
    return decoder_quality.run(conversations=200 if quick else 2000, seed=1)


def _startup(quick: bool) -> dict[str, Any]:
    return startup.run(runs=3 if quick else 15)


def _reaction(quick: bool) -> dict[str, Any]:
    if quick:
        return reaction.run(rounds=20, time_scale=0.1, seed=1)
    return reaction.run(rounds=100, time_scale=0.2, seed=1)


def _concurrency(quick: bool) -> dict[str, Any]:
    if quick:
        return concurrency.run(levels=(50, 100), rounds=3, time_scale=0.5, seed=1)
    return concurrency.run(levels=concurrency.LEVELS, rounds=10, time_scale=0.5, seed=1)


def _overhead(quick: bool) -> dict[str, Any]:
    return overhead.run(rounds=2 if quick else 10, seed=1)


BENCHMARKS = (
    Benchmark("decoder_quality", _decoder_quality, decoder_quality.table),
    Benchmark("startup", _startup, startup.table),
    Benchmark("reaction", _reaction, reaction.table),
    Benchmark("concurrency", _concurrency, concurrency.table),
    Benchmark("overhead", _overhead, overhead.table),
    Benchmark("mini_miner", mini_miner.run, mini_miner.table),
    Benchmark("password_hashing", password_hashing.run, password_hashing.table),
)
NAMES = tuple(b.name for b in BENCHMARKS)


# ----------------------------------------------------------------------------- the machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        done = subprocess.run(
            ["sysctl", "-n", "machdep.cpu.brand_string"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    return platform.processor() or platform.machine() or "unknown"


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=HERE,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def machine() -> dict[str, Any]:
    """What the figures depend on: CPU, cores, memory, Python, OS, the load right now."""
    import psutil  # type: ignore[import-untyped]  # no stubs, none added

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_bytes": psutil.virtual_memory().total,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "load_average": None if load is None else [round(x, 2) for x in load],
        "commit": _git_commit(),
    }


# ----------------------------------------------------------------------------- results


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def merge(path: Path, entries: dict[str, dict[str, Any]], info: dict[str, Any]) -> None:
    """Write ``entries`` into the results file at ``path``, keeping the other benchmarks'."""
    data = _load(path)
    benchmarks = data.get("benchmarks")
    if not isinstance(benchmarks, dict):
        benchmarks = {}
    benchmarks.update(entries)
    data = {
        "updated": info["date"],
        "machine": info["machine"],
        "command": "python -m bench",
        "benchmarks": {name: benchmarks[name] for name in sorted(benchmarks)},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)


# ----------------------------------------------------------------------------- targets


def _yes(flag: Any) -> str:
    if flag is None:
        return "–"
    return "[green]met[/]" if flag else "[red]missed[/]"


def _fmt(value: Any, unit: str = "") -> str:
    return "–" if value is None else f"{value:.2f}{unit}"


def _missing_closed(r: dict[str, Any]) -> str:
    """Where ours misses the closed target, and where no decoder could meet it."""
    if not r["profiles_missing_closed"]:
        return f"mean closed {100 * (r['mean_closed'] or 0):.1f}%"
    text = "missed on: " + ", ".join(r["profiles_missing_closed"])
    out_of_reach = r.get("profiles_out_of_reach") or []
    if out_of_reach:
        text += " (beyond the Bayes ceiling on: " + ", ".join(out_of_reach) + ")"
    return text


def targets(results: dict[str, dict[str, Any]]) -> Table:
    """One row per target: what it is, what was measured, met or not."""
    out = Table(title="Targets")
    for column in ("benchmark", "target", "measured", "verdict"):
        out.add_column(column)
    r = results.get("decoder_quality")
    if r is not None:
        out.add_row(
            "decoder quality",
            f"closed ≥ {r['targets']['closed']:.0%} on every profile",
            _missing_closed(r),
            _yes(r["meets_closed_everywhere"]),
        )
        out.add_row(
            "decoder quality",
            f"mean share of ours ≥ {r['targets']['mean_share']:.0%}",
            f"{100 * r['mean_share']['ours']:.1f}% (the oracle itself: "
            f"{100 * r['mean_share']['oracle']:.1f}%)",
            _yes(r["meets_mean_share"]),
        )
    r = results.get("startup")
    if r is not None:
        for name, row in r.items():
            if isinstance(row, dict) and "ratio" in row:
                out.add_row(
                    "start-up",
                    f"{name} ≤ {startup.TARGET_RATIO:g}× python -c pass",
                    f"{row['ratio']:.1f}× ({row['median_ms']:.0f} ms)",
                    _yes(row["meets_target"]),
                )
    r = results.get("reaction")
    if r is not None:
        server = r["server_reaction_ms"]
        out.add_row(
            "reaction",
            f"server-seen p99 ≤ {r['target_p99_ms']:g} ms",
            f"p99 {_fmt(server['p99'], ' ms')} (p50 {_fmt(server['p50'], ' ms')}, "
            f"max {_fmt(server['max'], ' ms')}; {r['outcome']})",
            _yes(r["meets_target"]),
        )
    r = results.get("concurrency")
    if r is not None:
        goal = r["target"]
        rows = [x for x in r["levels"] if x["conversations"] == goal["conversations"]]
        measured = "not run at this size"
        if rows:
            x = rows[0]
            measured = (
                f"{x['passed']}/{x['conversations']} passed, reaction p99 "
                f"{_fmt(x['reaction_p99_ms'], ' ms')}"
            )
        out.add_row(
            "concurrency",
            f"{goal['conversations']}: none lost, reaction p99 ≤ {goal['reaction_p99_ms']:g} ms",
            measured,
            _yes(r["meets_target"]),
        )
    r = results.get("mini_miner")
    if r is not None:
        goals = r["targets"]
        limit = r["ours_vs_openssl"]
        for target, measured, verdict in (
            (
                f"ours ≥ {goals['vs_naive']:g}× naive per core",
                f"{r['ours_vs_naive']:.1f}×",
                r["meets_vs_naive"],
            ),
            (
                f"ours ≥ {goals['vs_openssl']:.0%} of openssl's single-core SHA-256",
                "openssl not found" if limit is None else f"{limit:.0%}",
                r["meets_vs_openssl"],
            ),
            (
                f"scaling efficiency ≥ {goals['scaling_efficiency']:.0%} on {r['cores']} cores",
                f"{r['scaling_efficiency']:.0%}",
                r["meets_scaling"],
            ),
        ):
            out.add_row("mini_miner", target, measured, _yes(verdict))
    r = results.get("password_hashing")
    if r is not None:
        out.add_row(
            "password_hashing",
            "PBKDF2 and scrypt at once: the solve hides ≥ half of the shorter hash",
            "; ".join(
                f"{case['name']}: solve {case['solve_seconds']:.2f} s "
                f"(PBKDF2 + scrypt = {case['sum_seconds']:.2f} s)"
                for case in r["cases"]
                if "solve_seconds" in case
            ),
            _yes(r["at_once"]),
        )
    r = results.get("overhead")
    if r is not None:
        runs = r["runs"]
        out.add_row(
            "overhead",
            "(none: reported)",
            ", ".join(f"{name} {row['overhead_ms']:.0f} ms" for name, row in runs.items())
            + ("" if r["schedule_consistent"] else " [red](schedule check failed)[/]"),
            "–",
        )
    return out


# ----------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes for a smoke run; results go under bench/out/ unless --output",
    )
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME", help=" ".join(NAMES))
    parser.add_argument("--output", type=Path, help="results file (default bench/results.json)")
    args = parser.parse_args(argv)
    quick: bool = args.quick
    output: Path = args.output or (QUICK_DIR / "results-quick.json" if quick else RESULTS)
    plot_path = QUICK_DIR / "decoder_quality-quick.png" if quick else PLOT
    chosen = [b for b in BENCHMARKS if args.only is None or b.name in args.only]

    console = Console(width=max(Console().width, WIDTH))
    # Many sockets at once (concurrency): the sandbox and client processes inherit this.
    reaction.raise_fd_limit()
    info: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    m = info["machine"]
    console.print(
        f"[bold]hackattic benchmarks[/]{' (quick)' if quick else ''}: {m['cpu_model']}, "
        f"{m['logical_cores']} logical cores, Python {m['python']}, load {m['load_average']}"
    )
    started = time.perf_counter()
    entries: dict[str, dict[str, Any]] = {}
    results: dict[str, dict[str, Any]] = {}
    failed: list[str] = []
    for benchmark in chosen:
        console.rule(benchmark.name)
        began = time.perf_counter()
        entry: dict[str, Any] = {"date": info["date"], "quick": quick, "machine": m}
        try:
            result = benchmark.run(quick)
        except Exception as exc:
            console.print_exception(max_frames=5)
            entry["error"] = f"{type(exc).__name__}: {exc}"
            failed.append(benchmark.name)
        else:
            results[benchmark.name] = result
            entry["results"] = result
            console.print(benchmark.table(result))
            if benchmark.name == "decoder_quality":
                decoder_quality.plot(result, plot_path)
                entry["plot"] = str(plot_path.relative_to(HERE.parent))
                console.print(f"plot: {plot_path}")
        entry["wall_seconds"] = round(time.perf_counter() - began, 2)
        entries[benchmark.name] = entry
        # Written after every benchmark: an interrupted run keeps what it measured.
        merge(output, entries, info)
    console.rule()
    if results:
        console.print(targets(results))
    elapsed = time.perf_counter() - started
    console.print(f"results: {output} (all benchmarks ran in {elapsed:.0f} s)")
    if failed:
        console.print(f"[red]failed: {', '.join(failed)}[/]")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

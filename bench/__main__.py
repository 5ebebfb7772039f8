"""Run every benchmark, print its table, and merge the results into ``bench/results.json``.

::

    python -m bench                      # everything (a few minutes): results.json + plots
    python -m bench --quick              # a smoke run: small sizes, written under bench/out/
    python -m bench --only reaction concurrency

The benchmarks are discovered: the core's own modules in ``bench/`` (``overhead``,
``startup``) and each challenge's ``plugins/<slug>/benchmarks/bench_<name>.py`` (named
``<name>``). Each module exposes ``run(quick: bool = False) -> dict`` (``run()`` without
the argument is called without it) returning its JSON-able results with ``title``,
``markdown`` (its table) and ``targets`` (rows of ``name``, ``target``, ``measured``,
``met``); see :mod:`bench.common`. This runner knows no benchmark's schema.

Each benchmark's entry in the results file records its date, the machine (CPU model,
cores, memory, Python, load average) and whether it was a quick run; entries of benchmarks
not run this time are kept. A benchmark that fails (or does not follow the protocol) is
reported and recorded, and the others still run; the exit status is then 1. See
``bench/README.md`` for what each one measures.
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from bench.common import QUICK_DIR, discover, load, raise_fd_limit

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
WIDTH = 150
"""Tables are printed at least this wide, also into a pipe or a file."""


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


def targets(results: dict[str, dict[str, Any]]) -> Table:
    """One row per target every benchmark reported: what it is, measured, met or not."""
    out = Table(title="Targets")
    for column in ("benchmark", "target", "measured", "verdict"):
        out.add_column(column)
    for name, result in results.items():
        for row in result.get("targets") or []:
            out.add_row(
                str(row.get("name") or name),
                str(row.get("target", "")),
                str(row.get("measured", "")),
                _yes(row.get("met")),
            )
    return out


def call_run(module: Any, quick: bool) -> dict[str, Any]:
    """``module.run(quick)``, or ``module.run()`` when it takes no argument; its result
    checked against the protocol."""
    run = module.run
    accepts_quick = "quick" in inspect.signature(run).parameters
    result = run(quick=quick) if accepts_quick else run()
    if not isinstance(result, dict):
        raise TypeError(f"run() returned {type(result).__name__}, not a dict")
    for key, kind in (("title", str), ("markdown", str), ("targets", list)):
        if not isinstance(result.get(key), kind):
            raise TypeError(f"run()'s result needs {key!r} ({kind.__name__})")
    return result


def _jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it (what a benchmark returned is recorded as is)."""
    return json.loads(json.dumps(value, default=str))


# ----------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    found = discover()
    names = tuple(found)
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes for a smoke run; results go under bench/out/ unless --output",
    )
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME", help=" ".join(names))
    parser.add_argument("--output", type=Path, help="results file (default bench/results.json)")
    args = parser.parse_args(argv)
    quick: bool = args.quick
    output: Path = args.output or (QUICK_DIR / "results-quick.json" if quick else RESULTS)
    chosen = [name for name in names if args.only is None or name in args.only]

    console = Console(width=max(Console().width, WIDTH))
    # Many sockets at once (concurrency): the sandbox and client processes inherit this.
    raise_fd_limit()
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
    for name in chosen:
        path = found[name]
        console.rule(f"{name} ({path.relative_to(HERE.parent)})")
        began = time.perf_counter()
        entry: dict[str, Any] = {"date": info["date"], "quick": quick, "machine": m}
        try:
            result = call_run(load(path), quick)
        except Exception as exc:
            console.print_exception(max_frames=5)
            entry["error"] = f"{type(exc).__name__}: {exc}"
            failed.append(name)
        else:
            results[name] = result
            entry["results"] = _jsonable(result)
            console.print(Markdown(f"### {result['title']}\n\n{result['markdown']}"))
        entry["wall_seconds"] = round(time.perf_counter() - began, 2)
        entries[name] = entry
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

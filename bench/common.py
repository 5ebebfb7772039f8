"""What every benchmark may share: processes, environments, statistics, tables, targets.

The one generic helper module of the benchmarks (the core's in ``bench/``, each
challenge's in ``plugins/<slug>/benchmarks/``): nothing here knows a challenge. A
benchmark module exposes ``run(quick: bool = False) -> dict`` returning its JSON-able
results with at least ``title`` (str), ``markdown`` (its table, see :func:`markdown`) and
``targets`` (a list of :func:`target` rows); ``python -m bench`` finds, runs and prints
them (see ``bench/README.md``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import resource
import selectors
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import httpx
from rich.table import Table
from rich.text import Text

BIN = Path(sys.executable).parent
HACKATTIC = str(BIN / "hackattic")
"""The console script a user runs, beside this interpreter."""
REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
QUICK_DIR = BENCH / "out"
"""Where a quick run writes what it produces (git-ignored)."""
START_TIMEOUT = 30.0
"""Seconds a sandbox process may take to announce itself."""


# ----------------------------------------------------------------------------- results


def target(name: str, goal: str, measured: str, met: bool | None) -> dict[str, Any]:
    """One row of the Targets table: what is aimed at, what was measured, met or not
    (None: nothing to meet, reported only)."""
    return {"name": name, "target": goal, "measured": measured, "met": met}


def markdown(table: Table) -> str:
    """A rich table as a Markdown table (its title bold above, its caption below), markup
    stripped: what ``python -m bench`` prints and a README can quote."""

    def plain(cell: Any) -> str:
        text = cell.plain if isinstance(cell, Text) else Text.from_markup(str(cell)).plain
        return text.replace("|", "\\|").replace("\n", " ")

    columns = table.columns
    lines = []
    if table.title:
        lines += [f"**{plain(table.title)}**", ""]
    lines.append("| " + " | ".join(plain(column.header) for column in columns) + " |")
    lines.append("| " + " | ".join("---" for _ in columns) + " |")
    cells = [[plain(cell) for cell in column.cells] for column in columns]
    for row in zip(*cells, strict=True):
        lines.append("| " + " | ".join(row) + " |")
    if table.caption:
        lines += ["", plain(table.caption)]
    return "\n".join(lines)


def verdict(flag: bool | None) -> str:
    """``met`` / ``missed`` in colour (``–`` for None), for a table's last column."""
    if flag is None:
        return "–"
    return "[green]met[/]" if flag else "[red]missed[/]"


# ----------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def stat_ms(values: Sequence[float]) -> dict[str, float | None]:
    """Nearest-rank p50 / p99 and the max of ``values`` (ms), as the sandbox computes them."""
    data = list(values)
    return {
        "n": len(data),
        "p50": percentile(data, 0.50),
        "p99": percentile(data, 0.99),
        "max": max(data, default=None),
    }


def load_average() -> list[float] | None:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


# ----------------------------------------------------------------------------- processes


def raise_fd_limit() -> int:
    """Raise this process's open-file soft limit to the hard limit; returns the new soft."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        goal = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (goal, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without any ``HACKATTIC_*`` setting (the benchmark sets its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HACKATTIC_")}
    env.update(extra or {})
    return env


def scratch_dir() -> str:
    """A directory without a ``.env``: subprocesses started there see only what we pass."""
    path = Path(tempfile.gettempdir()) / "hackattic-bench"
    path.mkdir(exist_ok=True)
    return str(path)


def peak_rss_bytes(pid: int) -> int | None:
    """A live process's peak resident set (``VmHWM``, Linux), or None where unknown."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


def own_peak_rss_bytes() -> int:
    """This process's peak resident set.

    ``VmHWM`` where there is one: on Linux ``ru_maxrss`` survives ``exec`` and so counts
    the parent's size at the fork (a child of a big process looks big). Elsewhere
    ``ru_maxrss`` (KiB on Linux, bytes on macOS).
    """
    hwm = peak_rss_bytes(os.getpid())
    if hwm is not None:
        return hwm
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


@dataclass
class SandboxProcess:
    """A ``hackattic sandbox`` running as a child process."""

    process: subprocess.Popen[str]
    base_url: str
    access_token: str
    stderr: IO[str]

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def ws_base_url(self) -> str:
        return "ws" + self.base_url.removeprefix("http")

    def stats(self) -> dict[str, Any]:
        """``GET /_/stats`` (the whole body)."""
        with httpx.Client(trust_env=False, timeout=30) as client:
            response = client.get(
                f"{self.base_url}/_/stats", params={"access_token": self.access_token}
            )
            response.raise_for_status()
            body: dict[str, Any] = response.json()
            return body

    def challenge_stats(self, slug: str) -> dict[str, Any]:
        """One emulation's stats."""
        stats: dict[str, Any] = self.stats()["challenges"][slug]
        return stats

    def problem(self, slug: str) -> dict[str, Any]:
        """A fresh problem of ``slug``."""
        with httpx.Client(trust_env=False, timeout=30) as client:
            return fetch_problem_sync(client, self.base_url, self.access_token, slug)

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-2000:]


def fetch_problem_sync(
    client: httpx.Client, base_url: str, access_token: str, slug: str
) -> dict[str, Any]:
    response = client.get(
        f"{base_url}/challenges/{slug}/problem", params={"access_token": access_token}
    )
    response.raise_for_status()
    problem: dict[str, Any] = response.json()
    return problem


async def fetch_problem(
    client: httpx.AsyncClient, base_url: str, access_token: str, slug: str
) -> dict[str, Any]:
    """A fresh problem of ``slug`` (async)."""
    response = await client.get(
        f"{base_url}/challenges/{slug}/problem", params={"access_token": access_token}
    )
    response.raise_for_status()
    problem: dict[str, Any] = response.json()
    return problem


def _read_first_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise TimeoutError(f"the sandbox did not announce itself within {timeout:g} s")
    return process.stdout.readline()


def stop(process: subprocess.Popen[str], timeout: float = 10.0) -> None:
    """SIGTERM (the CLI turns it into a clean shutdown), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def sandbox_process(
    *, time_scale: float, seed: int, options: Mapping[str, object] | None = None
) -> Iterator[SandboxProcess]:
    """Start ``hackattic sandbox --port 0 --json`` with this time scale, seed and emulation
    options (``{"slug.name": value}``, each a ``-o``); stop it after.

    It runs in a scratch directory with no ``HACKATTIC_*`` in its environment, so neither a
    ``.env`` nor the caller's settings change its conditions. It inherits this process's
    open-file limit (call :func:`raise_fd_limit` first for many connections).
    """
    argv = [
        HACKATTIC,
        "sandbox",
        "--port",
        "0",
        "--json",
        "--time-scale",
        repr(time_scale),
        "--seed",
        str(seed),
    ]
    for name, value in (options or {}).items():
        argv += ["-o", f"{name}={value}"]
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            env=clean_env(),
            cwd=scratch_dir(),
        )
        try:
            line = _read_first_line(process, START_TIMEOUT)
            if not line:
                process.wait(5)
                stderr.seek(0)
                raise RuntimeError(
                    f"the sandbox exited ({process.returncode}) before announcing itself: "
                    f"{stderr.read()[-1000:]}"
                )
            announced = json.loads(line)
            yield SandboxProcess(process, announced["base_url"], announced["access_token"], stderr)
        finally:
            stop(process)
            if process.stdout is not None:
                process.stdout.close()


# ----------------------------------------------------------------------------- discovery


def discover() -> dict[str, Path]:
    """Every benchmark module by name: ``bench/*.py`` (the core's; not this module, nor the
    package's own files) and ``plugins/*/benchmarks/bench_*.py`` (``bench_`` dropped)."""
    found: dict[str, Path] = {}
    for path in sorted(BENCH.glob("*.py")):
        if path.stem not in ("__init__", "__main__", "common"):
            found[path.stem] = path
    for path in sorted(REPO.glob("plugins/*/benchmarks/bench_*.py")):
        found[path.stem.removeprefix("bench_")] = path
    return found


def load(path: Path) -> ModuleType:
    """Import a benchmark module from its file (its folder's helpers importable too)."""
    if path.parent == BENCH:
        return importlib.import_module(f"bench.{path.stem}")
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = path.stem
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------- accuracy


class Tally:
    """How many answers one method got right, of how many, and the seconds each took: one
    cell of an accuracy table (a method on one set of samples)."""

    def __init__(self) -> None:
        self.right = 0
        self.total = 0
        self.seconds: list[float] = []

    def add(self, correct: bool, seconds: float) -> None:
        self.right += correct
        self.total += 1
        self.seconds.append(seconds)

    def share(self) -> float:
        return self.right / self.total if self.total else 0.0

    def cell(self) -> str:
        """``3/3`` for a handful of samples, a percentage beyond."""
        return f"{self.right}/{self.total}" if self.total < 10 else f"{self.share():.1%}"


def answered_samples(fixtures: Path) -> list[tuple[bytes, str]]:
    """Real payloads with their verified answers: ``fixtures/answers.json`` maps the name
    of a file in ``fixtures`` to its answer."""
    answers: dict[str, str] = json.loads((fixtures / "answers.json").read_text())
    return [((fixtures / name).read_bytes(), answer) for name, answer in answers.items()]


def tally_header(first: str, sets: Sequence[str]) -> list[str]:
    """The two header lines of an accuracy table in Markdown: the methods' column
    (``first``), a column a set of samples, then the time per solve (see :func:`tally_row`)."""
    headers = [first, *sets, "CPU per solve, median / max"]
    return ["| " + " | ".join(headers) + " |", "|---" + "|---:" * (len(headers) - 1) + "|"]


def tally_row(name: str, tallies: Mapping[str, Tally]) -> str:
    """A Markdown row: the method, its cell on each set, then its seconds per solve over
    every set (median / max, in ms)."""
    seconds = [t for tally in tallies.values() for t in tally.seconds]
    cells = [tally.cell() for tally in tallies.values()]
    cells.append(f"{statistics.median(seconds) * 1e3:.1f} ms / {max(seconds) * 1e3:.1f} ms")
    return f"| {name} | " + " | ".join(cells) + " |"


def accuracy_targets(
    mine: Mapping[str, Tally],
    *,
    real: str = "real",
    emulated: str = "emulated",
    goal: float = 0.995,
    cpu_seconds: float = 1.0,
) -> list[dict[str, Any]]:
    """The targets of a method that reads answers: every real payload right, ``goal`` of
    the emulated ones, each solve under ``cpu_seconds`` (over every set)."""
    worst = max(t for tally in mine.values() for t in tally.seconds)
    share = mine[emulated].share()
    return [
        target("real payloads right", "all", mine[real].cell(), mine[real].share() == 1),
        target("emulated problems right", f"≥ {goal:.1%}", f"{share:.1%}", share >= goal),
        target(
            "CPU per solve",
            f"< {cpu_seconds:g} s",
            f"max {worst * 1e3:.0f} ms",
            worst < cpu_seconds,
        ),
    ]


def never_worse_target(
    name: str, mine: Mapping[str, Tally], theirs: Mapping[str, float]
) -> dict[str, Any]:
    """Ours right at least as often as ``theirs`` (a share per set) on every set, and more
    often on some."""
    shares = {s: tally.share() for s, tally in mine.items()}
    return target(
        name,
        "never fewer, more on some",
        ", ".join(f"{s} {shares[s]:.1%} vs {theirs[s]:.1%}" for s in shares),
        all(shares[s] >= theirs[s] for s in shares) and any(shares[s] > theirs[s] for s in shares),
    )

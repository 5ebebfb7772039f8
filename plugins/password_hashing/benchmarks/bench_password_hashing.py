"""password_hashing: PBKDF2 alone, scrypt alone, and the whole solve that runs both at once.

The solver runs PBKDF2 (hashlib) and scrypt (cryptography/OpenSSL) in two threads, both
releasing the GIL, so a solve should take about the slower of the two, not their sum.
Each parameter set is measured in a fresh process (so that its peak memory is its own):
PBKDF2 alone, scrypt alone, then ``PasswordHashingChallenge.solve`` (the memory and
control checks included), with the solve's CPU time; each figure is the median of 3 runs
(1 for the largest set). ``hidden`` is how much of the shorter
hash the overlap hid: (alone + alone − solve) / shorter, 1 when it ran entirely in the
other's shadow, 0 when one ran after the other; it is only telling when the two are of
similar length (the ``balanced`` set). ``cores used`` is the solve's CPU time over its wall
time: near 2 when both ran on a core each, near 1 when the machine (shared, busy) gave the
process one core, and then no overlap can show.

The full run includes hackattic's largest parameters (N=2**19, r=32, p=2: 2 GiB, about
15 s), skipped with the reason when the machine has not the memory; ``--quick`` uses small
ones. Peak memory is the process's ``VmHWM`` on Linux (``ru_maxrss`` elsewhere), against
the ``128·r·(N+2+p)`` bytes scrypt allocates.

Run ``python -m bench --only password_hashing [--quick]`` for this table alone (this file,
run as a script, is also each case's measuring process).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hackattic_password_hashing.memory import (
    MIB,
    available_memory,
    format_bytes,
    scrypt_memory,
    shortfall,
)
from rich.table import Table

from bench.common import REPO, clean_env, load_average, markdown, scratch_dir, target

TITLE = "PBKDF2 and scrypt at once (password_hashing)"


CASE_TIMEOUT = 300.0
HIDDEN_TARGET = 0.5
"""A balanced set must hide at least this much of its shorter hash to count as at once."""
COMPARABLE = 0.25
"""``hidden`` is shown when the shorter hash takes at least this share of the longer: below
it, the noise of the longer one (page faults of a 2 GiB buffer) outweighs the shorter."""


@dataclass(frozen=True)
class Case:
    """One parameter set."""

    name: str
    rounds: int
    n: int
    r: int
    p: int
    repeats: int = 3
    """Each figure is the median of this many runs (the first, on cold memory, is slower)."""


FULL_CASES = (
    Case("hackattic's smallest", rounds=500_000, n=2**17, r=8, p=2),
    Case("hackattic's example, the sandbox's default", rounds=500_000, n=2**18, r=16, p=2),
    # Two hashes of about the same length (~1 s each here): the overlap shows best.
    Case("balanced", rounds=2_000_000, n=2**16, r=8, p=4),
    # 2 GiB, always fresh from the kernel (beyond malloc's reuse): one run is as good.
    Case("hackattic's largest", rounds=600_000, n=2**19, r=32, p=2, repeats=1),
)
QUICK_CASES = (
    Case("small", rounds=100_000, n=2**14, r=8, p=2),
    Case("balanced (small)", rounds=1_000_000, n=2**15, r=8, p=4),
)


# ----------------------------------------------------------------------------- one process


def _peak_rss() -> int:
    """This process's peak resident memory in bytes."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux


def _timed(function: Any, *args: Any) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


async def _solve(case: Case, password: bytes, salt: bytes) -> tuple[float, float]:
    """Wall and CPU seconds of ``PasswordHashingChallenge.solve`` alone (not its set-up)."""
    import httpx
    from hackattic_password_hashing.challenge import (
        PasswordHashingChallenge,
        PasswordHashingProblem,
        PasswordHashingSettings,
    )

    from hackattic_core import Context, Settings

    problem = PasswordHashingProblem.model_validate(
        {
            "password": password.decode(),
            "salt": base64.b64encode(salt).decode(),
            "pbkdf2": {"rounds": case.rounds, "hash": "sha256"},
            "scrypt": {"N": case.n, "r": case.r, "p": case.p, "buflen": 32},
        }
    )
    async with httpx.AsyncClient() as http:
        context = Context(
            settings=Settings(),
            http=http,
            ws_base_url="ws://127.0.0.1",
            logger=logging.getLogger("bench.password_hashing"),
            plugin_settings=PasswordHashingSettings(),
        )
        cpu_started, started = time.process_time(), time.perf_counter()
        await PasswordHashingChallenge().solve(problem, context)
        return time.perf_counter() - started, time.process_time() - cpu_started


def measure(case: Case) -> dict[str, Any]:
    """Time PBKDF2 alone, scrypt alone and the solve of ``case``, in this process."""
    from hackattic_password_hashing.hashes import pbkdf2_hex, scrypt_hex

    password, salt = "benchmark-€-password".encode(), bytes(range(16))
    baseline = _peak_rss()
    runs: dict[str, list[float]] = {"pbkdf2": [], "scrypt": [], "solve": [], "solve_cpu": []}
    for _ in range(case.repeats):
        runs["pbkdf2"].append(_timed(pbkdf2_hex, "sha256", password, salt, case.rounds))
        runs["scrypt"].append(_timed(scrypt_hex, password, salt, case.n, case.r, case.p, 32))
        solve_wall, solve_cpu_time = asyncio.run(_solve(case, password, salt))
        runs["solve"].append(solve_wall)
        runs["solve_cpu"].append(solve_cpu_time)
    pbkdf2, scrypt, solve, solve_cpu = (statistics.median(runs[k]) for k in runs)
    shorter = min(pbkdf2, scrypt)
    return {
        "pbkdf2_seconds": pbkdf2,
        "scrypt_seconds": scrypt,
        "solve_seconds": solve,
        "solve_cpu_seconds": solve_cpu,
        "sum_seconds": pbkdf2 + scrypt,
        "max_seconds": max(pbkdf2, scrypt),
        "solve_over_max": solve / max(pbkdf2, scrypt),
        "solve_over_sum": solve / (pbkdf2 + scrypt),
        "hidden": (pbkdf2 + scrypt - solve) / shorter if shorter > 0 else None,
        "baseline_rss_bytes": baseline,
        "peak_rss_bytes": _peak_rss(),
    }


# ----------------------------------------------------------------------------- the runs


def run_case(case: Case) -> dict[str, Any]:
    """``case`` measured in a fresh process, or why it was skipped."""
    needed = scrypt_memory(case.n, case.r, case.p)
    entry: dict[str, Any] = {**asdict(case), "memory_needed_bytes": needed}
    reason = shortfall(needed, available_memory())
    if reason is not None:
        return {**entry, "skipped": f"scrypt {reason}"}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--case", json.dumps(asdict(case))],
        capture_output=True,
        text=True,
        env=clean_env({"PYTHONPATH": str(REPO)}),
        cwd=scratch_dir(),
        timeout=CASE_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"{case.name}: the measuring process failed: {last}")
    return {**entry, **json.loads(done.stdout.splitlines()[-1])}


def measure_all(quick: bool) -> dict[str, Any]:
    """Every parameter set (small ones when ``quick``)."""
    load_before = load_average()
    cases = [run_case(case) for case in (QUICK_CASES if quick else FULL_CASES)]
    balanced = [c for c in cases if c["name"].startswith("balanced") and "skipped" not in c]
    return {
        "quick": quick,
        "logical_cores": os.cpu_count(),
        # Before and after: other work on the machine takes cores from the two threads.
        "load_average": {"before": load_before, "after": load_average()},
        "cases": cases,
        "hidden_target": HIDDEN_TARGET,
        "at_once": all(c["hidden"] >= HIDDEN_TARGET for c in balanced) if balanced else None,
    }


def _hidden(case: dict[str, Any]) -> str:
    """The hidden share, where it means something: hashes of comparable length."""
    shorter = min(case["pbkdf2_seconds"], case["scrypt_seconds"])
    if case["hidden"] is None or shorter < COMPARABLE * case["max_seconds"]:
        return "–"
    return f"{100 * case['hidden']:.0f}%"


def table(results: dict[str, Any]) -> Table:
    """One row per parameter set."""
    verdict = {True: "yes", False: "NO", None: "–"}[results["at_once"]]
    load = {
        when: "?" if figures is None else figures[0]
        for when, figures in results["load_average"].items()
    }
    out = Table(
        title=f"password_hashing: PBKDF2 and scrypt alone, and the solve running both at once "
        f"({results['logical_cores']} logical cores, 1-min load {load['before']} before, "
        f"{load['after']} after; "
        f"at once on the balanced set: {verdict})"
    )
    for column in (
        "parameters",
        "scrypt memory",
        "peak RSS",
        "PBKDF2 alone",
        "scrypt alone",
        "sum",
        "solve",
        "solve / max",
        "hidden",
        "cores used",
    ):
        out.add_column(column, justify="left" if column == "parameters" else "right")
    for case in results["cases"]:
        label = f"{case['name']}: {case['rounds']:,} rounds; N=2**{case['n'].bit_length() - 1}, "
        label += f"r={case['r']}, p={case['p']}"
        if "skipped" in case:
            out.add_row(label, format_bytes(case["memory_needed_bytes"]), case["skipped"])
            continue
        out.add_row(
            label,
            format_bytes(case["memory_needed_bytes"]),
            f"{case['peak_rss_bytes'] / MIB:,.0f} MiB",
            f"{case['pbkdf2_seconds']:.2f} s",
            f"{case['scrypt_seconds']:.2f} s",
            f"{case['sum_seconds']:.2f} s",
            f"{case['solve_seconds']:.2f} s",
            f"{case['solve_over_max']:.2f}",
            _hidden(case),
            f"{case['solve_cpu_seconds'] / case['solve_seconds']:.2f}",
        )
    return out


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        target(
            "password_hashing",
            "PBKDF2 and scrypt at once: the solve hides ≥ half of the shorter hash",
            "; ".join(
                f"{case['name']}: solve {case['solve_seconds']:.2f} s "
                f"(PBKDF2 + scrypt = {case['sum_seconds']:.2f} s)"
                for case in results["cases"]
                if "solve_seconds" in case
            ),
            results["at_once"],
        )
    ]


def run(quick: bool = False) -> dict[str, Any]:
    """The benchmark as ``python -m bench`` runs it."""
    results = measure_all(quick)
    return {
        "title": TITLE,
        "markdown": markdown(table(results)),
        "targets": targets(results),
        **results,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_password_hashing.py")
    parser.add_argument("--quick", action="store_true", help="small parameters only")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # the measuring child process
    args = parser.parse_args(argv)
    if args.case is not None:
        print(json.dumps(measure(Case(**json.loads(args.case)))))
        return 0
    from rich.console import Console

    Console(width=160).print(table(measure_all(args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

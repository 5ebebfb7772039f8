"""mini_miner: SHA-256 nonce search speed, per core and on every core.

Measures hashes per second of (a) a naive solver (serialise the whole block with
``json.dumps`` and hash it, per nonce), (b) ours on one core (the prefix's SHA-256 state
copied per nonce, see ``hackattic_mini_miner.mining``), (c) the machine's limit, ``openssl
speed -bytes 64 sha256`` (one 64-byte message per hash, as long as a typical block's tail),
and (d) ours on every usable core: the steady rate of the worker processes, and whole
searches of 22-bit problems (process start-up included). Targets: ours ≥ 5× naive per
core, ≥ 40 % of the openssl limit, scaling efficiency (d) / (cores × (b)) ≥ 80 %.

Single-core rates are per CPU second of this process (``time.process_time``), as openssl's
own are per CPU second of user time: both are then the same on a busy machine. The all-core
rate is per wall second, so other work on a shared machine lowers it; ``cpu_share`` says how
much of the cores the workers got, and the rate per CPU second they got (compared with the
single-core rate) is the scaling such work cannot lower.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import random
import re
import shutil
import statistics
import subprocess
import time
from typing import Any

from hackattic_mini_miner.mining import (
    CHUNK,
    MiningCancelled,
    block_prefix,
    leading_zero_bits,
    mine_in_processes,
    scan_chunk,
    threshold,
    usable_cores,
)
from rich.table import Table

from bench.common import markdown, target

TITLE = "Nonce search (mini_miner)"

TARGET_VS_NAIVE = 5.0
TARGET_VS_OPENSSL = 0.40
TARGET_SCALING = 0.80
UNREACHABLE = 256
"""A difficulty no nonce meets: the fixed-time runs never stop early."""
OPENSSL_BYTES = 64
PROBLEM_DIFFICULTY = 22
"""Whole searches: 4 M hashes expected, a second or two on two cores."""


def sample_blocks(count: int, seed: int = 1) -> list[list[list[Any]]]:
    """Blocks like the service's: 1–8 pairs of 32 hex digits and a small int (cycled)."""
    rng = random.Random(seed)
    return [
        [[rng.randbytes(16).hex(), rng.randint(-100, 100)] for _ in range(1 + i % 8)]
        for i in range(count)
    ]


# ----------------------------------------------------------------------------- one core


def naive_rate(data: list[list[Any]], seconds: float) -> float:
    """Hashes per CPU second of the obvious solver: the whole block serialised per nonce."""
    batch = 1000
    started = time.process_time()
    for first in itertools.count(0, batch):
        for nonce in range(first, first + batch):
            block = {"data": data, "nonce": nonce}
            text = json.dumps(block, sort_keys=True, separators=(",", ":"))
            digest = hashlib.sha256(text.encode()).digest()
            if leading_zero_bits(digest) >= UNREACHABLE:
                raise AssertionError("unreachable difficulty reached")
        elapsed = time.process_time() - started
        if elapsed >= seconds:
            return (first + batch) / elapsed
    raise AssertionError("unreachable: itertools.count() never ends")


def ours_rate(data: list[list[Any]], seconds: float) -> float:
    """Hashes per CPU second of ours in this process: whole chunks from chunk 1 on."""
    base = hashlib.sha256(block_prefix(data))
    limit = threshold(UNREACHABLE)
    started = time.process_time()
    chunk = 1
    while True:
        if scan_chunk(base, limit, chunk) is not None:
            raise AssertionError("unreachable difficulty reached")
        elapsed = time.process_time() - started
        if elapsed >= seconds:
            return chunk * CHUNK / elapsed
        chunk += 1


def openssl_rate(seconds: int) -> dict[str, Any] | None:
    """SHA-256 of 64-byte messages per second, from ``openssl speed``; None without openssl.

    Its table gives thousands of bytes per second (``sha256  394393.47k``): hashes/s =
    that × 1000 / 64. Its stderr line ``Doing sha256 for 1s on 64 size blocks: 6162398
    sha256's in 1.00s`` gives the count directly: the two must agree.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    done = subprocess.run(
        [openssl, "speed", "-seconds", str(seconds), "-bytes", str(OPENSSL_BYTES), "sha256"],
        capture_output=True,
        text=True,
        timeout=seconds * 10 + 30,
        check=False,
    )
    if done.returncode != 0:
        return None
    return parse_openssl_speed(done.stdout, done.stderr)


_TABLE_ROW = re.compile(r"^sha256\s+([\d.]+)k\s*$", re.MULTILINE)
_DOING = re.compile(r"Doing sha256 for \d+s on (\d+) size blocks: (\d+) sha256's in ([\d.]+)s")


def parse_openssl_speed(stdout: str, stderr: str) -> dict[str, Any] | None:
    """Hashes per second from ``openssl speed -bytes 64 sha256``'s output (see openssl_rate)."""
    row = _TABLE_ROW.search(stdout)
    if row is None:
        return None
    bytes_per_second = float(row.group(1)) * 1000  # "in 1000s of bytes per second"
    result: dict[str, Any] = {
        "bytes_per_second": bytes_per_second,
        "hashes_per_second": bytes_per_second / OPENSSL_BYTES,
        "doing_hashes_per_second": None,
        "version": stdout.splitlines()[0] if stdout else None,
    }
    doing = _DOING.search(stderr) or _DOING.search(stdout)
    if doing is not None and int(doing.group(1)) == OPENSSL_BYTES and float(doing.group(3)) > 0:
        result["doing_hashes_per_second"] = int(doing.group(2)) / float(doing.group(3))
    return result


# ----------------------------------------------------------------------------- every core


def _workers_cpu_seconds() -> float:
    """CPU seconds used so far by this process's live children (the mining workers)."""
    import multiprocessing

    import psutil  # type: ignore[import-untyped]  # no stubs, none added

    total = 0.0
    for child in multiprocessing.active_children():
        if child.pid is None:
            continue
        try:
            times = psutil.Process(child.pid).cpu_times()
        except psutil.Error:  # it just ended
            continue
        total += times.user + times.system
    return float(total)


def all_cores_rate(
    data: list[list[Any]], workers: int, warmup: float, seconds: float
) -> dict[str, Any]:
    """The workers' steady rate after ``warmup`` seconds of start-up: per wall second, and
    per CPU second the workers actually got (which other work on the machine cannot lower).
    """
    samples: list[tuple[float, int, float]] = []
    started = time.monotonic()

    def report(hashes: int) -> None:
        samples.append((time.monotonic() - started, hashes, _workers_cpu_seconds()))

    def cancelled() -> bool:
        return time.monotonic() - started >= warmup + seconds

    # MiningCancelled is how the run ends, as intended.
    with contextlib.suppress(MiningCancelled):
        mine_in_processes(
            block_prefix(data), UNREACHABLE, workers, report=report, cancelled=cancelled
        )
    steady = [sample for sample in samples if sample[0] >= warmup]
    if len(steady) < 2:
        raise RuntimeError(f"too few progress samples after the warm-up: {samples}")
    (t0, h0, cpu0), (t1, h1, cpu1) = steady[0], steady[-1]
    return {
        "workers": workers,
        "hashes_per_second": (h1 - h0) / (t1 - t0),
        "hashes_per_cpu_second": (h1 - h0) / (cpu1 - cpu0) if cpu1 > cpu0 else None,
        "window_seconds": t1 - t0,
        "cpu_share": (cpu1 - cpu0) / ((t1 - t0) * workers),
    }


def _past(deadline: float) -> bool:
    return time.monotonic() > deadline


def solve_problems(
    blocks: list[list[list[Any]]], difficulty: int, workers: int, give_up: float
) -> list[dict[str, Any]]:
    """Whole searches on every core, process start-up included; each given up after
    ``give_up`` seconds (a search's length is random: this bounds the benchmark's)."""
    runs: list[dict[str, Any]] = []
    for data in blocks:
        try:
            result = mine_in_processes(
                block_prefix(data),
                difficulty,
                workers,
                cancelled=functools.partial(_past, time.monotonic() + give_up),
            )
        except MiningCancelled:
            runs.append({"difficulty": difficulty, "nonce": None, "seconds": give_up})
            continue
        text = json.dumps(
            {"data": data, "nonce": result.nonce}, sort_keys=True, separators=(",", ":")
        )
        bits = leading_zero_bits(hashlib.sha256(text.encode()).digest())
        if bits < difficulty:
            raise RuntimeError(f"nonce {result.nonce} gives {bits} bits, need {difficulty}")
        runs.append(
            {
                "difficulty": difficulty,
                "nonce": result.nonce,
                "hashes": result.hashes,
                "seconds": result.seconds,
                "hashes_per_second": result.hashes / result.seconds,
            }
        )
    return runs


# ----------------------------------------------------------------------------- run, table


def measure(quick: bool) -> dict[str, Any]:
    """Every rate and the verdicts; quick: a few seconds, full: under a minute."""
    per_block = 0.25 if quick else 1.0
    blocks = sample_blocks(2 if quick else 8)
    workers = usable_cores()

    naive = [naive_rate(data, per_block) for data in blocks]
    ours = [ours_rate(data, per_block) for data in blocks]
    openssl = openssl_rate(1 if quick else 2)
    every_core = all_cores_rate(
        blocks[-1], workers, warmup=0.75 if quick else 1.0, seconds=1.5 if quick else 5.0
    )
    problems = solve_problems(
        sample_blocks(1 if quick else 3, seed=3), PROBLEM_DIFFICULTY, workers, give_up=15.0
    )

    naive_mean, ours_mean = statistics.fmean(naive), statistics.fmean(ours)
    limit = openssl["hashes_per_second"] if openssl else None
    vs_naive = ours_mean / naive_mean
    vs_openssl = ours_mean / limit if limit else None
    scaling = every_core["hashes_per_second"] / (workers * ours_mean)
    per_cpu = every_core["hashes_per_cpu_second"]
    return {
        "quick": quick,
        "cores": workers,
        "blocks": len(blocks),
        "prefix_bytes": [len(block_prefix(data)) for data in blocks],
        "seconds_per_block": per_block,
        "naive_per_core": {"mean": naive_mean, "min": min(naive), "max": max(naive)},
        "ours_per_core": {"mean": ours_mean, "min": min(ours), "max": max(ours)},
        "openssl": openssl,
        "all_cores": every_core,
        "problems": problems,
        "ours_vs_naive": vs_naive,
        "ours_vs_openssl": vs_openssl,
        "scaling_efficiency": scaling,
        "scaling_efficiency_per_cpu": None if per_cpu is None else per_cpu / ours_mean,
        "goals": {
            "vs_naive": TARGET_VS_NAIVE,
            "vs_openssl": TARGET_VS_OPENSSL,
            "scaling_efficiency": TARGET_SCALING,
        },
        "meets_vs_naive": vs_naive >= TARGET_VS_NAIVE,
        "meets_vs_openssl": None if vs_openssl is None else vs_openssl >= TARGET_VS_OPENSSL,
        "meets_scaling": scaling >= TARGET_SCALING,
    }


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    goals = results["goals"]
    limit = results["ours_vs_openssl"]
    return [
        target(
            "mini_miner",
            f"ours ≥ {goals['vs_naive']:g}× naive per core",
            f"{results['ours_vs_naive']:.1f}×",
            results["meets_vs_naive"],
        ),
        target(
            "mini_miner",
            f"ours ≥ {goals['vs_openssl']:.0%} of openssl's single-core SHA-256",
            "openssl not found" if limit is None else f"{limit:.0%}",
            results["meets_vs_openssl"],
        ),
        target(
            "mini_miner",
            f"scaling efficiency ≥ {goals['scaling_efficiency']:.0%} on {results['cores']} cores",
            f"{results['scaling_efficiency']:.0%}",
            results["meets_scaling"],
        ),
    ]


def run(quick: bool = False) -> dict[str, Any]:
    """The benchmark as ``python -m bench`` runs it."""
    results = measure(quick)
    return {
        "title": TITLE,
        "markdown": markdown(table(results)),
        "targets": targets(results),
        **results,
    }


def _mhs(rate: float | None) -> str:
    return "–" if rate is None else f"{rate / 1e6:.2f}"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f}%"


def _verdict(flag: bool | None) -> str:
    if flag is None:
        return "–"
    return "[green]met[/]" if flag else "[red]missed[/]"


def table(results: dict[str, Any]) -> Table:
    """The mini_miner table: rates in M hashes/s, ratios against the targets."""
    cores = results["cores"]
    out = Table(
        title=f"mini_miner: SHA-256 nonce search ({cores} cores; single-core rates per CPU "
        "second, all-core per wall second: disturbed by other work on a shared machine)"
    )
    for column in ("solver", "M hashes/s", "compared with", "target", "verdict"):
        out.add_column(column)
    naive, ours = results["naive_per_core"], results["ours_per_core"]
    out.add_row(
        "naive: json.dumps + sha256 per nonce (1 core)",
        f"{_mhs(naive['mean'])} ({_mhs(naive['min'])}–{_mhs(naive['max'])})",
        "",
        "",
        "",
    )
    out.add_row(
        "ours: prefix state copied per nonce (1 core)",
        f"{_mhs(ours['mean'])} ({_mhs(ours['min'])}–{_mhs(ours['max'])})",
        f"{results['ours_vs_naive']:.1f}× naive",
        f"≥ {TARGET_VS_NAIVE:g}×",
        _verdict(results["meets_vs_naive"]),
    )
    openssl = results["openssl"]
    vs_openssl = results["ours_vs_openssl"]
    out.add_row(
        "openssl speed -bytes 64 sha256 (1 core)",
        "not available" if openssl is None else _mhs(openssl["hashes_per_second"]),
        "" if vs_openssl is None else f"ours = {100 * vs_openssl:.0f}% of it",
        f"≥ {100 * TARGET_VS_OPENSSL:.0f}%",
        _verdict(results["meets_vs_openssl"]),
    )
    every = results["all_cores"]
    out.add_row(
        f"ours on {every['workers']} processes (steady)",
        _mhs(every["hashes_per_second"]),
        f"scaling {100 * results['scaling_efficiency']:.0f}% (the workers got "
        f"{100 * every['cpu_share']:.0f}% of the cores; per CPU second they got: "
        f"{_percent(results['scaling_efficiency_per_cpu'])})",
        f"≥ {100 * TARGET_SCALING:.0f}%",
        _verdict(results["meets_scaling"]),
    )
    for run_ in results["problems"]:
        found = run_["nonce"] is not None
        out.add_row(
            f"ours on {cores} processes: a {run_['difficulty']}-bit problem",
            _mhs(run_["hashes_per_second"]) if found else "–",
            f"{run_['hashes'] / 1e6:.1f} M hashes in {run_['seconds']:.2f} s, start-up included"
            if found
            else f"given up after {run_['seconds']:.0f} s",
            "",
            "",
        )
    return out


if __name__ == "__main__":
    import sys

    from rich.console import Console

    Console().print(table(measure(quick="--quick" in sys.argv[1:])))

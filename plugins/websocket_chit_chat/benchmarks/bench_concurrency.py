"""Concurrency: 100, 500 and 1,000 simultaneous conversations from one client process.

For each level a fresh sandbox process is started (``hackattic sandbox --port 0 --json``,
seeded, no latency) and a fresh client process (this file, run with ``--client N``)
fetches N problems over HTTP with the sandbox's token (16 requests in flight), then opens
N conversations at once with one ``asyncio.gather`` of :func:`converse`. Nothing is
submitted: the outcome of every conversation is read from the sandbox's ``/_/stats``.

Time-scaled to stay short: 10 rounds at time scale 0.5 (intervals of 350–1,500 ms, a
level lasts about 10–15 s). Scaling shrinks the gaps between the intervals too (the
narrowest, 500 ms, becomes 250 ms), so a late ping eats twice the margin it would at full
speed; at 0.5 the margin is still a hundred times the p99 being measured, so correctness
is not what limits the level. Since every conversation opens at the same moment and every
interval is a multiple of 100 ms (50 ms scaled), the pings arrive in bursts on that grid,
up to ~N/5 at once for the first beat: the worst case for the tail, not an average load.

Reported per level: conversations passed, missed beats, wrong answers, other losses (the
server's outcomes), the server-seen reaction p99 (ping on the wire → answer received),
the server's schedule error p99 (beat timer fired − scheduled), and each side's CPU
seconds and peak RSS. Server: psutil CPU times of the sandbox process over the level and
its ``VmHWM`` (peak RSS; on non-Linux the max of 10 Hz samples). Client: ``getrusage`` of
itself over fetch + conversations (its start-up and imports excluded), and its own
``VmHWM`` (``ru_maxrss`` elsewhere; on Linux that one would count the parent's size).

Targets at 1,000: no conversation lost, reaction p99 ≤ 20 ms.
Run ``python -m bench --only concurrency`` (or this file, with options) for this table alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]  # no stubs, none added
from hackattic_websocket_chit_chat.conversation import (
    ConversationLost,
    ConversationResult,
    converse,
    ws_url,
)
from rich.table import Table

from bench.common import (
    REPO,
    SandboxProcess,
    clean_env,
    fetch_problem,
    markdown,
    own_peak_rss_bytes,
    peak_rss_bytes,
    raise_fd_limit,
    sandbox_process,
    stat_ms,
    target,
)

SLUG = "websocket_chit_chat"
TITLE = "Concurrency (websocket_chit_chat)"

LEVELS = (100, 500, 1000)
TARGET_P99_MS = 20.0
TARGET_LEVEL = 1000
FETCH_CONCURRENCY = 16
CLIENT_TIMEOUT = 300.0
"""Seconds a client process may take for one level before it is killed."""
MIB = 1024 * 1024


# ----------------------------------------------------------------------------- the client


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _client(n: int, time_scale: float, base_url: str, access_token: str) -> dict[str, Any]:
    """Fetch ``n`` problems, hold ``n`` conversations at once: what the client saw."""
    cpu_started = _cpu_seconds()
    started = time.perf_counter()
    limit = asyncio.Semaphore(FETCH_CONCURRENCY)
    limits = httpx.Limits(max_connections=FETCH_CONCURRENCY)
    async with httpx.AsyncClient(trust_env=False, timeout=60, limits=limits) as http:

        async def one() -> str:
            async with limit:
                problem = await fetch_problem(http, base_url, access_token, SLUG)
                return str(problem["token"])

        tokens = await asyncio.gather(*(one() for _ in range(n)))
    fetched = time.perf_counter()
    ws_base = "ws" + base_url.removeprefix("http")
    outcomes = await asyncio.gather(
        *(converse(ws_url(ws_base, token), time_scale=time_scale) for token in tokens),
        return_exceptions=True,
    )
    ended = time.perf_counter()
    losses: Counter[str] = Counter()
    reactions: list[float] = []
    passed = 0
    for outcome in outcomes:
        result: ConversationResult | None = None
        if isinstance(outcome, ConversationResult):
            result = outcome
            passed += outcome.secret is not None
        elif isinstance(outcome, ConversationLost):
            result = outcome.result
            losses[outcome.kind.value] += 1
        else:
            losses[f"error: {type(outcome).__name__}"] += 1
        if result is not None:
            reactions.extend(result.reaction_times_ms)
    return {
        "conversations": n,
        "passed": passed,
        "losses": dict(losses),
        "receipt_to_write_ms": stat_ms(reactions),
        "fetch_seconds": round(fetched - started, 3),
        "converse_seconds": round(ended - fetched, 3),
        "cpu_seconds": round(_cpu_seconds() - cpu_started, 3),
        "peak_rss_bytes": own_peak_rss_bytes(),
        "fd_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
    }


def client_main(n: int, time_scale: float) -> None:
    """The client process: base URL and token from the environment, one JSON line out."""
    raise_fd_limit()
    base_url = os.environ["BENCH_SANDBOX_BASE_URL"]
    access_token = os.environ["BENCH_SANDBOX_ACCESS_TOKEN"]
    report = asyncio.run(_client(n, time_scale, base_url, access_token))
    sys.stdout.write(json.dumps(report) + "\n")


# ----------------------------------------------------------------------------- the driver


class _RssSampler:
    """Max RSS of a process, sampled at 10 Hz in a thread (where VmHWM is unavailable)."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            self._stop.wait(0.1)

    def __enter__(self) -> _RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _run_client(sandbox: SandboxProcess, n: int, time_scale: float) -> dict[str, Any]:
    env = clean_env(
        {
            "BENCH_SANDBOX_BASE_URL": sandbox.base_url,
            "BENCH_SANDBOX_ACCESS_TOKEN": sandbox.access_token,
            # This file runs as a script: bench.common comes from the repository.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }
    )
    argv = [sys.executable, str(Path(__file__).resolve()), "--client", str(n)]
    argv += ["--time-scale", repr(time_scale)]
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=CLIENT_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"the client process failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
        )
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def run_level(n: int, rounds: int, time_scale: float, seed: int) -> dict[str, Any]:
    """One level: a fresh sandbox process, a fresh client process, N conversations."""
    started = time.perf_counter()
    options = {f"{SLUG}.rounds": rounds, f"{SLUG}.latency": "none", f"{SLUG}.timer_late_ms": 0}
    with sandbox_process(time_scale=time_scale, seed=seed, options=options) as sandbox:
        server = psutil.Process(sandbox.pid)
        with _RssSampler(sandbox.pid) as sampler:
            cpu_before = _cpu(server)
            client = _run_client(sandbox, n, time_scale)
            server_cpu = _cpu(server) - cpu_before
        server_peak = peak_rss_bytes(sandbox.pid) or sampler.peak
        stats = sandbox.challenge_stats(SLUG)
    totals = stats["totals"]
    other = (
        totals["dropped"]
        + totals["client_closed"]
        + totals["aborted"]
        + sum(totals["refused"].values())
        + totals["open"]
        + (n - totals["conversations"])
    )
    p99 = totals["reaction_p99_ms"]
    return {
        "conversations": n,
        "passed": totals["passed"],
        "missed_beats": totals["missed_beats"],
        "wrong_answers": totals["wrong_answers"],
        "other_losses": other,
        "client_passed": client["passed"],
        "client_losses": client["losses"],
        "pings": totals["pings"],
        "reaction_p50_ms": totals["reaction_p50_ms"],
        "reaction_p99_ms": p99,
        "reaction_max_ms": totals["reaction_max_ms"],
        "schedule_error_p99_ms": totals["schedule_error_p99_ms"],
        "schedule_error_max_ms": totals["schedule_error_max_ms"],
        "client_receipt_to_write_ms": client["receipt_to_write_ms"],
        "server_cpu_seconds": round(server_cpu, 3),
        "server_peak_rss_bytes": server_peak,
        "client_cpu_seconds": client["cpu_seconds"],
        "client_peak_rss_bytes": client["peak_rss_bytes"],
        "fetch_seconds": client["fetch_seconds"],
        "converse_seconds": client["converse_seconds"],
        "all_passed": totals["passed"] == n,
        "meets_p99": p99 is not None and p99 <= TARGET_P99_MS,
        "seconds": round(time.perf_counter() - started, 2),
    }


def measure(
    levels: Sequence[int] = LEVELS, rounds: int = 10, time_scale: float = 0.5, seed: int = 1
) -> dict[str, Any]:
    """Every level in turn: a JSON-able result."""
    fd_limit = raise_fd_limit()
    started = time.perf_counter()
    rows = [run_level(n, rounds, time_scale, seed) for n in levels]
    at_target = [r for r in rows if r["conversations"] == TARGET_LEVEL]
    meets = None
    if at_target:
        meets = at_target[0]["all_passed"] and at_target[0]["meets_p99"]
    return {
        "setup": "sandbox process + one client process (asyncio.gather), loopback, no latency",
        "rounds": rounds,
        "time_scale": time_scale,
        "seed": seed,
        "fd_limit": fd_limit,
        "target": {"conversations": TARGET_LEVEL, "reaction_p99_ms": TARGET_P99_MS},
        "levels": rows,
        "meets_target": meets,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def table(results: dict[str, Any]) -> Table:
    """The concurrency table: one row a level."""
    out = Table(
        title=f"Concurrency: N simultaneous conversations, one client process "
        f"(rounds {results['rounds']}, time scale {results['time_scale']:g})",
        caption=f"reaction: server-seen, ping on the wire → answer received; schedule: beat "
        f"timer fired − scheduled; CPU and peak RSS of the sandbox (server) and client "
        f"processes. Target at {TARGET_LEVEL}: all passed and reaction p99 ≤ "
        f"{TARGET_P99_MS:g} ms. Ran in {results['seconds']} s.",
    )
    columns = (
        "N",
        "passed",
        "missed",
        "wrong",
        "other",
        "react p50",
        "react p99",
        "react max",
        "sched p99",
        "CPU s srv",
        "CPU s cli",
        "RSS MiB srv",
        "RSS MiB cli",
        "target",
    )
    for column in columns:
        out.add_column(column, justify="right")
    for row in results["levels"]:
        if row["conversations"] == TARGET_LEVEL:
            met = row["all_passed"] and row["meets_p99"]
            verdict = "[green]met[/]" if met else "[red]missed[/]"
        else:
            verdict = ""
        out.add_row(
            str(row["conversations"]),
            str(row["passed"]),
            str(row["missed_beats"]),
            str(row["wrong_answers"]),
            str(row["other_losses"]),
            _ms(row["reaction_p50_ms"]),
            _ms(row["reaction_p99_ms"]),
            _ms(row["reaction_max_ms"]),
            _ms(row["schedule_error_p99_ms"]),
            f"{row['server_cpu_seconds']:.1f}",
            f"{row['client_cpu_seconds']:.1f}",
            f"{row['server_peak_rss_bytes'] / MIB:.0f}",
            f"{row['client_peak_rss_bytes'] / MIB:.0f}",
            verdict,
        )
    return out


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    goal = results["target"]
    rows = [x for x in results["levels"] if x["conversations"] == goal["conversations"]]
    measured = "not run at this size"
    if rows:
        x = rows[0]
        measured = (
            f"{x['passed']}/{x['conversations']} passed, reaction p99 "
            f"{_ms(x['reaction_p99_ms'])} ms"
        )
    return [
        target(
            "concurrency",
            f"{goal['conversations']}: none lost, reaction p99 ≤ {goal['reaction_p99_ms']:g} ms",
            measured,
            results["meets_target"],
        )
    ]


def run(quick: bool = False) -> dict[str, Any]:
    """The benchmark as ``python -m bench`` runs it (quick: 50 and 100 conversations)."""
    if quick:
        results = measure(levels=(50, 100), rounds=3, time_scale=0.5, seed=1)
    else:
        results = measure(levels=LEVELS, rounds=10, time_scale=0.5, seed=1)
    return {
        "title": TITLE,
        "markdown": markdown(table(results)),
        "targets": targets(results),
        **results,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--client", type=int, metavar="N", help="be the client process: N conversations"
    )
    parser.add_argument("--levels", type=int, nargs="+", default=list(LEVELS))
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--time-scale", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.client is not None:
        client_main(args.client, args.time_scale)
        return
    from rich.console import Console

    Console().print(table(measure(args.levels, args.rounds, args.time_scale, args.seed)))


if __name__ == "__main__":
    main()

"""Reaction time: how fast the client answers a ping, one conversation over loopback.

The sandbox runs as a separate process (``hackattic sandbox --port 0 --json``), as
hackattic.com would be a separate machine: the client's event loop and the server's do not
share a core's time slices, and the number is not flattered (or spoiled) by the server's
own work running in the client's loop. The client is :func:`converse` in this process,
exactly as the plugin calls it. No latency is injected: what is measured is the client
plus loopback plus both event loops.

* **server-seen reaction**: from the ping's frame handed to the server's socket to the
  answer's frame received by the server (the emulation's ``/_/stats``). This is what
  decides a missed beat, and it includes two loopback hops and both event loops' wake-ups.
* **client receipt → write**: from the ping's frame received by the client to the answer's
  ``send`` returning (``Beat.reaction_ms``): decoding and framing only.

Default: 100 rounds at time scale 0.2 (intervals of 140–600 ms, about 40 s), one
conversation: 100 samples make the nearest-rank p99 the second largest, not the maximum.
Target: server-seen p99 ≤ 2 ms.

Run ``python -m bench.reaction`` for this table alone. This module also holds the helpers
the other socket benchmarks share (:func:`sandbox_process`, :func:`fetch_problem`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
from hackattic_websocket_chit_chat.conversation import ConversationLost, converse, ws_url
from hackattic_websocket_chit_chat.emulation import percentile
from rich.table import Table

TARGET_P99_MS = 2.0
SLUG = "websocket_chit_chat"
BIN = Path(sys.executable).parent
HACKATTIC = str(BIN / "hackattic")
REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0
"""Seconds a sandbox process may take to announce itself."""


# ----------------------------------------------------------------------------- helpers


def raise_fd_limit() -> int:
    """Raise this process's open-file soft limit to the hard limit; returns the new soft."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
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


def stat_ms(values: Sequence[float]) -> dict[str, float | None]:
    """Nearest-rank p50 / p99 and the max of ``values`` (ms), as the sandbox computes them."""
    data = list(values)
    return {
        "n": len(data),
        "p50": percentile(data, 0.50),
        "p99": percentile(data, 0.99),
        "max": max(data, default=None),
    }


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

    def chit_chat(self) -> dict[str, Any]:
        """The chit-chat emulation's stats."""
        challenges: dict[str, Any] = self.stats()["challenges"]
        stats: dict[str, Any] = challenges[SLUG]
        return stats

    def problem_token(self) -> str:
        """A fresh chit-chat problem's token."""
        with httpx.Client(trust_env=False, timeout=30) as client:
            return fetch_problem_sync(client, self.base_url, self.access_token)

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-2000:]


def fetch_problem_sync(client: httpx.Client, base_url: str, access_token: str) -> str:
    response = client.get(
        f"{base_url}/challenges/{SLUG}/problem", params={"access_token": access_token}
    )
    response.raise_for_status()
    return str(response.json()["token"])


async def fetch_problem(client: httpx.AsyncClient, base_url: str, access_token: str) -> str:
    """A fresh chit-chat problem's token (async)."""
    response = await client.get(
        f"{base_url}/challenges/{SLUG}/problem", params={"access_token": access_token}
    )
    response.raise_for_status()
    return str(response.json()["token"])


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
    *, rounds: int, time_scale: float, seed: int, latency: str = "none"
) -> Iterator[SandboxProcess]:
    """Start ``hackattic sandbox --port 0 --json`` with these conditions; stop it after.

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
        "-o",
        f"{SLUG}.rounds={rounds}",
        "-o",
        f"{SLUG}.latency={latency}",
        "-o",
        f"{SLUG}.timer_late_ms=0",
    ]
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


# ----------------------------------------------------------------------------- the benchmark


async def _one_conversation(url: str, time_scale: float) -> tuple[list[float], str | None]:
    try:
        result = await converse(url, time_scale=time_scale)
    except ConversationLost as exc:
        return exc.result.reaction_times_ms, f"{exc.kind.value}: {exc.result.reason}"
    return result.reaction_times_ms, None


def run(rounds: int = 100, time_scale: float = 0.2, seed: int = 1) -> dict[str, Any]:
    """One conversation of ``rounds`` pings against a sandbox process: a JSON-able result."""
    started = time.perf_counter()
    with sandbox_process(rounds=rounds, time_scale=time_scale, seed=seed) as sandbox:
        token = sandbox.problem_token()
        url = ws_url(sandbox.ws_base_url, token)
        client_ms, loss = asyncio.run(_one_conversation(url, time_scale))
        stats = sandbox.chit_chat()
    conversation = stats["conversations"][0]
    pings = conversation["pings"]
    server_ms = [p["reaction_ms"] for p in pings if p["reaction_ms"] is not None]
    schedule_ms = [p["schedule_error_ms"] for p in pings]
    server = stat_ms(server_ms)
    p99 = server["p99"]
    return {
        "setup": "sandbox in a separate process, client in this one, loopback, no latency",
        "rounds": rounds,
        "time_scale": time_scale,
        "seed": seed,
        "outcome": conversation["outcome"],
        "loss": loss,
        "pings": len(pings),
        "server_reaction_ms": server,
        "client_receipt_to_write_ms": stat_ms(client_ms),
        "schedule_error_ms": stat_ms(schedule_ms),
        "target_p99_ms": TARGET_P99_MS,
        "meets_target": p99 is not None and p99 <= TARGET_P99_MS,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _ms(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def table(results: dict[str, Any]) -> Table:
    """The reaction-time table."""
    out = Table(
        title=f"Reaction time: one conversation, {results['pings']} pings "
        f"(rounds {results['rounds']}, time scale {results['time_scale']:g}, "
        f"sandbox in another process, loopback)",
        caption=f"outcome: {results['outcome']}"
        + (f" ({results['loss']})" if results["loss"] else "")
        + f". Target: server-seen p99 ≤ {results['target_p99_ms']:g} ms. "
        f"Ran in {results['seconds']} s.",
    )
    for column in ("measure", "n", "p50 ms", "p99 ms", "max ms", "target"):
        out.add_column(column, justify="left" if column == "measure" else "right")
    rows = (
        ("server-seen: ping on the wire → answer received", "server_reaction_ms", True),
        ("client: ping received → answer written", "client_receipt_to_write_ms", False),
        ("server: ping fired − scheduled", "schedule_error_ms", False),
    )
    for label, key, targeted in rows:
        row = results[key]
        verdict = ""
        if targeted:
            verdict = "[green]met[/]" if results["meets_target"] else "[red]missed[/]"
        out.add_row(
            label, str(row["n"]), _ms(row["p50"]), _ms(row["p99"]), _ms(row["max"]), verdict
        )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    from rich.console import Console

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--time-scale", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    Console().print(table(run(args.rounds, args.time_scale, args.seed)))


if __name__ == "__main__":
    main()

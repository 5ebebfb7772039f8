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

Run ``python -m bench --only reaction`` (or this file, with options) for this table alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

from hackattic_websocket_chit_chat.conversation import ConversationLost, converse, ws_url
from rich.table import Table

from bench.common import SandboxProcess, markdown, sandbox_process, stat_ms, target, verdict

TARGET_P99_MS = 2.0
SLUG = "websocket_chit_chat"
TITLE = "Reaction time (websocket_chit_chat)"


def chit_chat_sandbox(
    *, rounds: int, time_scale: float, seed: int, latency: str = "none"
) -> contextlib.AbstractContextManager[SandboxProcess]:
    """A ``hackattic sandbox`` process serving chit chat with these conditions and an exact
    schedule (``timer_late_ms=0``)."""
    options = {f"{SLUG}.rounds": rounds, f"{SLUG}.latency": latency, f"{SLUG}.timer_late_ms": 0}
    return sandbox_process(time_scale=time_scale, seed=seed, options=options)


# ----------------------------------------------------------------------------- the benchmark


async def _one_conversation(url: str, time_scale: float) -> tuple[list[float], str | None]:
    try:
        result = await converse(url, time_scale=time_scale)
    except ConversationLost as exc:
        return exc.result.reaction_times_ms, f"{exc.kind.value}: {exc.result.reason}"
    return result.reaction_times_ms, None


def measure(rounds: int = 100, time_scale: float = 0.2, seed: int = 1) -> dict[str, Any]:
    """One conversation of ``rounds`` pings against a sandbox process: a JSON-able result."""
    started = time.perf_counter()
    with chit_chat_sandbox(rounds=rounds, time_scale=time_scale, seed=seed) as sandbox:
        token = str(sandbox.problem(SLUG)["token"])
        url = ws_url(sandbox.ws_base_url, token)
        client_ms, loss = asyncio.run(_one_conversation(url, time_scale))
        stats = sandbox.challenge_stats(SLUG)
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
        shown = verdict(results["meets_target"]) if targeted else ""
        out.add_row(label, str(row["n"]), _ms(row["p50"]), _ms(row["p99"]), _ms(row["max"]), shown)
    return out


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    server = results["server_reaction_ms"]
    return [
        target(
            "reaction",
            f"server-seen p99 ≤ {results['target_p99_ms']:g} ms",
            f"p99 {_ms(server['p99'], 2)} ms (p50 {_ms(server['p50'], 2)} ms, "
            f"max {_ms(server['max'], 2)} ms; {results['outcome']})",
            results["meets_target"],
        )
    ]


def run(quick: bool = False) -> dict[str, Any]:
    """The benchmark as ``python -m bench`` runs it (quick: 20 rounds at time scale 0.1)."""
    if quick:
        results = measure(rounds=20, time_scale=0.1, seed=1)
    else:
        results = measure(rounds=100, time_scale=0.2, seed=1)
    return {
        "title": TITLE,
        "markdown": markdown(table(results)),
        "targets": targets(results),
        **results,
    }


def main(argv: Sequence[str] | None = None) -> None:
    from rich.console import Console

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--time-scale", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    Console().print(table(measure(args.rounds, args.time_scale, args.seed)))


if __name__ == "__main__":
    main()

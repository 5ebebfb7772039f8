"""Solvers written the simple way public ones are, against the sandbox at its defaults.

The commonest public solver times each ping from the previous ping's arrival in whole
milliseconds and answers the largest interval not above it (rounding down). It passed the
real service, whose server sleeps for each interval, so no gap on the wire is ever shorter
than its interval; the sandbox must let it pass too.

The sandbox runs as ``hackattic sandbox`` in a process of its own, as a user would run it:
in this process its thread would hold the GIL up to 5 ms while the solver reads a ping.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

SLUG = "websocket_chit_chat"
INTERVALS = (700, 1500, 2000, 2500, 3000)


async def round_down_solver(base_url: str, ws_base_url: str, access_token: str) -> dict[str, Any]:
    """The simple solver: a few lines, as public solvers write it."""
    auth = {"access_token": access_token}
    async with httpx.AsyncClient(base_url=base_url, params=auth) as http:
        token = (await http.get(f"/challenges/{SLUG}/problem")).json()["token"]
        async with connect(f"{ws_base_url}/_/ws/{token}") as ws:
            last = time.monotonic()
            async for message in ws:
                if message == "ping!":
                    now = time.monotonic()
                    elapsed_ms = int((now - last) * 1000)
                    last = now
                    await ws.send(str(max(i for i in INTERVALS if i <= elapsed_ms)))
                elif str(message).startswith("congratulations!"):
                    # Public solvers take what follows the first quote and strip the last.
                    secret = str(message).split('"', 1)[1].rstrip('"')
                    break
                elif str(message).startswith("ouch!"):
                    raise AssertionError(f"the server said: {message}")
        answer = await http.post(
            f"/challenges/{SLUG}/solve", params={"playground": "1"}, json={"secret": secret}
        )
        return dict(answer.json())


@pytest.fixture
def standalone_sandbox(tmp_path: Path) -> Iterator[dict[str, str]]:
    """``hackattic sandbox`` at its defaults (but two rounds), no ``HACKATTIC_*`` from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HACKATTIC_")}
    command = [str(Path(sys.executable).with_name("hackattic")), "sandbox", "--port", "0"]
    command += ["--json", "-o", f"{SLUG}.rounds=2"]
    process = subprocess.Popen(  # noqa: S603 - our own console script
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        announced: dict[str, str] = json.loads(process.stdout.readline())
        yield announced
    finally:
        process.terminate()
        process.wait(10)


def stats(sandbox: dict[str, str]) -> dict[str, Any]:
    answer = httpx.get(
        f"{sandbox['base_url']}/_/stats", params={"access_token": sandbox["access_token"]}
    )
    return dict(answer.json())


@pytest.mark.timing  # the client must read each ping promptly: a loaded machine delays it
def test_a_rounding_down_solver_passes_at_the_default_conditions(
    standalone_sandbox: dict[str, str],
) -> None:
    """Three conversations in a row, at the default timer lateness and real time."""
    sandbox = standalone_sandbox
    ws_base_url = "ws" + sandbox["base_url"].removeprefix("http")
    before = stats(sandbox)
    assert before["conditions"]["time_scale"] == 1.0
    assert before["emulation_conditions"][SLUG]["timer_late_ms"] == 2.0
    for _ in range(3):
        answer = asyncio.run(
            round_down_solver(sandbox["base_url"], ws_base_url, sandbox["access_token"])
        )
        assert "result" in answer, answer
    totals = stats(sandbox)["challenges"][SLUG]["totals"]
    assert totals["passed"] == 3
    assert totals["gap_minus_interval_ms"]["min"] >= 0


def test_the_congratulations_end_at_the_closing_quote() -> None:
    """What public solvers strip: the text ends with the quote, nothing after it."""
    from hackattic_websocket_chit_chat.protocol import CONGRATULATIONS

    text = CONGRATULATIONS.format(secret="muddy art winter recipe aged lab")
    assert (
        text
        == 'congratulations! the solution to this challenge is "muddy art winter recipe aged lab"'
    )
    assert text.endswith('"')
    assert text.split('"', 1)[1].rstrip('"') == "muddy art winter recipe aged lab"

"""Hostile problems (issue 20) through the real command line, served by a loopback server
of our own: a difficulty over the limit, or a search expected to outlast the time limit, is
refused before mining with one line and exit 3; Ctrl-C stops a search that would run for
ever, worker processes included."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hackattic_core import ExitCode
from hackattic_core.testing import CliProcess, CliResult

RSS_BOUND_MB = 200


def crafted(difficulty: int) -> dict[str, Any]:
    return {
        "difficulty": difficulty,
        "block": {"nonce": None, "data": [["a3c1f0e2b4d6a8c0e2f4a6b8c0d2e4f6", -40]]},
    }


@pytest.mark.parametrize(
    ("difficulty", "env", "expected"),
    [
        (256, {}, "difficulty is 256 bits, over the limit of 32 bits (HACKATTIC_MINI_MINER_MAX"),
        (33, {}, "(HACKATTIC_MINI_MINER_MAX_DIFFICULTY)"),
        (
            30,
            {"HACKATTIC_MINI_MINER_MAX_SECONDS": "5"},
            "over the limit of 5 s (HACKATTIC_MINI_MINER_MAX_SECONDS)",
        ),
    ],
    ids=["256", "33", "time"],
)
def test_a_costly_problem_is_refused_in_one_line(
    difficulty: int,
    env: dict[str, str],
    expected: str,
    serve_problem: Callable[..., Any],
    hackattic_cli: Callable[..., CliResult],
) -> None:
    server = serve_problem(crafted(difficulty))
    result = hackattic_cli("run", "mini_miner", "--json", env={**server.env, **env}, timeout=60)
    assert result.exit_code == ExitCode.SERVICE, result
    error = result.json["error"]
    assert expected in error, result
    assert "\n" not in error
    assert not server.submitted
    assert result.max_rss_mb < RSS_BOUND_MB, result.max_rss_mb


def test_without_json_the_refusal_is_one_line(
    serve_problem: Callable[..., Any], hackattic_cli: Callable[..., CliResult]
) -> None:
    server = serve_problem(crafted(256))
    result = hackattic_cli("run", "mini_miner", env=server.env, timeout=60)
    assert result.exit_code == ExitCode.SERVICE, result
    [line] = [line for line in result.stdout.splitlines() if "error:" in line]
    assert "(HACKATTIC_MINI_MINER_MAX_DIFFICULTY)" in line


def children_of(pid: int) -> set[int]:
    """The process ids whose parent is ``pid`` (Linux /proc)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text()
        found.update(int(child) for child in text.split())
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "processes"])
def test_ctrl_c_stops_an_endless_search(
    workers: int, hackattic_cli_start: Callable[..., CliProcess]
) -> None:
    process = hackattic_cli_start(
        "run",
        "mini_miner",
        "--sandbox",
        "-o",
        "difficulty=40",  # about 2**40 hashes: days
        "--json",
        "-v",
        env={
            "HACKATTIC_MINI_MINER_MAX_DIFFICULTY": "40",
            "HACKATTIC_MINI_MINER_MAX_SECONDS": "1e12",
            "HACKATTIC_MINI_MINER_WORKERS": str(workers),
            "HACKATTIC_MINI_MINER_PARALLEL_DIFFICULTY": "20",
        },
    )
    deadline = time.monotonic() + 60
    while "mining 40 bits" not in process.stderr_so_far():
        assert time.monotonic() < deadline, process.stderr_so_far()
        assert process.proc.poll() is None, process.stderr_so_far()
        time.sleep(0.05)
    time.sleep(1.0)  # the workers are up and mining
    workers_seen = children_of(process.pid)
    if workers > 1:
        assert len(workers_seen) >= workers, workers_seen
    process.send_signal(signal.SIGINT)
    result = process.wait(timeout=10)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert "Traceback" not in result.stderr
    [line] = result.stdout.splitlines()
    assert json.loads(line)["exit_code"] == ExitCode.INTERRUPTED
    deadline = time.monotonic() + 5
    while any(running(pid) for pid in workers_seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers_seen if running(pid)], "a worker outlived the run"
    assert os.getpid()  # (the test process itself is untouched)

"""Hostile problems (issue 20) through the real command line, served by the core's fake
hackattic: a difficulty over the limit, or a search expected to outlast the time limit, is
refused before mining with one line and exit 3; Ctrl-C stops a search that would run for
ever, worker processes included."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hackattic_core import ExitCode
from hackattic_core.testing import CliProcess, CliResult, FakeService, interrupt

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
    hackattic_fake_service: FakeService,
    hackattic_cli: Callable[..., CliResult],
) -> None:
    served = hackattic_fake_service.serve(crafted(difficulty))
    result = hackattic_cli("run", "mini_miner", "--json", env={**served, **env}, timeout=60)
    assert result.exit_code == ExitCode.SERVICE, result
    error = result.json["error"]
    assert expected in error, result
    assert "\n" not in error
    assert hackattic_fake_service.submitted() == []
    assert result.max_rss_mb < RSS_BOUND_MB, result.max_rss_mb


def test_without_json_the_refusal_is_one_line(
    hackattic_fake_service: FakeService, hackattic_cli: Callable[..., CliResult]
) -> None:
    env = hackattic_fake_service.serve(crafted(256))
    result = hackattic_cli("run", "mini_miner", env=env, timeout=60)
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


def interrupt_an_endless_search(
    start: Callable[..., CliProcess], workers: int
) -> tuple[CliResult, float, set[int]]:
    """Ctrl-C once ``workers`` are mining 40 bits (about 2**40 hashes: days): the result,
    the seconds after the signal, and the worker processes seen before it."""
    process = start(
        *("run", "mini_miner", "--sandbox", "-o", "difficulty=40", "--json", "-v"),
        env={
            "HACKATTIC_MINI_MINER_MAX_DIFFICULTY": "40",
            "HACKATTIC_MINI_MINER_MAX_SECONDS": "1e12",
            "HACKATTIC_MINI_MINER_WORKERS": str(workers),
            "HACKATTIC_MINI_MINER_PARALLEL_DIFFICULTY": "20",
        },
    )
    seen: set[int] = set()

    def mining() -> bool:
        if "mining 40 bits" not in process.stderr_so_far():
            return False
        seen.update(children_of(process.pid))
        return workers == 1 or len(seen) >= workers  # the workers are up

    result, after_signal = interrupt(process, mining)
    return result, after_signal, seen


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "processes"])
def test_ctrl_c_stops_an_endless_search(
    workers: int, hackattic_cli_start: Callable[..., CliProcess]
) -> None:
    result, _, workers_seen = interrupt_an_endless_search(hackattic_cli_start, workers)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED
    deadline = time.monotonic() + 5
    while any(running(pid) for pid in workers_seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers_seen if running(pid)], "a worker outlived the run"


@pytest.mark.timing
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_ctrl_c_stops_worker_processes_within_seconds(
    hackattic_cli_start: Callable[..., CliProcess],
) -> None:
    result, after_signal, _ = interrupt_an_endless_search(hackattic_cli_start, 2)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert after_signal < 10, f"the run ended {after_signal:.1f} s after SIGINT\n{result}"

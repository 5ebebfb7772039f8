"""mini_miner end to end: through the runner, and through the real CLI process."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from typing import Any

from hackattic_mini_miner.challenge import MiniMinerChallenge
from hackattic_mini_miner.mining import leading_zero_bits

from hackattic_core import ExitCode
from hackattic_core.testing import CliResult

Cli = Callable[..., CliResult]


def test_passes_in_the_sandbox(hackattic_run: Any) -> None:
    result = hackattic_run("mini_miner")
    assert result.passed, result.error or result.message
    assert result.solution is not None
    assert type(result.solution["nonce"]) is int


def nonce_hashed_with_spaces(data: list[list[Any]], difficulty: int) -> int:
    """A classic mistake: json.dumps's default separators put spaces in the block."""
    for nonce in range(10**6):
        text = json.dumps({"data": data, "nonce": nonce}, sort_keys=True)
        if leading_zero_bits(hashlib.sha256(text.encode()).digest()) >= difficulty:
            return nonce
    raise AssertionError("no nonce")


def test_a_wrong_solver_is_rejected_naming_the_bits(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(MiniMinerChallenge, difficulty=12)

    async def go() -> str | None:
        issued = await emulation.new_problem()
        data = issued.problem["block"]["data"]
        if not data:
            return None
        nonce = nonce_hashed_with_spaces(data, 12)
        return await emulation.check(issued, {"nonce": nonce})

    reason = asyncio.run(go())
    assert reason is not None
    assert reason.startswith("sha256 of the block with nonce ")
    assert reason.endswith("zero bits, need 12")


def test_the_cli_passes_against_the_sandbox(hackattic_cli: Cli) -> None:
    result = hackattic_cli("run", "mini_miner", "--sandbox", "-o", "difficulty=12", "--json")
    assert result.exit_code == ExitCode.PASSED, result
    assert result.json["status"] == "passed"


def test_the_cli_mines_in_worker_processes(hackattic_cli: Cli) -> None:
    # Spawned workers re-import the CLI's main module: this shows they start and stop.
    result = hackattic_cli(
        "run",
        "mini_miner",
        "--sandbox",
        "-o",
        "difficulty=16",
        "--json",
        "-v",
        env={"HACKATTIC_MINI_MINER_WORKERS": "2", "HACKATTIC_MINI_MINER_PARALLEL_DIFFICULTY": "16"},
    )
    assert result.exit_code == ExitCode.PASSED, result
    assert result.json["status"] == "passed"
    # -v logs the search, for runs without a terminal.
    assert "mining 16 bits, 2 processes (expected ~65,536 hashes)" in result.stderr

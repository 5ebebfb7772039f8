"""mini_miner end to end: through the runner, and through the real CLI process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hackattic_mini_miner.challenge import MiniMinerChallenge, MiniMinerProblem, MiniMinerSolution
from hackattic_mini_miner.mining import leading_zero_bits

from hackattic_core import Context, hookimpl
from hackattic_core.plugins import Registry, load_registry


def test_passes_in_the_sandbox(hackattic_run: Any) -> None:
    result = hackattic_run("mini_miner")
    assert result.passed, result.error or result.message
    assert result.solution is not None
    assert type(result.solution["nonce"]) is int


class HashesWithSpaces(MiniMinerChallenge):
    """A classic mistake: json.dumps's default separators put spaces in the block."""

    async def solve(self, problem: MiniMinerProblem, context: Context) -> MiniMinerSolution:
        import hashlib

        data = [list(pair) for pair in problem.block.data]
        for nonce in range(10**6):
            text = json.dumps({"data": data, "nonce": nonce}, sort_keys=True)
            digest = hashlib.sha256(text.encode()).digest()
            if leading_zero_bits(digest) >= problem.difficulty:
                return MiniMinerSolution(nonce=nonce)
        raise AssertionError("no nonce")


class TestAWrongSolver:
    @pytest.fixture
    def hackattic_registry(self) -> Registry:
        plugin = SimpleNamespace(hackattic_register_challenges=hookimpl(lambda: [HashesWithSpaces]))
        return load_registry(extra_plugins=[("wrong", plugin)], use_entry_points=False)

    def test_is_rejected_naming_the_bits(self, hackattic_run: Any) -> None:
        result = hackattic_run("mini_miner")
        assert result.status == "rejected"
        assert result.exit_code == 1
        assert result.message.startswith("sha256 of the block with nonce ")
        assert result.message.endswith("zero bits, need 12")  # conftest.py's difficulty


def run_cli(tmp_path: Path, *args: str, **env: str) -> dict[str, Any]:
    hackattic = Path(sys.executable).with_name("hackattic")
    if not hackattic.exists():
        pytest.fail(f"the hackattic command is not installed next to {sys.executable}")
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("HACKATTIC_")}
    completed = subprocess.run(  # noqa: S603 - our own command and arguments
        [str(hackattic), "run", "mini_miner", "--sandbox", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,  # no .env of the developer's
        env={**clean, **env},
    )
    assert completed.returncode == 0, completed.stderr or completed.stdout
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def test_the_cli_passes_against_the_sandbox(tmp_path: Path) -> None:
    report = run_cli(tmp_path, "-o", "difficulty=12")
    assert report["status"] == "passed", report
    assert report["exit_code"] == 0


def test_the_cli_mines_in_worker_processes(tmp_path: Path) -> None:
    # Spawned workers re-import the CLI's main module: this shows they start and stop.
    report = run_cli(
        tmp_path,
        "-o",
        "difficulty=16",
        HACKATTIC_MINI_MINER_WORKERS="2",
        HACKATTIC_MINI_MINER_PARALLEL_DIFFICULTY="16",
    )
    assert report["status"] == "passed", report

"""The problem and solution models, the settings, and ``solve`` (checked by the emulation's
own checker, which shares no code with the solver)."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import threading
import time
from typing import Any

import pytest
from hackattic_mini_miner.challenge import (
    PARALLEL_DIFFICULTY,
    MiniMinerChallenge,
    MiniMinerProblem,
    MiniMinerSettings,
    MiniMinerSolution,
)
from hackattic_mini_miner.emulation import check_nonce
from hackattic_mini_miner.mining import block_prefix, hash_rate, usable_cores
from pydantic import ValidationError

from hackattic_core import CostLimitExceeded

SERVICE_PROBLEM: dict[str, Any] = {
    "difficulty": 14,
    "block": {"nonce": None, "data": [["a3c1f0e2b4d6a8c0e2f4a6b8c0d2e4f6", -40], ["00ff" * 8, 7]]},
}


class RecordingProgress:
    def __init__(self) -> None:
        self.updates: list[tuple[str, float | None]] = []
        self.done_lines: list[str] = []

    def update(
        self, description: str, *, completed: float | None = None, total: float | None = None
    ) -> None:
        self.updates.append((description, completed))

    def done(self, message: str) -> None:
        self.done_lines.append(message)


def solve(
    hackattic_context: Any, problem: dict[str, Any], timeout: float | None = None, **fields: Any
) -> MiniMinerSolution:
    async def run() -> MiniMinerSolution:
        async with hackattic_context(MiniMinerChallenge, **fields) as context:
            solving = MiniMinerChallenge().solve(MiniMinerProblem.model_validate(problem), context)
            return await asyncio.wait_for(solving, timeout)

    return asyncio.run(run())


def problem_of(data: list[list[Any]], difficulty: int) -> dict[str, Any]:
    return {"difficulty": difficulty, "block": {"nonce": None, "data": data}}


# ----------------------------------------------------------------------------- models


def test_the_services_problem_is_read() -> None:
    problem = MiniMinerProblem.model_validate(SERVICE_PROBLEM)
    assert problem.difficulty == 14
    assert problem.block.nonce is None
    assert problem.block.data[0] == ("a3c1f0e2b4d6a8c0e2f4a6b8c0d2e4f6", -40)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"difficulty": 0}, "difficulty"),
        ({"difficulty": 257}, "difficulty"),
        ({"block": {"nonce": None}}, "data"),
        # Coerced values would serialise unlike what the service hashes: refused.
        ({"block": {"nonce": None, "data": [["ab", "-40"]]}}, "data"),
        ({"block": {"nonce": None, "data": [["ab", -40.0]]}}, "data"),
        ({"block": {"nonce": None, "data": [["ab", True]]}}, "data"),
        ({"block": {"nonce": None, "data": [[12, -40]]}}, "data"),
        ({"block": {"nonce": None, "data": [["ab", -40, 1]]}}, "data"),
    ],
)
def test_a_malformed_problem_is_refused(change: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError, match=where):
        MiniMinerProblem.model_validate({**SERVICE_PROBLEM, **change})


def test_the_solution_is_just_the_nonce() -> None:
    assert MiniMinerSolution(nonce=45).model_dump(mode="json") == {"nonce": 45}


def test_settings_default_to_every_usable_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HACKATTIC_MINI_MINER_WORKERS", raising=False)
    monkeypatch.delenv("HACKATTIC_MINI_MINER_PARALLEL_DIFFICULTY", raising=False)
    settings = MiniMinerSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.workers == usable_cores()
    assert settings.parallel_difficulty == PARALLEL_DIFFICULTY
    monkeypatch.setenv("HACKATTIC_MINI_MINER_WORKERS", "3")
    assert MiniMinerSettings(_env_file=None).workers == 3  # type: ignore[call-arg]
    monkeypatch.setenv("HACKATTIC_MINI_MINER_WORKERS", "0")
    with pytest.raises(ValidationError, match="workers"):
        MiniMinerSettings(_env_file=None)  # type: ignore[call-arg]


# ----------------------------------------------------------------------------- solve


def test_solves_the_check_vector_block(hackattic_context: Any) -> None:
    progress = RecordingProgress()
    solution = solve(hackattic_context, problem_of([], 8), progress=progress)
    assert solution == MiniMinerSolution(nonce=45)
    assert len(progress.done_lines) == 1
    assert "nonce 45" in progress.done_lines[0]
    assert "in process" in progress.done_lines[0]


def test_solves_random_blocks_in_process(hackattic_context: Any) -> None:
    rng = random.Random(11)
    for _ in range(5):
        data = [[rng.randbytes(16).hex(), rng.randint(-100, 100)] for _ in range(rng.randint(1, 8))]
        solution = solve(hackattic_context, problem_of(data, 13))
        assert check_nonce(data, 13, solution.model_dump(mode="json")) is None


def test_solves_in_processes_from_the_parallel_difficulty(hackattic_context: Any) -> None:
    data = [["5f" * 16, -3], ["0a" * 16, 99]]
    progress = RecordingProgress()
    settings = MiniMinerSettings(workers=2, parallel_difficulty=14)
    solution = solve(
        hackattic_context, problem_of(data, 14), progress=progress, plugin_settings=settings
    )
    assert check_nonce(data, 14, solution.model_dump(mode="json")) is None
    assert "2 processes" in progress.done_lines[0]
    assert not multiprocessing.active_children()


def mining_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("hackattic-mine")]


def wait_until_no_mining_thread(seconds: float = 10.0) -> None:
    """run_blocking abandons its thread on cancellation; ours stops at its next look (a
    quarter of a second), its worker processes with it."""
    deadline = time.monotonic() + seconds
    while mining_threads() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not mining_threads()


def test_an_interrupted_solve_stops_mining(hackattic_context: Any) -> None:
    progress = RecordingProgress()
    with pytest.raises(TimeoutError):
        solve(
            hackattic_context,
            problem_of([], 40),
            timeout=0.6,
            progress=progress,
            plugin_settings=MiniMinerSettings(workers=1),
        )
    wait_until_no_mining_thread()
    # Progress came from the mining thread through the event loop.
    assert progress.updates
    assert progress.updates[-1][0] == "mining 40 bits"
    assert (progress.updates[-1][1] or 0) > 0, progress.updates


def test_an_interrupted_solve_stops_the_processes(hackattic_context: Any) -> None:
    settings = MiniMinerSettings(workers=2, parallel_difficulty=1)
    with pytest.raises(TimeoutError):
        solve(hackattic_context, problem_of([], 40), timeout=0.5, plugin_settings=settings)
    wait_until_no_mining_thread()
    assert not multiprocessing.active_children()


# ----------------------------------------------------------------------------- cost


@pytest.mark.parametrize(
    ("difficulty", "settings", "message"),
    [
        (
            33,
            MiniMinerSettings(),
            "the problem's difficulty is 33 bits, over the limit of 32 bits "
            "(HACKATTIC_MINI_MINER_MAX_DIFFICULTY)",
        ),
        (
            30,
            MiniMinerSettings(max_seconds=1, workers=1),
            "the problem's expected mining time (30 bits: 2**30 hashes at ",
        ),
    ],
    ids=["difficulty", "time"],
)
def test_a_costly_problem_is_refused(
    difficulty: int, settings: MiniMinerSettings, message: str
) -> None:
    problem = MiniMinerProblem.model_validate(problem_of([], difficulty))
    with pytest.raises(CostLimitExceeded) as caught:
        MiniMinerChallenge().check_cost(problem, settings)
    assert str(caught.value).startswith(message)
    assert caught.value.exit_code == 3


def test_hackattics_difficulties_cost_no_measurement() -> None:
    for difficulty in (13, 14, 23):
        problem = MiniMinerProblem.model_validate(problem_of([], difficulty))
        MiniMinerChallenge().check_cost(problem, MiniMinerSettings(max_seconds=1e-9))


def test_the_hash_rate_is_measured() -> None:
    rate = hash_rate(block_prefix([["ab" * 16, 1]]), seconds=0.02)
    assert rate > 10_000

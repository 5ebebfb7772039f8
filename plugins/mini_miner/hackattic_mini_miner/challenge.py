"""The challenge mini_miner: a nonce whose block's SHA-256 starts with enough zero bits.

The problem is ``{"difficulty": 14, "block": {"nonce": null, "data": [["<hex>", -40], …]}}``;
the answer ``{"nonce": N}`` for any integer N such that SHA-256 of the block serialised
with sorted keys and no whitespace, ``{"data":[…],"nonce":N}``, starts with at least
``difficulty`` zero bits. The search is :mod:`.mining`'s; it runs in a thread (and, from
``parallel_difficulty`` bits on, in one process per core), so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import threading
import time

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from pydantic_settings import SettingsConfigDict

from hackattic_core import (
    Challenge,
    ChallengeSettings,
    Context,
    CostLimitExceeded,
    Problem,
    Solution,
    SolverError,
    run_blocking,
)

from .mining import (
    DIGEST_BITS,
    MiningFailed,
    MiningResult,
    Report,
    block_prefix,
    hash_rate,
    leading_zero_bits,
    mine,
    serialise_block,
    usable_cores,
)

PARALLEL_DIFFICULTY = 20
"""From this many bits on, mine in worker processes. Measured on a 2-core machine: starting
two spawned workers from the ``hackattic`` CLI takes ~0.2 s (each re-imports the CLI, as
``spawn`` does), while one core tries ~2.5 M hashes/s. At 20 bits the expected search is
2**20 hashes (~0.4 s on one core): processes start to pay off there; at the service's 13–14
bits the search takes a few milliseconds in process."""


class Block(BaseModel):
    """The block to mine, as the service sends it (``nonce`` first, null)."""

    model_config = ConfigDict(extra="ignore")

    nonce: int | None = None
    """Always null in a problem: the nonce is what the solver finds."""
    data: list[tuple[StrictStr, StrictInt]]
    """``[hex string, small signed int]`` pairs. Strict: a value coerced to another type
    would serialise differently from what the service hashes."""


class MiniMinerProblem(Problem):
    """What ``GET /challenges/mini_miner/problem`` returns."""

    difficulty: int = Field(ge=1, le=DIGEST_BITS)
    """Leading zero bits (not hex digits) the block's SHA-256 must start with."""
    block: Block


class MiniMinerSolution(Solution):
    """What ``POST /challenges/mini_miner/solve`` expects."""

    nonce: int


SETTING_PREFIX = "HACKATTIC_MINI_MINER_"
DIFFICULTY_SETTING = SETTING_PREFIX + "MAX_DIFFICULTY"
SECONDS_SETTING = SETTING_PREFIX + "MAX_SECONDS"
MEASURE_FROM = 24
"""From this many bits on, the hash rate is measured (~50 ms) to estimate the search's
time; below, the expected 2**23 hashes take seconds on any machine."""
PROGRESS_LOG_INTERVAL = 10.0
"""Seconds between two progress lines in the log (``-v``), for runs without a terminal."""


class MiniMinerSettings(ChallengeSettings):
    """The solver's settings, as ``HACKATTIC_MINI_MINER_*`` (environment or .env)."""

    # Named here too, so that building it directly (tests, the benchmark) reads the same.
    model_config = SettingsConfigDict(env_prefix=SETTING_PREFIX)

    max_difficulty: int = Field(
        default=32,
        ge=1,
        le=DIGEST_BITS,
        description="Refuse a problem asking more zero bits (hackattic asks 13-14; each "
        "bit doubles the expected search: 32 bits are about 4 billion hashes).",
    )
    max_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="Refuse a problem whose expected search, at the hash rate measured "
        "on this machine with the workers used, would take longer than this.",
    )

    workers: int = Field(
        default_factory=usable_cores,
        ge=1,
        description="Worker processes for a difficult problem (default: the usable cores).",
    )
    parallel_difficulty: int = Field(
        default=PARALLEL_DIFFICULTY,
        ge=1,
        description="The lowest difficulty (bits) mined in worker processes; easier "
        "problems are mined in process, where starting processes would cost more than "
        "the search.",
    )


def zero_bits_of_block(data: list[tuple[str, int]], nonce: int) -> int:
    """Leading zero bits of the block with ``nonce``, hashed from scratch (a self-check)."""
    digest = hashlib.sha256(serialise_block(data, nonce)).digest()
    return leading_zero_bits(digest)


def _rate(result: MiningResult) -> str:
    per_second = result.hashes / result.seconds if result.seconds > 0 else 0.0
    return f"{per_second / 1e6:.2f} M hashes/s"


def workers_for(difficulty: int, settings: MiniMinerSettings) -> int:
    """Worker processes for ``difficulty`` bits (1: in process)."""
    return settings.workers if difficulty >= settings.parallel_difficulty else 1


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86400:,.0f} days"


def check_cost(problem: MiniMinerProblem, settings: MiniMinerSettings) -> None:
    """CostLimitExceeded if the difficulty is over the setting, or the expected search
    (2**difficulty hashes at the rate measured here) would outlast ``max_seconds``."""
    difficulty = problem.difficulty
    if difficulty > settings.max_difficulty:
        raise CostLimitExceeded(
            field="difficulty",
            value=difficulty,
            limit=settings.max_difficulty,
            setting=DIFFICULTY_SETTING,
            unit="bits",
        )
    if difficulty < MEASURE_FROM:
        return
    workers = workers_for(difficulty, settings)
    rate = hash_rate(block_prefix(problem.block.data)) * workers
    expected = 2**difficulty / rate
    if expected > settings.max_seconds:
        raise CostLimitExceeded(
            field=f"expected mining time ({difficulty} bits: 2**{difficulty} hashes at "
            f"{rate / 1e6:.1f} M hashes/s on {workers} core(s), about {_duration(expected)})",
            value=round(expected),
            limit=round(settings.max_seconds),
            setting=SECONDS_SETTING,
            unit="s",
        )


def mine_until_stopped(
    prefix: bytes,
    difficulty: int,
    workers: int,
    report: Report,
    stop: threading.Event | None = None,
) -> MiningResult:
    """:func:`.mining.mine`, ending early (worker processes included) once ``stop`` is set:
    ``run_blocking`` passes an event it sets when the run is cancelled."""
    cancelled = None if stop is None else stop.is_set
    return mine(prefix, difficulty, workers, report=report, cancelled=cancelled)


class MiniMinerChallenge(Challenge[MiniMinerProblem, MiniMinerSolution, MiniMinerSettings]):
    name = "mini_miner"
    title = "Mini miner: a nonce whose SHA-256 starts with enough zero bits"
    problem_model = MiniMinerProblem
    solution_model = MiniMinerSolution
    settings_model = MiniMinerSettings
    emulation_class = "hackattic_mini_miner.emulation:MiniMinerEmulation"

    def check_cost(self, problem: MiniMinerProblem, settings: MiniMinerSettings) -> None:
        check_cost(problem, settings)

    async def solve(
        self, problem: MiniMinerProblem, context: Context[MiniMinerSettings]
    ) -> MiniMinerSolution:
        settings = context.plugin_settings
        difficulty = problem.difficulty
        data = problem.block.data
        workers = workers_for(difficulty, settings)
        loop = asyncio.get_running_loop()
        description = f"mining {difficulty} bits"
        logger = context.logger
        started = time.monotonic()
        next_log = started + PROGRESS_LOG_INTERVAL

        def report(hashes: int) -> None:
            nonlocal next_log
            # Called from the mining thread: the progress belongs to the event loop.
            update = functools.partial(context.progress.update, description, completed=hashes)
            # RuntimeError: the loop closed meanwhile (an interrupted run).
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(update)
            now = time.monotonic()
            if now >= next_log:  # a line in the log too, for runs without a terminal
                next_log = now + PROGRESS_LOG_INTERVAL
                logger.info(
                    "mining %d bits: %s hashes in %.0f s (expected ~%s)",
                    difficulty,
                    f"{hashes:,}",
                    now - started,
                    f"{2**difficulty:,}",
                )

        logger.info(
            "mining %d bits, %s (expected ~%s hashes)",
            difficulty,
            f"{workers} processes" if workers > 1 else "in process",
            f"{2**difficulty:,}",
        )
        try:
            # A daemon thread (run_blocking): on cancellation it sets `stop`, which the
            # search (and its worker processes) looks at every quarter of a second.
            result = await run_blocking(
                mine_until_stopped, block_prefix(data), difficulty, workers, report
            )
        except MiningFailed as exc:
            raise SolverError(f"mining failed: {exc}") from None

        bits = zero_bits_of_block(data, result.nonce)
        if bits < difficulty:
            raise SolverError(
                f"the nonce {result.nonce} found gives only {bits} zero bits, need {difficulty}"
            )
        how = f"{result.processes} processes" if result.processes else "in process"
        context.progress.done(
            f"mini_miner: nonce {result.nonce} after {result.hashes:,} hashes in "
            f"{result.seconds:.2f} s ({_rate(result)}, {how})"
        )
        return MiniMinerSolution(nonce=result.nonce)

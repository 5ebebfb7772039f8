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
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from pydantic_settings import SettingsConfigDict

from hackattic_core import Challenge, ChallengeSettings, Context, Problem, Solution, SolverError

from .mining import (
    DIGEST_BITS,
    MiningFailed,
    MiningResult,
    block_prefix,
    leading_zero_bits,
    mine,
    serialise_block,
    usable_cores,
)

if TYPE_CHECKING:
    from hackattic_core import Emulation

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


class MiniMinerSettings(ChallengeSettings):
    """The solver's settings, as ``HACKATTIC_MINI_MINER_*`` (environment or .env)."""

    # Named here too, so that building it directly (tests, the benchmark) reads the same.
    model_config = SettingsConfigDict(env_prefix="HACKATTIC_MINI_MINER_")

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


class MiniMinerChallenge(Challenge):
    name = "mini_miner"
    title = "Mini miner: a nonce whose SHA-256 starts with enough zero bits"
    problem_model = MiniMinerProblem
    solution_model = MiniMinerSolution
    settings_model = MiniMinerSettings

    async def solve(self, problem: MiniMinerProblem, context: Context) -> MiniMinerSolution:
        settings = context.plugin_settings
        if not isinstance(settings, MiniMinerSettings):
            settings = MiniMinerSettings()
        difficulty = problem.difficulty
        data = problem.block.data
        workers = settings.workers if difficulty >= settings.parallel_difficulty else 1
        loop = asyncio.get_running_loop()
        description = f"mining {difficulty} bits"

        def report(hashes: int) -> None:
            # Called from the mining thread: the progress belongs to the event loop.
            update = functools.partial(context.progress.update, description, completed=hashes)
            # RuntimeError: the loop closed meanwhile (an interrupted run).
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(update)

        cancelled = threading.Event()
        context.logger.debug(
            "mining %d bits, %s (expected ~%d hashes)",
            difficulty,
            f"{workers} processes" if workers > 1 else "in process",
            2**difficulty,
        )
        try:
            result = await asyncio.to_thread(
                mine,
                block_prefix(data),
                difficulty,
                workers,
                report=report,
                cancelled=cancelled.is_set,
            )
        except MiningFailed as exc:
            raise SolverError(f"mining failed: {exc}") from None
        finally:
            # An interrupted await leaves the thread running: this makes it stop.
            cancelled.set()

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

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        # Imported here: `hackattic list` must not load the sandbox's server stack.
        from .emulation import MiniMinerEmulation

        return MiniMinerEmulation

"""The challenge brute_force_zip: find a ZIP's ZipCrypto password and read its secret.

``{"zip_url"}`` → ``{"secret"}``: the ZIP's entries are encrypted under a password of 4 to
6 characters of ``[a-z0-9]``; the answer is ``secret.txt``, stripped, within 30 s of the
problem. The search (:mod:`.search`) tries lengths 5, 4, then 6 (every real password seen
had 5 characters) on every core, at native speed (:mod:`._zipcrypto`, a C extension).
"""

from __future__ import annotations

import asyncio
import os
import string
import time
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from hackattic_core import (
    AttemptLost,
    Challenge,
    ChallengeSettings,
    Context,
    DownloadUrl,
    Problem,
    ServiceError,
    Solution,
    SolverError,
    run_blocking,
)

from .archive import read_archive
from .search import Found, Search, SearchSpace, Target

DEFAULT_CHARSET = string.ascii_lowercase + string.digits
PROGRESS_INTERVAL = 0.25
"""Seconds between progress updates while the search runs."""


class BruteForceZipProblem(Problem):
    """What ``GET /challenges/brute_force_zip/problem`` returns."""

    zip_url: DownloadUrl
    """A one-time link to the ZIP, expiring with the 30 s deadline."""


class BruteForceZipSolution(Solution):
    """What ``POST /challenges/brute_force_zip/solve`` expects."""

    secret: str
    """``secret.txt``, stripped."""


class BruteForceZipSettings(ChallengeSettings):
    """The solver's settings, as ``HACKATTIC_BRUTE_FORCE_ZIP_*`` (environment or .env)."""

    model_config = SettingsConfigDict(env_prefix="HACKATTIC_BRUTE_FORCE_ZIP_")

    lengths: Annotated[list[int], NoDecode] = Field(
        default=[5, 4, 6],
        description="Password lengths searched, in this order, comma-separated "
        "(5 first: every real password seen had 5 characters).",
    )
    charset: str = Field(
        default=DEFAULT_CHARSET,
        min_length=1,
        max_length=95,
        description="The characters a password is made of (printable ASCII).",
    )
    workers: int = Field(
        default=0, ge=0, le=1024, description="Search threads; 0: one per available core."
    )
    give_up_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Seconds after the download past which a search still running is given "
        "up and a fresh problem fetched (hackattic wants the answer within 30 s, and most "
        "passwords have 5 characters); 0: never give up.",
    )
    max_entries: int = Field(
        default=1000, ge=1, description="Most entries a ZIP may have (hackattic's have 3)."
    )
    max_secret_bytes: int = Field(
        default=1 << 20, ge=1, description="Largest secret.txt read (hackattic's: ~50 bytes)."
    )

    @field_validator("lengths", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("lengths")
    @classmethod
    def _lengths(cls, value: list[int]) -> list[int]:
        if not value or any(not 1 <= n <= 16 for n in value) or len(set(value)) != len(value):
            raise ValueError("distinct lengths from 1 to 16, at least one")
        return value

    @field_validator("charset")
    @classmethod
    def _charset(cls, value: str) -> str:
        if any(c not in string.printable or c in string.whitespace for c in value):
            raise ValueError("printable ASCII without spaces only")
        if len(set(value)) != len(value):
            raise ValueError("each character once")
        return value

    def worker_count(self) -> int:
        """The threads to search with: the setting, or every core this process may use."""
        if self.workers:
            return self.workers
        if hasattr(os, "sched_getaffinity"):  # Linux: honours taskset and cgroup cpusets
            return len(os.sched_getaffinity(0))
        return os.cpu_count() or 1


class BruteForceZipChallenge(
    Challenge[BruteForceZipProblem, BruteForceZipSolution, BruteForceZipSettings]
):
    name = "brute_force_zip"
    title = "Brute force zip: a ZipCrypto password found on every core, at native speed"
    problem_model = BruteForceZipProblem
    solution_model = BruteForceZipSolution
    settings_model = BruteForceZipSettings
    emulation_class = "hackattic_brute_force_zip.emulation:BruteForceZipEmulation"

    async def solve(
        self, problem: BruteForceZipProblem, context: Context[BruteForceZipSettings]
    ) -> BruteForceZipSolution:
        settings = context.plugin_settings
        context.progress.update("downloading the ZIP")
        data = await _download(context, problem.zip_url)
        # hackattic's clock runs from the problem; ours from the download, just after it.
        give_up_at = time.monotonic() + settings.give_up_seconds * context.time_scale
        archive = read_archive(
            data,
            max_entries=settings.max_entries,
            max_secret_bytes=settings.max_secret_bytes,
            entries_setting="HACKATTIC_BRUTE_FORCE_ZIP_MAX_ENTRIES",
        )
        space = SearchSpace(settings.charset.encode(), tuple(settings.lengths))
        target = Target(
            headers=b"".join(entry.header for entry in archive.entries),
            checks=bytes(entry.check for entry in archive.entries),
            confirm=lambda password: archive.open_secret(password, settings.max_secret_bytes),
        )
        search = Search(space, target, workers=settings.worker_count())
        context.logger.info(
            "searching %s passwords: lengths %s over %d characters, %d threads",
            f"{space.total:,}",
            ",".join(map(str, space.lengths)),
            len(space.charset),
            search.workers,
        )
        found = await _run_with_progress(
            search, context, give_up_at if settings.give_up_seconds else None
        )
        if found is None:
            raise SolverError(
                f"no password of length {','.join(map(str, space.lengths))} over "
                f"{settings.charset!r} opens the ZIP ({search.tried:,} tried)"
            )
        rate = search.tried / search.elapsed / 1e6 if search.elapsed else 0.0
        context.progress.done(
            f"brute_force_zip: password {found.password.decode()!r} after {search.tried:,} "
            f"candidates in {search.elapsed:.1f} s ({rate:.0f} M/s on {search.workers} threads)"
        )
        return BruteForceZipSolution(secret=found.secret.decode("utf-8", "replace").strip())


async def _download(context: Context[BruteForceZipSettings], url: str) -> bytes:
    """The ZIP, through the core's bounded download; :class:`AttemptLost` if the link
    fails (expired, already used, dropped): it cannot be fetched again, and hackattic's
    30 s run from the problem, but a fresh problem may succeed."""
    try:
        return await context.download(url, what="ZIP")
    except ServiceError as exc:
        raise AttemptLost(f"{exc} (the link works once and expires)") from None


async def _run_with_progress(
    search: Search, context: Context[BruteForceZipSettings], give_up_at: float | None
) -> Found | None:
    """``search.run`` off the event loop, its progress reported meanwhile; cancelling
    this (Ctrl-C) stops the search's workers within a chunk. Past ``give_up_at``
    (``time.monotonic()``), the problem is lost: AttemptLost."""
    task = asyncio.ensure_future(run_blocking(search.run))
    total = search.space.total
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=PROGRESS_INTERVAL)
            if give_up_at is not None and time.monotonic() > give_up_at and not task.done():
                raise AttemptLost(
                    f"no password after {search.tried:,} candidates in {search.elapsed:.1f} s, "
                    "the time HACKATTIC_BRUTE_FORCE_ZIP_GIVE_UP_SECONDS allows (hackattic "
                    "wants the answer within 30 s): a fresh problem is fetched"
                )
            elapsed = search.elapsed
            rate = search.tried / elapsed / 1e6 if elapsed else 0.0
            # In millions: the core shows the counts with "%g" (7.6e+07 for whole numbers).
            context.progress.update(
                f"searching at {rate:.0f} M passwords/s; millions tried",
                completed=round(search.tried / 1e6, 1),
                total=round(total / 1e6, 1),
            )
        return task.result()
    finally:
        search.cancel()  # Ctrl-C, or a failure: every worker stops after its chunk
        if not task.done():
            task.cancel()

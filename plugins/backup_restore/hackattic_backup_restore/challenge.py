"""The challenge backup_restore: the alive ssns in a gzipped PostgreSQL dump, no database.

The problem's ``dump`` is base64 of a gzipped plain-text ``pg_dump`` (version 10) holding
one table, ``public.criminal_records``, whose rows come in a ``COPY ... FROM stdin`` block.
The answer lists the ``ssn`` of every row whose ``status`` is ``alive``, in table order.

Rather than restoring the dump into a PostgreSQL server, the solver streams it: base64,
then gunzip bounded to ``HACKATTIC_BACKUP_RESTORE_MAX_DUMP_BYTES`` (:mod:`.gunzip`), then
the COPY blocks read line by line in COPY's text format (:mod:`.dump_reader`). Anything
that is not such a dump is a one-line ProblemError (exit 3) naming what is wrong.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import TYPE_CHECKING

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from hackattic_core import Challenge, ChallengeSettings, Context, Problem, ProblemError, Solution

from .alive_ssns import find_alive_ssns
from .errors import DumpError, DumpTooLarge

if TYPE_CHECKING:
    from hackattic_core import Emulation

MIB = 1024 * 1024
DEFAULT_MAX_DUMP_BYTES = 64 * MIB
"""Hackattic's dumps are about 10 KB of text: 64 MiB leaves room and stops a gzip bomb."""


class BackupRestoreProblem(Problem):
    """What ``GET /challenges/backup_restore/problem`` returns: ``{"dump": "<base64>"}``."""

    dump: bytes
    """The gzipped dump, decoded from base64 (whitespace in the base64 is ignored)."""

    @field_validator("dump", mode="before")
    @classmethod
    def _decode(cls, value: object) -> bytes:
        if not isinstance(value, str):
            raise ValueError("expected a base64 string")
        try:
            return base64.b64decode("".join(value.split()), validate=True)
        except binascii.Error as exc:
            raise ValueError(f"not valid base64: {exc}") from None


class BackupRestoreSolution(Solution):
    """What ``POST /challenges/backup_restore/solve`` expects."""

    alive_ssns: list[str]
    """The ssn of every alive row, in table order."""


class BackupRestoreSettings(ChallengeSettings):
    """The solver's settings, as ``HACKATTIC_BACKUP_RESTORE_*`` (environment or .env)."""

    # Named here too, so that building it directly (tests) reads the same variables.
    model_config = SettingsConfigDict(env_prefix="HACKATTIC_BACKUP_RESTORE_")

    max_dump_bytes: int = Field(
        default=DEFAULT_MAX_DUMP_BYTES,
        ge=1,
        description="Largest decompressed dump read; a larger one (a gzip bomb) is refused.",
    )


class BackupRestoreChallenge(Challenge):
    name = "backup_restore"
    title = "Backup restore: the alive SSNs in a gzipped PostgreSQL dump"
    problem_model = BackupRestoreProblem
    solution_model = BackupRestoreSolution
    settings_model = BackupRestoreSettings

    async def solve(
        self,
        problem: BackupRestoreProblem,
        context: Context,
    ) -> BackupRestoreSolution:
        settings = context.plugin_settings
        if not isinstance(settings, BackupRestoreSettings):
            settings = BackupRestoreSettings()
        context.progress.update("reading the dump")
        try:
            # Off the event loop: a large dump takes a while to read.
            answer = await asyncio.to_thread(find_alive_ssns, problem.dump, settings.max_dump_bytes)
        except DumpTooLarge as exc:
            raise ProblemError(
                f"malformed backup_restore dump: {exc} "
                "(HACKATTIC_BACKUP_RESTORE_MAX_DUMP_BYTES sets the bound)"
            ) from None
        except DumpError as exc:
            raise ProblemError(f"malformed backup_restore dump: {exc}") from None
        context.progress.done(
            f"backup_restore: {len(answer.ssns)} alive of {answer.rows} criminal records"
        )
        return BackupRestoreSolution(alive_ssns=answer.ssns)

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        # Imported here: `hackattic list` must not load the sandbox's server stack.
        from .emulation import BackupRestoreEmulation

        return BackupRestoreEmulation

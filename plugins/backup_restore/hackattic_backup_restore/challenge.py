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

import base64
import binascii

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from hackattic_core import (
    Challenge,
    ChallengeSettings,
    Context,
    CostLimitExceeded,
    Problem,
    ProblemError,
    Solution,
    run_blocking,
)

from .alive_ssns import find_alive_ssns
from .errors import DumpError, DumpLimitExceeded
from .limits import (
    DEFAULT_MAX_COLUMNS,
    DEFAULT_MAX_COPY_STATEMENT_BYTES,
    DEFAULT_MAX_DUMP_BYTES,
    DEFAULT_MAX_LINE_BYTES,
    DEFAULT_MAX_LINES_PER_ROW,
    DEFAULT_MAX_ROWS,
    PREFIX,
    DumpLimits,
)

GZIP_OVERHEAD = 1024
"""gzip stores incompressible data with a few bytes per 64 KiB block: a compressed dump a
little over the decompressed bound still fits in it; far over, it cannot."""


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
    """The solver's settings, as ``HACKATTIC_BACKUP_RESTORE_*`` (environment or .env): how
    much of a dump it reads (see :mod:`.limits` for why each default)."""

    # Named here too, so that building it directly (tests) reads the same variables.
    model_config = SettingsConfigDict(env_prefix=PREFIX)

    max_dump_bytes: int = Field(
        default=DEFAULT_MAX_DUMP_BYTES,
        ge=1,
        description="Largest decompressed dump read; a larger one (a gzip bomb) is refused.",
    )
    max_line_bytes: int = Field(
        default=DEFAULT_MAX_LINE_BYTES,
        ge=1,
        description="Longest line of the dump, and longest row of a COPY block with its "
        "escaped newlines.",
    )
    max_copy_statement_bytes: int = Field(
        default=DEFAULT_MAX_COPY_STATEMENT_BYTES,
        ge=1,
        description="Longest COPY statement line (pg_dump's longest is about 210 KB).",
    )
    max_columns: int = Field(
        default=DEFAULT_MAX_COLUMNS,
        ge=1,
        description="Most columns a COPY statement may name (PostgreSQL's own limit).",
    )
    max_lines_per_row: int = Field(
        default=DEFAULT_MAX_LINES_PER_ROW,
        ge=1,
        description="Most lines one row may span through escaped newlines.",
    )
    max_rows: int = Field(
        default=DEFAULT_MAX_ROWS,
        ge=1,
        description="Most rows of criminal_records read (hackattic sends 70 to 90).",
    )

    def limits(self) -> DumpLimits:
        return DumpLimits(
            max_dump_bytes=self.max_dump_bytes,
            max_line_bytes=self.max_line_bytes,
            max_copy_statement_bytes=self.max_copy_statement_bytes,
            max_columns=self.max_columns,
            max_lines_per_row=self.max_lines_per_row,
            max_rows=self.max_rows,
        )


class BackupRestoreChallenge(
    Challenge[BackupRestoreProblem, BackupRestoreSolution, BackupRestoreSettings]
):
    name = "backup_restore"
    title = "Backup restore: the alive SSNs in a gzipped PostgreSQL dump"
    problem_model = BackupRestoreProblem
    solution_model = BackupRestoreSolution
    settings_model = BackupRestoreSettings
    emulation_class = "hackattic_backup_restore.emulation:BackupRestoreEmulation"

    def check_cost(self, problem: BackupRestoreProblem, settings: BackupRestoreSettings) -> None:
        # What the compressed size alone shows; the rest of the limits are crossed only as
        # the dump is read, and are refused the moment they are (DumpLimitExceeded).
        if len(problem.dump) > settings.max_dump_bytes + GZIP_OVERHEAD:
            raise CostLimitExceeded(
                field="compressed dump",
                value=len(problem.dump),
                limit=settings.max_dump_bytes,
                setting=PREFIX + "MAX_DUMP_BYTES",
                unit="bytes",
            )

    async def solve(
        self, problem: BackupRestoreProblem, context: Context[BackupRestoreSettings]
    ) -> BackupRestoreSolution:
        limits = context.plugin_settings.limits()
        context.progress.update("reading the dump")
        try:
            # Off the event loop, and abandoned (its stop event set) if the run is cancelled.
            answer = await run_blocking(find_alive_ssns, problem.dump, limits)
        except DumpLimitExceeded as exc:
            raise CostLimitExceeded(
                field=exc.field,
                value=exc.value,
                limit=exc.limit,
                setting=exc.setting,
                unit=exc.unit,
            ) from None
        except DumpError as exc:
            raise ProblemError(f"malformed backup_restore dump: {exc}") from None
        except MemoryError:
            # Every size is bounded; this means the machine has less memory than the
            # limits allow for: the dump is what is too large.
            raise ProblemError(
                "malformed backup_restore dump: reading it ran out of memory; lower the "
                f"{PREFIX}MAX_* limits to refuse such dumps before they cost that much"
            ) from None
        context.progress.done(
            f"backup_restore: {len(answer.ssns)} alive of {answer.rows} criminal records"
        )
        return BackupRestoreSolution(alive_ssns=answer.ssns)

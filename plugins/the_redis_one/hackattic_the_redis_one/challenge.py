"""The challenge the_redis_one: facts about a Redis RDB snapshot, read without Redis.

The problem is ``{"rdb": "<base64>", "requirements": {"check_type_of": "<key>"}}``: a
snapshot whose first 5 bytes (``REDIS``) were replaced. The answer is ``{"db_count",
"emoji_key_value", "expiry_millis", "<key>": "<its TYPE>"}``. Loading the file into a Redis
would not do: the key with an expiry expires seconds after the snapshot was taken, so a
Redis that loads it drops it. The file is read instead (:mod:`.rdb`, :mod:`.answer`).
"""

from __future__ import annotations

import base64
import binascii

from pydantic import BaseModel, ConfigDict, Field, field_validator
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

from .answer import read_answer
from .errors import RdbError

MIB = 1024 * 1024
MAX_KEY_CHARACTERS = 65_536
"""Redis allows longer key names; a name this long in a problem is not hackattic's."""
ANSWER_FIELDS = ("db_count", "emoji_key_value", "expiry_millis")


class Requirements(BaseModel):
    """The problem's ``requirements``."""

    model_config = ConfigDict(extra="ignore")

    check_type_of: str = Field(min_length=1, max_length=MAX_KEY_CHARACTERS)
    """The key whose type the answer names (as a field of its own)."""


class TheRedisOneProblem(Problem):
    """What ``GET /challenges/the_redis_one/problem`` returns."""

    rdb: bytes
    """The snapshot, decoded from base64 (whitespace in the base64 is ignored)."""
    requirements: Requirements

    @field_validator("rdb", mode="before")
    @classmethod
    def _decode(cls, value: object) -> bytes:
        if not isinstance(value, str):
            raise ValueError("expected a base64 string")
        try:
            return base64.b64decode("".join(value.split()), validate=True)
        except binascii.Error as exc:
            raise ValueError(f"not valid base64: {exc}") from None


class TheRedisOneSolution(Solution):
    """What ``POST /challenges/the_redis_one/solve`` expects; the key asked about is a
    field of its own (an extra field), its value the key's type."""

    model_config = ConfigDict(extra="allow")

    db_count: int
    emoji_key_value: str
    expiry_millis: int


class TheRedisOneSettings(ChallengeSettings):
    """The solver's bounds, as ``HACKATTIC_THE_REDIS_ONE_*`` (environment or .env)."""

    model_config = SettingsConfigDict(env_prefix="HACKATTIC_THE_REDIS_ONE_")

    max_rdb_bytes: int = Field(
        default=256 * MIB,
        ge=1,
        description="Largest snapshot read (hackattic's are under 1 KB); a larger one is "
        "refused before reading.",
    )
    max_string_bytes: int = Field(
        default=64 * MIB,
        ge=1,
        description="Largest string an LZF-compressed value may declare; more is refused "
        "before decompressing (an LZF bomb).",
    )
    verify_checksum: bool = Field(
        default=True,
        description="Refuse a snapshot whose CRC-64 trailer does not match (exit 3); false: "
        "read it anyway, with a warning.",
    )


class TheRedisOneChallenge(Challenge[TheRedisOneProblem, TheRedisOneSolution, TheRedisOneSettings]):
    name = "the_redis_one"
    title = "The redis one: facts about an RDB snapshot, read without Redis"
    problem_model = TheRedisOneProblem
    solution_model = TheRedisOneSolution
    settings_model = TheRedisOneSettings
    emulation_class = "hackattic_the_redis_one.emulation:TheRedisOneEmulation"

    def check_cost(self, problem: TheRedisOneProblem, settings: TheRedisOneSettings) -> None:
        if len(problem.rdb) > settings.max_rdb_bytes:
            raise CostLimitExceeded(
                field="rdb",
                value=f"{len(problem.rdb):,}",
                limit=f"{settings.max_rdb_bytes:,}",
                setting="HACKATTIC_THE_REDIS_ONE_MAX_RDB_BYTES",
                unit="bytes",
            )

    async def solve(
        self, problem: TheRedisOneProblem, context: Context[TheRedisOneSettings]
    ) -> TheRedisOneSolution:
        settings = context.plugin_settings
        key = problem.requirements.check_type_of
        if key in ANSWER_FIELDS:
            raise ProblemError(
                f"malformed the_redis_one problem: the key asked about, {key!r}, has the "
                "name of another answer field"
            )
        context.progress.update(f"reading a snapshot of {len(problem.rdb):,} bytes")
        try:
            answer = await run_blocking(
                read_answer,
                problem.rdb,
                key,
                max_string_bytes=settings.max_string_bytes,
                verify_checksum=settings.verify_checksum,
            )
        except RdbError as exc:  # RdbLimitExceeded included: its message names the setting
            raise ProblemError(f"malformed the_redis_one snapshot: {exc}") from None
        if answer.checksum == "mismatch":
            context.logger.warning("the snapshot's CRC-64 does not match; read it anyway")
        context.progress.done(
            f"the_redis_one: RDB v{answer.version}, {answer.keys} keys in {answer.db_count} "
            f"databases, CRC-64 {answer.checksum}; {key!r} is a {answer.checked_type}"
        )
        return TheRedisOneSolution.model_validate(
            {
                "db_count": answer.db_count,
                "emoji_key_value": answer.emoji_key_value,
                "expiry_millis": answer.expiry_millis,
                key: answer.checked_type,
            }
        )

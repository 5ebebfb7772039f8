"""The solver: the problem model, the answer, and hostile dumps as one-line ProblemErrors."""

from __future__ import annotations

import asyncio
import base64
import gzip
import zlib
from typing import Any

import pytest
from hackattic_backup_restore.challenge import (
    BackupRestoreChallenge,
    BackupRestoreProblem,
    BackupRestoreSettings,
    BackupRestoreSolution,
)
from hackattic_backup_restore.emulation import gzip_bomb
from hackattic_backup_restore.limits import DEFAULT_MAX_DUMP_BYTES
from pydantic import ValidationError

from hackattic_core import CostLimitExceeded, ExitCode, ProblemError, validate_problem

MIB = 1024 * 1024
DUMP = b"""--
-- PostgreSQL database dump
--

COPY public.criminal_records (id, name, ssn, status) FROM stdin;
1\tRodney Goodwin\t579-29-0060\talive
2\tMaria\\tLopez\t141-85-4255\tmissing
3\t\\N\t622-57-2228\talive
4\tJames Lee\t267-81-0916\tterminated
\\.
"""
COPY = b"COPY public.criminal_records (id, ssn, status) FROM stdin;\n"


def problem_for(compressed: bytes) -> BackupRestoreProblem:
    return BackupRestoreProblem.model_validate({"dump": base64.b64encode(compressed).decode()})


def solve(hackattic_context: Any, problem: BackupRestoreProblem, **fields: Any) -> Any:
    async def run() -> BackupRestoreSolution:
        async with hackattic_context(BackupRestoreChallenge, **fields) as context:
            return await BackupRestoreChallenge().solve(problem, context)

    return asyncio.run(run())


def test_solves_a_known_dump(hackattic_context: Any) -> None:
    solution = solve(hackattic_context, problem_for(gzip.compress(DUMP)))
    assert solution == BackupRestoreSolution(alive_ssns=["579-29-0060", "622-57-2228"])
    assert solution.model_dump(mode="json") == {"alive_ssns": ["579-29-0060", "622-57-2228"]}


def test_the_problem_decodes_base64_even_wrapped() -> None:
    compressed = gzip.compress(DUMP)
    encoded = base64.encodebytes(compressed).decode()  # lines of 76, as some encoders do
    assert "\n" in encoded
    assert BackupRestoreProblem.model_validate({"dump": encoded}).dump == compressed


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("not base64!", "not valid base64"),
        ("abc", "not valid base64"),  # bad padding
        (12, "expected a base64 string"),
        (None, "expected a base64 string"),
    ],
)
def test_a_dump_that_is_not_base64_is_refused_naming_the_field(value: object, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        BackupRestoreProblem.model_validate({"dump": value})
    with pytest.raises(ProblemError, match="field 'dump'") as raised:
        validate_problem(BackupRestoreChallenge, {"dump": value})
    assert raised.value.exit_code == ExitCode.SERVICE


HOSTILE = [
    (b"-- PostgreSQL database dump\n", "not gzip: it does not start with the gzip magic"),
    (zlib.compress(DUMP), "not gzip"),
    (gzip.compress(DUMP)[:-20], "truncated gzip"),
    (gzip.compress(b"-- nothing\n"), "no COPY ... FROM stdin for the table public.criminal_"),
    (
        gzip.compress(b"COPY public.criminal_records (id, status) FROM stdin;\n\\.\n"),
        r"has no column ssn \(it has id, status\)",
    ),
    (gzip.compress(COPY + b"1\t2\n\\.\n"), "row 1 of public.criminal_records .* has 2 fields"),
    (gzip.compress(COPY + b"1\t2\talive\n"), r"is not ended by a \\. line"),
]


@pytest.mark.parametrize(("compressed", "reason"), HOSTILE)
def test_a_hostile_dump_is_a_one_line_problem_error(
    hackattic_context: Any, compressed: bytes, reason: str
) -> None:
    with pytest.raises(ProblemError, match="^malformed backup_restore dump: .*" + reason) as raised:
        solve(hackattic_context, problem_for(compressed))
    assert "\n" not in str(raised.value)
    assert raised.value.exit_code == ExitCode.SERVICE


def test_a_gzip_bomb_is_refused_naming_the_setting(hackattic_context: Any) -> None:
    # Zeros with no newline: the line bound (1 MiB) is crossed long before the dump's.
    with pytest.raises(CostLimitExceeded, match="over the limit of 1048576 bytes") as raised:
        solve(hackattic_context, problem_for(gzip_bomb(128 * MIB)))
    assert raised.value.setting == "HACKATTIC_BACKUP_RESTORE_MAX_LINE_BYTES"
    assert raised.value.exit_code == ExitCode.SERVICE
    lines = BackupRestoreSettings(_env_file=None, max_line_bytes=256 * MIB)  # type: ignore[call-arg]
    with pytest.raises(CostLimitExceeded, match="over the limit of 67108864 bytes") as raised:
        solve(hackattic_context, problem_for(gzip_bomb(128 * MIB)), plugin_settings=lines)
    assert raised.value.setting == "HACKATTIC_BACKUP_RESTORE_MAX_DUMP_BYTES"


def test_a_compressed_dump_larger_than_the_bound_is_refused_before_reading() -> None:
    settings = BackupRestoreSettings(_env_file=None, max_dump_bytes=1000)  # type: ignore[call-arg]
    small, large = problem_for(gzip.compress(DUMP)), problem_for(bytes(5000))
    BackupRestoreChallenge().check_cost(small, settings)
    with pytest.raises(CostLimitExceeded, match="compressed dump is 5000 bytes") as raised:
        BackupRestoreChallenge().check_cost(large, settings)
    assert raised.value.setting == "HACKATTIC_BACKUP_RESTORE_MAX_DUMP_BYTES"


def test_the_bound_is_a_setting(hackattic_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert BackupRestoreSettings(_env_file=None).max_dump_bytes == DEFAULT_MAX_DUMP_BYTES  # type: ignore[call-arg]
    monkeypatch.setenv("HACKATTIC_BACKUP_RESTORE_MAX_DUMP_BYTES", "100")
    settings = BackupRestoreSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.max_dump_bytes == 100
    with pytest.raises(CostLimitExceeded, match="over the limit of 100 bytes"):
        solve(hackattic_context, problem_for(gzip.compress(DUMP)), plugin_settings=settings)

"""The solver on problems it must refuse or lose, through its own download."""

from __future__ import annotations

import asyncio
import io
import zipfile

import pydantic
import pytest
from hackattic_brute_force_zip.challenge import (
    BruteForceZipChallenge,
    BruteForceZipProblem,
    BruteForceZipSettings,
)

from hackattic_core import AttemptLost, CostLimitExceeded, ProblemError


def test_a_problem_needs_an_http_url() -> None:
    assert BruteForceZipProblem(zip_url="https://hackattic.com/x.zip").zip_url
    for bad in ("ftp://x/y.zip", "file:///etc/passwd", "x" * 5000):
        with pytest.raises(pydantic.ValidationError):
            BruteForceZipProblem(zip_url=bad)


def test_lengths_read_from_a_comma_separated_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HACKATTIC_BRUTE_FORCE_ZIP_LENGTHS", "6, 5")
    assert BruteForceZipSettings().lengths == [6, 5]
    monkeypatch.setenv("HACKATTIC_BRUTE_FORCE_ZIP_CHARSET", "aa")
    with pytest.raises(pydantic.ValidationError, match="each character once"):
        BruteForceZipSettings()


def _solve(hackattic_sandbox, hackattic_context, data: bytes | None, **settings: int):  # type: ignore[no-untyped-def]
    """Solve a problem whose link serves ``data`` (None: a link already used)."""
    downloads = hackattic_sandbox.emulations["brute_force_zip"].env.downloads
    url = downloads.publish(data or b"", "application/zip", name="p.zip")
    if data is None:
        downloads.take(url.split("/")[-2])

    async def solve() -> object:
        async with hackattic_context(
            BruteForceZipChallenge, plugin_settings=BruteForceZipSettings(**settings)
        ) as context:
            problem = BruteForceZipProblem(zip_url=url)
            return await BruteForceZipChallenge().solve(problem, context)

    return asyncio.run(solve())


def test_garbage_is_a_one_line_problem_error(hackattic_sandbox, hackattic_context) -> None:
    with pytest.raises(ProblemError, match="the ZIP cannot be read"):
        _solve(hackattic_sandbox, hackattic_context, b"PK\x03\x04 not really")


def test_a_zip_with_too_many_entries_is_refused(hackattic_sandbox, hackattic_context) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(20):
            archive.writestr(f"{i}.txt", b"")
    with pytest.raises(CostLimitExceeded, match="HACKATTIC_BRUTE_FORCE_ZIP_MAX_ENTRIES"):
        _solve(hackattic_sandbox, hackattic_context, buffer.getvalue(), max_entries=5)


def test_a_used_link_loses_the_attempt(hackattic_sandbox, hackattic_context) -> None:
    with pytest.raises(AttemptLost, match="HTTP 404"):
        _solve(hackattic_sandbox, hackattic_context, None)

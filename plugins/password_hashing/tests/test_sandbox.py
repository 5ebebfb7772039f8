"""password_hashing end to end against the sandbox: through the runner, and through the
real command line in a process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hackattic_core import RunResult

Run = Callable[..., RunResult]
HACKATTIC = Path(sys.executable).with_name("hackattic")


def test_passes_in_the_sandbox(hackattic_run: Run) -> None:
    result = hackattic_run("password_hashing")
    assert result.passed, result.error or result.message
    assert result.solution is not None
    assert set(result.solution) == {"sha256", "hmac", "pbkdf2", "scrypt"}


def hackattic(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command and arguments
        [str(HACKATTIC), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


Options = dict[str, dict[str, Any]]


def small_options(sandbox_options: Options, **overrides: object) -> list[str]:
    """``-o key=value`` for this test module's small conditions (see conftest.py)."""
    options = []
    for key, value in {**sandbox_options["password_hashing"], **overrides}.items():
        options += ["-o", f"{key}={value}"]
    return options


@pytest.mark.parametrize("rounds_field", ["rounds", "iterations"])
def test_the_command_line_passes(rounds_field: str, hackattic_sandbox_options: Options) -> None:
    done = hackattic(
        "run",
        "password_hashing",
        "--sandbox",
        *small_options(hackattic_sandbox_options, rounds_field=rounds_field),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "passed", report
    assert report["exit_code"] == 0


def test_the_command_line_refuses_too_little_memory_in_one_line(
    hackattic_sandbox_options: Options,
) -> None:
    done = hackattic(
        "run",
        "password_hashing",
        "--sandbox",
        *small_options(hackattic_sandbox_options, scrypt_n=2**19, scrypt_r=32),
        "--json",
        env={"HACKATTIC_PASSWORD_HASHING_MEMORY_LIMIT_MIB": "64"},
    )
    assert done.returncode == 4, done.stderr
    report = json.loads(done.stdout)
    assert report["exit_code"] == 4
    assert "needs 2.0 GiB of memory but only 64 MiB is available" in report["error"]
    assert "Traceback" not in done.stderr

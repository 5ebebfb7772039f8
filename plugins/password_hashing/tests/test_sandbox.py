"""password_hashing end to end against the sandbox: through the runner, and through the
real command line in a process of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hackattic_core import ExitCode, RunResult
from hackattic_core.testing import CliResult

Run = Callable[..., RunResult]
Cli = Callable[..., CliResult]
Options = dict[str, dict[str, Any]]


def test_passes_in_the_sandbox(hackattic_run: Run) -> None:
    result = hackattic_run("password_hashing")
    assert result.passed, result.error or result.message
    assert result.solution is not None
    assert set(result.solution) == {"sha256", "hmac", "pbkdf2", "scrypt"}


def small_options(sandbox_options: Options, **overrides: object) -> list[str]:
    """``-o key=value`` for this test module's small conditions (see conftest.py)."""
    options = []
    for key, value in {**sandbox_options["password_hashing"], **overrides}.items():
        options += ["-o", f"{key}={value}"]
    return options


@pytest.mark.parametrize(
    "overrides",
    [{"rounds_field": "rounds"}, {"rounds_field": "iterations"}, {"non_ascii": "true"}],
    ids=["rounds", "iterations", "non-ascii"],
)
def test_the_command_line_passes(
    overrides: dict[str, str], hackattic_sandbox_options: Options, hackattic_cli: Cli
) -> None:
    result = hackattic_cli(
        "run",
        "password_hashing",
        "--sandbox",
        *small_options(hackattic_sandbox_options, **overrides),
        "--json",
    )
    assert result.exit_code == ExitCode.PASSED, result
    assert result.json["status"] == "passed"


def test_the_command_line_refuses_too_much_memory_in_one_line(
    hackattic_sandbox_options: Options, hackattic_cli: Cli
) -> None:
    result = hackattic_cli(
        "run",
        "password_hashing",
        "--sandbox",
        *small_options(hackattic_sandbox_options, scrypt_n=2**19, scrypt_r=32),
        "--json",
        env={"HACKATTIC_PASSWORD_HASHING_MAX_SCRYPT_MEMORY_MIB": "64"},
        check=False,  # the kit takes any *PASSWORD* variable's value for a secret
    )
    assert result.exit_code == ExitCode.SERVICE, result
    assert "Traceback" not in result.stderr
    error = result.json["error"]
    assert "is 2049 MiB, over the limit of 64 MiB" in error
    assert "HACKATTIC_PASSWORD_HASHING_MAX_SCRYPT_MEMORY_MIB" in error

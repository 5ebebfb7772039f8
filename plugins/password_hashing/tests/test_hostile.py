"""Hostile problems (issue 20) through the real command line, served by the core's fake
hackattic: each is refused before any hashing, with one line and exit 3, in bounded
memory; and a solve that would run for minutes ends at once on Ctrl-C."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hackattic_core import ExitCode
from hackattic_core.testing import CliProcess, CliResult, FakeService, interrupt

CONTROL = "b19a18ea8a50a861d08eb94be602f6cbfe67ab98d2021400a3b83fbe3b8ba698"
RSS_BOUND_MB = 300
"""Far below what any of these problems would take if it were started (≥ 2 GiB)."""


def crafted(
    n: int = 2**18, r: int = 16, p: int = 2, rounds: int = 500_000, buflen: int = 32
) -> dict[str, Any]:
    return {
        "password": "tunnel-lantern 42",
        "salt": "c2FsdHlzYWx0",
        "pbkdf2": {"rounds": rounds, "hash": "sha256"},
        "scrypt": {"N": n, "r": r, "p": p, "buflen": buflen, "_control": CONTROL},
    }


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        # r = 10**9 made the validation build 2**(16·r): 6.2 GiB and 103 s.
        (crafted(r=10**9), "field 'scrypt.r': input should be less than or equal to"),
        (crafted(r=10**10), "field 'scrypt.r': input should be less than or equal to"),
        # About 1.8 days of scrypt in 2 GiB.
        (crafted(n=2**15, r=2, p=2**23 - 1), "HACKATTIC_PASSWORD_HASHING_MAX_SCRYPT_WORK"),
        # 11 minutes of PBKDF2.
        (crafted(rounds=2**31 - 1), "HACKATTIC_PASSWORD_HASHING_MAX_PBKDF2_ROUNDS"),
        # 4 GiB of scrypt memory.
        (crafted(n=2**20, r=32, p=2), "HACKATTIC_PASSWORD_HASHING_MAX_SCRYPT_MEMORY_MIB"),
        # OpenSSL's own limit on p·128·r ("requires 8MB of memory", it said).
        (crafted(n=2**10, r=8, p=2**21), "over OpenSSL's limit of 2147483647"),
        (crafted(n=2**17, r=1), "must be below 2**(16·r) = 2**16"),
    ],
    ids=["r=1e9", "r=1e10", "p=2^23-1", "rounds=2^31-1", "4GiB", "openssl-p128r", "N-vs-r"],
)
def test_a_costly_problem_is_refused_in_one_line(
    problem: dict[str, Any],
    expected: str,
    hackattic_fake_service: FakeService,
    hackattic_cli: Callable[..., CliResult],
) -> None:
    env = hackattic_fake_service.serve(problem)
    result = hackattic_cli("run", "password_hashing", "--json", env=env, timeout=60)
    assert result.exit_code == ExitCode.SERVICE, result
    error = result.json["error"]
    assert expected in error, result
    assert "\n" not in error
    assert hackattic_fake_service.submitted() == []
    assert result.max_rss_mb < RSS_BOUND_MB, result.max_rss_mb


def test_the_refusal_is_one_line(
    hackattic_fake_service: FakeService, hackattic_cli: Callable[..., CliResult]
) -> None:
    env = hackattic_fake_service.serve(crafted(rounds=2**31 - 1))
    result = hackattic_cli("run", "password_hashing", env=env, timeout=60)
    assert result.exit_code == ExitCode.SERVICE, result
    [line] = [line for line in result.stdout.splitlines() if "error:" in line]
    assert "pbkdf2.rounds (about 12 minutes) is 2147483647, over the limit of 10000000" in line


def test_a_raised_limit_lets_it_through(
    hackattic_fake_service: FakeService, hackattic_cli: Callable[..., CliResult]
) -> None:
    served = hackattic_fake_service.serve(crafted(n=1024, r=8, p=1, rounds=1000))
    env = {**served, "HACKATTIC_PASSWORD_HASHING_MAX_SCRYPT_MEMORY_MIB": "1"}
    refused = hackattic_cli("run", "password_hashing", "--json", env=env)
    assert refused.exit_code == ExitCode.SERVICE, refused
    env["HACKATTIC_PASSWORD_HASHING_MAX_SCRYPT_MEMORY_MIB"] = "2"
    passed = hackattic_cli("run", "password_hashing", "--json", env=env)
    assert passed.exit_code == ExitCode.PASSED, passed


@pytest.mark.parametrize(
    "bound", [pytest.param(None, id="untimed"), pytest.param(10.0, marks=pytest.mark.timing)]
)
def test_ctrl_c_during_a_long_solve_ends_the_run(
    bound: float | None, hackattic_cli_start: Callable[..., CliProcess]
) -> None:
    """Ctrl-C well into about 11 minutes of PBKDF2 (allowed by the setting)."""
    process = hackattic_cli_start(
        *("run", "password_hashing", "--sandbox", "--json", "-v"),
        *("-o", f"rounds={2**31 - 1}", "-o", "scrypt_n=1024", "-o", "scrypt_r=8"),
        env={"HACKATTIC_PASSWORD_HASHING_MAX_PBKDF2_ROUNDS": str(2**31 - 1)},
    )
    result, after_signal = interrupt(process, lambda: "started" in process.stderr_so_far())
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED
    assert bound is None or after_signal < bound, f"{after_signal:.1f} s after SIGINT"

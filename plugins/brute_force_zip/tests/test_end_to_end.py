"""Fetch, solve and submit against the sandbox: in process, and through the real CLI."""

from __future__ import annotations

import json
import signal
import time

import pytest

from hackattic_core.testing import CliResult, ExitCode

SLUG = "brute_force_zip"


def test_passes_in_the_sandbox_with_a_real_looking_problem(hackattic_run) -> None:
    result = hackattic_run("brute_force_zip")  # 5 random characters of [a-z0-9]
    assert result.passed, result.error or result.message


def sandbox_run(cli, *options: str, **settings: str) -> CliResult:  # type: ignore[no-untyped-def]
    """``hackattic run brute_force_zip --sandbox --json OPTIONS`` with these settings
    (``lengths="4,5"`` is ``HACKATTIC_BRUTE_FORCE_ZIP_LENGTHS=4,5``)."""
    env = {f"HACKATTIC_BRUTE_FORCE_ZIP_{name.upper()}": value for name, value in settings.items()}
    result: CliResult = cli("run", SLUG, "--sandbox", "--json", *options, env=env)
    return result


def test_the_cli_solves_a_short_password(hackattic_cli) -> None:
    # 4 first: 1.7 M candidates at most.
    r = sandbox_run(hackattic_cli, "-o", "password_length=4", "--seed", "7", lengths="4,5,6")
    assert r.exit_code == ExitCode.PASSED, r.stderr
    assert r.json["solution"]["secret"].count(" ") == 4  # four two-word phrases


def test_the_cli_tries_other_lengths_and_the_crc_check_byte(hackattic_cli) -> None:
    options = ("-o", "password=q7", "-o", "data_descriptor=false")
    r = sandbox_run(hackattic_cli, *options, lengths="2,3")
    assert r.exit_code == ExitCode.PASSED, r.stderr


def test_a_password_outside_the_search_space_is_exit_4(hackattic_cli) -> None:
    r = sandbox_run(hackattic_cli, "-o", "password=AB", lengths="1,2")
    assert r.exit_code == ExitCode.SOLVER, r.stderr
    assert "no password of length 1,2" in r.json["error"]


def test_a_search_past_the_time_limit_loses_the_attempt(hackattic_cli) -> None:
    # Six characters come last: given up after 0.5 s, and a fresh problem is fetched.
    options = ("--attempts", "2", "-o", "password=zzzzzz")
    r = sandbox_run(hackattic_cli, *options, give_up_seconds="0.5")
    assert r.exit_code == ExitCode.SOLVER, r.stderr
    assert r.json["error"].count("GIVE_UP_SECONDS allows") == 2  # both attempts


def test_a_bad_setting_is_one_line_and_exit_2(hackattic_cli) -> None:
    r = hackattic_cli("run", SLUG, "--sandbox", env={"HACKATTIC_BRUTE_FORCE_ZIP_LENGTHS": "5,0"})
    assert r.exit_code == ExitCode.CONFIG, r.stderr
    assert "invalid setting HACKATTIC_BRUTE_FORCE_ZIP_LENGTHS" in r.stdout + r.stderr


def interrupt_a_long_search(cli_start) -> tuple[CliResult, float]:  # type: ignore[no-untyped-def]
    """SIGINT well into a search of seven characters (7.8·10¹⁰ candidates, the password
    the last of them, never given up: hours); the result and the seconds from the signal
    to the exit."""
    process = cli_start(
        "run", SLUG, "--sandbox", "--json",
        "-v",  # logs "searching …" when the search starts
        "-o", "password=9999999", "-o", "deadline_seconds=0",
        env={
            "HACKATTIC_BRUTE_FORCE_ZIP_LENGTHS": "7",
            "HACKATTIC_BRUTE_FORCE_ZIP_GIVE_UP_SECONDS": "0",
        },
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while "searching" not in process.stderr_so_far():
        assert time.monotonic() < deadline, process.stderr_so_far()
        time.sleep(0.1)
    time.sleep(0.5)  # well into the search
    process.send_signal(signal.SIGINT)
    signalled = time.monotonic()
    result = process.wait(timeout=60)
    return result, time.monotonic() - signalled


def test_sigint_during_a_long_search_ends_the_run(hackattic_cli_start) -> None:
    result, _ = interrupt_a_long_search(hackattic_cli_start)
    assert result.exit_code == ExitCode.INTERRUPTED, result.stderr
    assert json.loads(result.stdout)["exit_code"] == ExitCode.INTERRUPTED


@pytest.mark.timing
def test_sigint_during_a_long_search_ends_the_run_within_a_second_or_so(
    hackattic_cli_start,
) -> None:
    result, after_signal = interrupt_a_long_search(hackattic_cli_start)
    assert result.exit_code == ExitCode.INTERRUPTED, result.stderr
    # The search would take hours: ending in a few seconds means the workers stopped.
    assert after_signal < 5, f"the run ended {after_signal:.1f} s after SIGINT"

"""Fetch, solve and submit against the sandbox: in process, and through the real CLI."""

from __future__ import annotations

import signal
import time

from hackattic_core.testing import ExitCode


def test_passes_in_the_sandbox_with_a_real_looking_problem(hackattic_run) -> None:
    result = hackattic_run("brute_force_zip")  # 5 random characters of [a-z0-9]
    assert result.passed, result.error or result.message


def test_the_cli_solves_a_short_password(hackattic_cli) -> None:
    r = hackattic_cli(
        "run",
        "brute_force_zip",
        "--sandbox",
        "--json",
        "-o",
        "password_length=4",
        "--seed",
        "7",
        env={"HACKATTIC_BRUTE_FORCE_ZIP_LENGTHS": "4,5,6"},  # 4 first: 1.7 M candidates at most
    )
    assert r.exit_code == ExitCode.PASSED, r.stderr
    assert r.json["solution"]["secret"].count(" ") == 4  # four two-word phrases


def test_the_cli_tries_other_lengths_and_the_crc_check_byte(hackattic_cli) -> None:
    r = hackattic_cli(
        "run",
        "brute_force_zip",
        "--sandbox",
        "--json",
        "-o",
        "password=q7",
        "-o",
        "data_descriptor=false",
        env={"HACKATTIC_BRUTE_FORCE_ZIP_LENGTHS": "2,3"},
    )
    assert r.exit_code == ExitCode.PASSED, r.stderr


def test_a_password_outside_the_search_space_is_exit_4(hackattic_cli) -> None:
    r = hackattic_cli(
        "run",
        "brute_force_zip",
        "--sandbox",
        "--json",
        "-o",
        "password=AB",
        env={"HACKATTIC_BRUTE_FORCE_ZIP_LENGTHS": "1,2"},
    )
    assert r.exit_code == ExitCode.SOLVER, r.stderr
    assert "no password of length 1,2" in r.json["error"]


def test_a_search_past_the_time_limit_loses_the_attempt(hackattic_cli) -> None:
    # Six characters come last: given up after 0.5 s, and a fresh problem is fetched.
    r = hackattic_cli(
        "run",
        "brute_force_zip",
        "--sandbox",
        "--json",
        "--attempts",
        "2",
        "-o",
        "password=zzzzzz",
        env={"HACKATTIC_BRUTE_FORCE_ZIP_GIVE_UP_SECONDS": "0.5"},
    )
    assert r.exit_code == ExitCode.SOLVER, r.stderr
    assert r.json["error"].count("GIVE_UP_SECONDS allows") == 2  # both attempts


def test_a_bad_setting_is_one_line_and_exit_2(hackattic_cli) -> None:
    r = hackattic_cli(
        "run", "brute_force_zip", "--sandbox", env={"HACKATTIC_BRUTE_FORCE_ZIP_LENGTHS": "5,0"}
    )
    assert r.exit_code == ExitCode.CONFIG, r.stderr
    assert "invalid setting HACKATTIC_BRUTE_FORCE_ZIP_LENGTHS" in r.stdout + r.stderr


def test_ctrl_c_during_a_long_search_ends_the_run_at_once(hackattic_cli_start) -> None:
    # 999999: six characters, the last of the 2.2·10⁹ candidates in our order (tens of s).
    process = hackattic_cli_start(
        "run",
        "brute_force_zip",
        "--sandbox",
        "-v",  # logs "searching …" when the search starts
        "-o",
        "password=999999",
        "-o",
        "deadline_seconds=0",
    )
    deadline = time.monotonic() + 60
    while "searching" not in process.stderr_so_far():
        assert time.monotonic() < deadline, process.stderr_so_far()
        time.sleep(0.1)
    time.sleep(0.5)  # well into the search
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    result = process.wait(timeout=60)
    took = time.monotonic() - sent
    assert result.exit_code == ExitCode.INTERRUPTED, result.stderr
    # The whole search takes tens of seconds: ending in a few means the workers stopped.
    assert took < 10, f"{took:.1f} s after SIGINT"

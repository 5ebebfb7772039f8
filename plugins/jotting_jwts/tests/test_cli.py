"""Through the real command line: runs pass, an interrupted run ends at once, and no port
is left listening."""

from __future__ import annotations

import json
import re
import signal
import socket
import time
from typing import Any

import pytest

from hackattic_core.testing import CliResult, ExitCode

SLUG = "jotting_jwts"
FAULTS = ["expired", "future_nbf", "alg_none", "other_alg", "garbage", "oversized_token"]
PASSING = [arg for fault in FAULTS for arg in ("--fault", fault)]
"""A passing run meets every fault of the emulation."""
APP_URL = re.compile(r"http://127\.0\.0\.1:(\d+)/")


def listening(port: int) -> bool:
    """Whether something accepts connections on ``port`` on loopback."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_runs_pass_with_every_fault(hackattic_cli: Any) -> None:
    for extra, code in (
        (PASSING, ExitCode.PASSED),
        (["--fault", "always_reject"], ExitCode.REJECTED),
    ):
        result = hackattic_cli("run", SLUG, "--sandbox", "--json", *extra)
        assert result.exit_code == code, result.stderr
        assert APP_URL.fullmatch(result.json["solution"]["app_url"]), result.json


def interrupt_a_held_submit(cli_start: Any, service: Any) -> tuple[CliResult, float, int]:
    """SIGINT while the app is up and hackattic holds the submit (it would post its tokens
    and answer; with a 10-minute HTTP timeout the run would wait minutes): the result, the
    seconds from the signal to the exit, and the app's port."""
    service.hold_submit.set()
    env = service.serve({"jwt_secret": "a-secret-of-some-length"})
    process = cli_start(
        "run", SLUG, "--json",
        env={**env, "HACKATTIC_PUBLIC_HOST": "127.0.0.1", "HACKATTIC_HTTP_TIMEOUT": "600"},
    )  # fmt: skip
    assert service.submit_arrived.wait(60), process.stderr_so_far()
    match = APP_URL.fullmatch(json.loads(service.submitted()[0])["app_url"])
    assert match is not None, service.submitted()
    port = int(match.group(1))
    assert listening(port)  # the app is up while the submit is pending
    process.send_signal(signal.SIGINT)
    signalled = time.monotonic()
    result = process.wait(timeout=60)
    return result, time.monotonic() - signalled, port


def test_sigint_while_the_submit_is_held_ends_the_run_and_closes_the_app(
    hackattic_cli_start: Any, hackattic_fake_service: Any
) -> None:
    result, _, port = interrupt_a_held_submit(hackattic_cli_start, hackattic_fake_service)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert json.loads(result.stdout)["exit_code"] == ExitCode.INTERRUPTED
    assert not listening(port)


@pytest.mark.timing
def test_sigint_while_the_submit_is_held_ends_the_run_within_a_second_or_so(
    hackattic_cli_start: Any, hackattic_fake_service: Any
) -> None:
    result, after_signal, _ = interrupt_a_held_submit(hackattic_cli_start, hackattic_fake_service)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert after_signal < 5, f"the run ended {after_signal:.1f} s after SIGINT"


def test_against_a_server_playing_hackattic(hackattic_cli: Any, hackattic_sandbox: Any) -> None:
    """Not --sandbox: the sandbox served as hackattic is (from this test's process),
    reached by URL with a token and a public host."""
    result = hackattic_cli(
        "run", SLUG, "--json",
        env={
            "HACKATTIC_BASE_URL": hackattic_sandbox.base_url,
            "HACKATTIC_ACCESS_TOKEN": hackattic_sandbox.access_token,
            "HACKATTIC_PUBLIC_HOST": "127.0.0.1",
        },
    )  # fmt: skip
    assert result.exit_code == ExitCode.PASSED, result.stderr


def test_the_public_url_is_what_is_sent(hackattic_cli: Any) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    result = hackattic_cli(
        "run", SLUG, "--sandbox", "--json",
        env={
            "HACKATTIC_PUBLIC_URL": f"http://localhost:{port}/",
            "HACKATTIC_JOTTING_JWTS_PORT": str(port),
        },
    )  # fmt: skip
    assert result.exit_code == ExitCode.PASSED, result.stderr
    assert result.json["solution"]["app_url"] == f"http://localhost:{port}/"


def test_without_a_public_host_the_real_service_is_refused(hackattic_cli: Any) -> None:
    result = hackattic_cli("run", SLUG, env={"HACKATTIC_ACCESS_TOKEN": "not-a-real-token"})
    assert result.exit_code == ExitCode.CONFIG
    assert "set HACKATTIC_PUBLIC_HOST" in result.stdout + result.stderr

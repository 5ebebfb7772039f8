"""Through the real command line: runs pass, an interrupted run ends at once, and no port
is left listening."""

from __future__ import annotations

import json
import re
import socket
from typing import Any

import pytest

from hackattic_core.testing import ExitCode, interrupt

SLUG = "jotting_jwts"
TIMED = [pytest.param(None, id="untimed"), pytest.param(5.0, marks=pytest.mark.timing, id="timed")]
"""Run once, then again with the seconds from SIGINT to the exit bounded (``timing``)."""
FAULTS = ["expired", "future_nbf", "alg_none", "other_alg", "garbage", "oversized_token"]
PASSING = [arg for fault in FAULTS for arg in ("--fault", fault)]
"""A passing run meets every fault of the emulation."""
HELD = {"HACKATTIC_PUBLIC_HOST": "127.0.0.1", "HACKATTIC_HTTP_TIMEOUT": "600"}
"""A run against the fake service: its app reachable, its submit held for minutes."""
APP_URL = re.compile(r"http://127\.0\.0\.1:(\d+)/")


def test_runs_pass_with_every_fault(hackattic_cli: Any) -> None:
    for extra, code in (
        (PASSING, ExitCode.PASSED),
        (["--fault", "always_reject"], ExitCode.REJECTED),
    ):
        result = hackattic_cli("run", SLUG, "--sandbox", "--json", *extra)
        assert result.exit_code == code, result.stderr
        assert APP_URL.fullmatch(result.json["solution"]["app_url"]), result.json


@pytest.mark.parametrize("bound", TIMED)
def test_sigint_while_the_submit_is_held_ends_the_run_and_closes_the_app(
    bound: float | None, hackattic_cli_start: Any, hackattic_fake_service: Any, listening: Any
) -> None:
    """SIGINT while the app is up and hackattic holds the submit (it would post its tokens
    and answer; with a 10-minute HTTP timeout the run would wait minutes)."""
    service = hackattic_fake_service
    service.hold_submit.set()
    env = {**service.serve({"jwt_secret": "a-secret-of-some-length"}), **HELD}
    process = hackattic_cli_start("run", SLUG, "--json", env=env)
    assert service.submit_arrived.wait(60), process.stderr_so_far()
    match = APP_URL.fullmatch(json.loads(service.submitted()[0])["app_url"])
    assert match is not None, service.submitted()
    port = int(match.group(1))
    assert listening(port)  # the app is up while the submit is pending
    result, after_signal = interrupt(process, service.submit_arrived)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED
    assert not listening(port)
    assert bound is None or after_signal < bound, f"{after_signal:.1f} s after SIGINT"


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

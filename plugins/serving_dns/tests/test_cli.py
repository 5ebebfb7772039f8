"""Through the real command line: runs pass, an interrupted run ends at once, and nothing
is left listening."""

from __future__ import annotations

import json
import signal
import time
from typing import Any

import pytest

from hackattic_core.testing import CliResult, ExitCode

SLUG = "serving_dns"
PASSING = [
    *("--fault", "unknown_name", "--fault", "junk_packets"),
    *("-o", "tcp=true", "-o", "strict=true", "-o", "extra_records=4"),
]
"""A passing run meets every fault, a TCP query and the strict checks."""
PROBLEM = {"records": [{"name": "host.example.com", "type": "A", "data": "198.51.100.7"}]}


def test_runs_pass_with_every_fault(hackattic_cli: Any) -> None:
    for extra, code in (
        (PASSING, ExitCode.PASSED),
        (["--fault", "always_reject"], ExitCode.REJECTED),
    ):
        result = hackattic_cli("run", SLUG, "--sandbox", "--json", *extra)
        assert result.exit_code == code, result.stderr
        assert result.json["solution"]["dns_ip"] == "127.0.0.1"
        assert 0 < result.json["solution"]["dns_port"] < 65536


def interrupt_a_held_submit(
    cli_start: Any, service: Any, taken: Any
) -> tuple[CliResult, float, int]:
    """SIGINT while the server is up and hackattic holds the submit (it would query the
    records and answer; with a 10-minute HTTP timeout the run would wait minutes): the
    result, the seconds from the signal to the exit, and the server's port."""
    service.hold_submit.set()
    env = service.serve(PROBLEM)
    process = cli_start(
        "run", SLUG, "--json",
        env={**env, "HACKATTIC_PUBLIC_HOST": "127.0.0.1", "HACKATTIC_HTTP_TIMEOUT": "600"},
    )  # fmt: skip
    assert service.submit_arrived.wait(60), process.stderr_so_far()
    port = int(json.loads(service.submitted()[0])["dns_port"])
    assert taken(port) == (True, True)  # served while the submit is pending
    process.send_signal(signal.SIGINT)
    signalled = time.monotonic()
    result = process.wait(timeout=60)
    return result, time.monotonic() - signalled, port


def test_sigint_while_the_submit_is_held_ends_the_run_and_closes_the_server(
    hackattic_cli_start: Any, hackattic_fake_service: Any, taken: Any
) -> None:
    result, _, port = interrupt_a_held_submit(hackattic_cli_start, hackattic_fake_service, taken)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert json.loads(result.stdout)["exit_code"] == ExitCode.INTERRUPTED
    assert taken(port) == (False, False)


@pytest.mark.timing
def test_sigint_while_the_submit_is_held_ends_the_run_within_a_second_or_so(
    hackattic_cli_start: Any, hackattic_fake_service: Any, taken: Any
) -> None:
    result, after, _ = interrupt_a_held_submit(hackattic_cli_start, hackattic_fake_service, taken)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert after < 5, f"the run ended {after:.1f} s after SIGINT"


def test_a_public_host_name_is_sent_as_its_ipv4_address(
    hackattic_cli: Any, hackattic_sandbox: Any
) -> None:
    """Not --sandbox: the sandbox served as hackattic is (from this test's process),
    reached by URL with a token and a public host given by name."""
    result = hackattic_cli(
        "run", SLUG, "--json",
        env={
            "HACKATTIC_BASE_URL": hackattic_sandbox.base_url,
            "HACKATTIC_ACCESS_TOKEN": hackattic_sandbox.access_token,
            "HACKATTIC_PUBLIC_HOST": "localhost",
        },
    )  # fmt: skip
    assert result.exit_code == ExitCode.PASSED, result.stderr
    assert result.json["solution"]["dns_ip"] == "127.0.0.1"


def test_without_a_public_host_the_real_service_is_refused(hackattic_cli: Any) -> None:
    result = hackattic_cli("run", SLUG, env={"HACKATTIC_ACCESS_TOKEN": "not-a-real-token"})
    assert result.exit_code == ExitCode.CONFIG
    assert "set HACKATTIC_PUBLIC_HOST" in result.stdout + result.stderr

"""Through the real command line: runs pass, an interrupted run ends at once, and nothing
is left listening."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hackattic_core.testing import ExitCode, interrupt

SLUG = "serving_dns"
TIMED = [pytest.param(None, id="untimed"), pytest.param(5.0, marks=pytest.mark.timing, id="timed")]
"""Run once, then again with the seconds from SIGINT to the exit bounded (``timing``)."""
HELD = {"HACKATTIC_PUBLIC_HOST": "127.0.0.1", "HACKATTIC_HTTP_TIMEOUT": "600"}
"""A run against the fake service: its server reachable, its submit held for minutes."""
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


@pytest.mark.parametrize("bound", TIMED)
def test_sigint_while_the_submit_is_held_ends_the_run_and_closes_the_server(
    bound: float | None, hackattic_cli_start: Any, hackattic_fake_service: Any, taken: Any
) -> None:
    """SIGINT while the server is up and hackattic holds the submit (it would query the records
    and answer; with a 10-minute HTTP timeout the run would wait minutes)."""
    service = hackattic_fake_service
    service.hold_submit.set()
    env = {**service.serve(PROBLEM), **HELD}
    process = hackattic_cli_start("run", SLUG, "--json", env=env)
    assert service.submit_arrived.wait(60), process.stderr_so_far()
    port = int(json.loads(service.submitted()[0])["dns_port"])
    assert taken(port) == (True, True)  # served while the submit is pending
    result, after_signal = interrupt(process, service.submit_arrived)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED
    assert taken(port) == (False, False)
    assert bound is None or after_signal < bound, f"{after_signal:.1f} s after SIGINT"


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

"""Through the real command line: runs pass, and no port is left listening after any run."""

from __future__ import annotations

import signal
import socket

from hackattic_core.testing import ExitCode

SLUG = "serving_dns"
PASSING = [
    *("--fault", "unknown_name", "--fault", "junk_packets"),
    *("-o", "tcp=true", "-o", "strict=true", "-o", "extra_records=4"),
]
"""A passing run meets every fault, a TCP query and the strict checks."""


def test_runs_pass_with_every_fault_and_leave_nothing_listening(hackattic_cli, ports) -> None:
    for extra, code in (
        (PASSING, ExitCode.PASSED),
        (["--fault", "always_reject"], ExitCode.REJECTED),
    ):
        port = ports.free(socket.SOCK_DGRAM)
        result = hackattic_cli(
            "run",
            SLUG,
            "--sandbox",
            "--json",
            *extra,
            env={"HACKATTIC_SERVING_DNS_PORT": str(port)},
        )
        assert result.exit_code == code, result.stderr
        assert result.json["solution"]["dns_port"] == port
        assert ports.is_free(port, socket.SOCK_DGRAM)
        assert ports.is_free(port)


def test_nothing_listens_after_an_interrupted_run(hackattic_cli_start, ports) -> None:
    port = ports.free(socket.SOCK_DGRAM)
    # Each API answer comes 1.5 s late: the server is up while the solve request waits.
    process = hackattic_cli_start(
        "run", SLUG, "--sandbox", "--json", "--fault", "slow", "-o", "slow_seconds=1.5",
        env={"HACKATTIC_SERVING_DNS_PORT": str(port)},
    )  # fmt: skip
    ports.wait_until(lambda: not ports.is_free(port, socket.SOCK_DGRAM))
    process.send_signal(signal.SIGINT)
    result = process.wait()
    assert result.exit_code == ExitCode.INTERRUPTED, result.stderr
    assert ports.is_free(port, socket.SOCK_DGRAM)
    assert ports.is_free(port)


def test_a_public_host_name_is_sent_as_its_ipv4_address(hackattic_cli, standalone_sandbox) -> None:
    sandbox = standalone_sandbox()
    result = hackattic_cli(
        "run", SLUG, "--json",
        env={
            "HACKATTIC_BASE_URL": sandbox["base_url"],
            "HACKATTIC_ACCESS_TOKEN": sandbox["access_token"],
            "HACKATTIC_PUBLIC_HOST": "localhost",
        },
    )  # fmt: skip
    assert result.exit_code == ExitCode.PASSED, result.stderr
    assert result.json["solution"]["dns_ip"] == "127.0.0.1"


def test_without_a_public_host_the_real_service_is_refused(hackattic_cli) -> None:
    result = hackattic_cli("run", SLUG, env={"HACKATTIC_ACCESS_TOKEN": "not-a-real-token"})
    assert result.exit_code == ExitCode.CONFIG
    assert "set HACKATTIC_PUBLIC_HOST" in result.stdout + result.stderr

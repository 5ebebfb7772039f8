"""Through the real command line: runs pass, and no port is left listening after any run."""

from __future__ import annotations

import signal
import socket

from hackattic_core.testing import ExitCode

SLUG = "trivial_filing"
FAULTS = ["duplicate_ack", "lost_ack", "unknown_file", "write_request", "traversal", "blksize"]
PASSING = [arg for fault in FAULTS for arg in ("--fault", fault)]
"""A passing run meets every fault of the emulation."""


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
            env={
                "HACKATTIC_TRIVIAL_FILING_PORT": str(port),
                "HACKATTIC_TRIVIAL_FILING_TIMEOUT_SECONDS": "0.3",  # lost_ack resends sooner
            },
        )
        assert result.exit_code == code, result.stderr
        assert result.json["solution"]["tftp_port"] == port
        assert ports.is_free(port, socket.SOCK_DGRAM)


def test_nothing_listens_after_an_interrupted_run(hackattic_cli_start, ports) -> None:
    port = ports.free(socket.SOCK_DGRAM)
    # Each API answer comes 1.5 s late: the server is up while the solve request waits.
    process = hackattic_cli_start(
        "run", SLUG, "--sandbox", "--json", "--fault", "slow", "-o", "slow_seconds=1.5",
        env={"HACKATTIC_TRIVIAL_FILING_PORT": str(port)},
    )  # fmt: skip
    ports.wait_until(lambda: not ports.is_free(port, socket.SOCK_DGRAM))
    process.send_signal(signal.SIGINT)
    result = process.wait()
    assert result.exit_code == ExitCode.INTERRUPTED, result.stderr
    assert ports.is_free(port, socket.SOCK_DGRAM)


def test_against_a_standalone_server_playing_hackattic(hackattic_cli, standalone_sandbox) -> None:
    """Not the embedded sandbox: a server in another process, reached as the real one is."""
    sandbox = standalone_sandbox()
    result = hackattic_cli(
        "run", SLUG, "--json",
        env={
            "HACKATTIC_BASE_URL": sandbox["base_url"],
            "HACKATTIC_ACCESS_TOKEN": sandbox["access_token"],
            "HACKATTIC_PUBLIC_HOST": "127.0.0.1",
            "HACKATTIC_TRIVIAL_FILING_PORT": "0",
        },
    )  # fmt: skip
    assert result.exit_code == ExitCode.PASSED, result.stderr


def test_without_a_public_host_the_real_service_is_refused(hackattic_cli) -> None:
    result = hackattic_cli("run", SLUG, env={"HACKATTIC_ACCESS_TOKEN": "not-a-real-token"})
    assert result.exit_code == ExitCode.CONFIG
    assert "set HACKATTIC_PUBLIC_HOST" in result.stdout + result.stderr

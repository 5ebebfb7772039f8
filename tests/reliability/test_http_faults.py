"""The fault matrix's HTTP rows: ``hackattic run mirror`` against a faulty sandbox.

Each test starts ``hackattic sandbox`` in a process of its own with one fault switched on
and runs the real CLI against it (``mirror``, the test plugin of ``tests/plugins/mirror.py``);
``run_cli`` also checks, for every run, that the token
never shows and that ``--json`` prints exactly one object with the process's exit code.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .conftest import TOKEN, CliResult, CliRunner, SandboxFactory, retry_lines

SLUG = "mirror"
PROBLEM_ROUTE = f"GET /challenges/{SLUG}/problem"
SOLVE_ROUTE = f"POST /challenges/{SLUG}/solve"


def result_lines(result: CliResult, prefix: str) -> list[str]:
    """The lines of the human report starting with ``prefix`` (after the indent)."""
    return [line.strip() for line in result.stdout.splitlines() if line.strip().startswith(prefix)]


def the_error(result: CliResult) -> str:
    """The one error line a failed run reports on stdout (exactly one, or fail)."""
    errors = result_lines(result, "error:")
    assert len(errors) == 1, result
    return errors[0]


# -- 503 / 502 / 429: retried, then passed -------------------------------------------------


@pytest.mark.parametrize(("fault", "status"), [("http_503", "503"), ("http_502", "502")])
def test_5xx_for_the_first_requests_is_retried_then_passes(
    sandbox: SandboxFactory, run_cli: CliRunner, fault: str, status: str
) -> None:
    server = sandbox(fault, fault_count=3)
    result = run_cli("run", SLUG, "--json", "-v", sandbox=server)

    assert result.exit_code == 0, result
    assert result.json["status"] == "passed"
    assert result.json["retries"] == 3
    retries = retry_lines(result)
    assert len(retries) == 3, result
    assert all(status in line for line in retries), result
    assert all("waiting" in line for line in retries), result
    counts = server.http_counts(PROBLEM_ROUTE)
    assert counts == {status: 3, "200": 1}
    assert server.http_counts(SOLVE_ROUTE) == {"200": 1}


def test_429_waits_as_told_by_retry_after_then_passes(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    retry_after = 1.0
    server = sandbox("http_429", fault_count=1, retry_after=retry_after)
    result = run_cli("run", SLUG, "--json", "-v", sandbox=server)

    assert result.exit_code == 0, result
    assert result.json["status"] == "passed"
    # The fetch phase alone (not the process's start-up) held the wait.
    assert result.json["timings"]["fetch"] >= retry_after, result
    (retry,) = retry_lines(result)
    assert "429" in retry, result
    assert "waiting 1.0s" in retry, result
    assert server.http_counts(PROBLEM_ROUTE) == {"429": 1, "200": 1}


# -- connection reset / nothing listening ---------------------------------------------------


def test_connection_reset_for_the_first_requests_is_retried_then_passes(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = sandbox("reset", fault_count=2)
    result = run_cli("run", SLUG, "--json", "-vv", sandbox=server)

    assert result.exit_code == 0, result
    assert result.json["status"] == "passed"
    assert len(retry_lines(result)) == 2, result
    assert server.stats()["faults"] == {"reset": 2}
    assert server.http_counts(PROBLEM_ROUTE) == {"no answer": 2, "200": 1}


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_nothing_listening_is_retried_within_bounds_then_exit_3_with_one_line(
    run_cli: CliRunner,
) -> None:
    port = closed_port()
    env = {"HACKATTIC_BASE_URL": f"http://127.0.0.1:{port}", "HACKATTIC_RETRY_ATTEMPTS": "3"}
    result = run_cli("run", SLUG, "-v", env=env, token=TOKEN)

    assert result.exit_code == 3, result
    assert len(retry_lines(result)) == 2, result
    error = the_error(result)
    assert "could not connect" in error, result
    assert f"127.0.0.1:{port}" in error, result


def test_the_error_stays_on_one_line_when_stdout_is_piped(run_cli: CliRunner) -> None:
    env = {
        "HACKATTIC_BASE_URL": f"http://127.0.0.1:{closed_port()}",
        "HACKATTIC_RETRY_ATTEMPTS": "1",
        "COLUMNS": None,  # what a pipe or a CI job has
    }
    result = run_cli("run", SLUG, env=env, token=TOKEN)

    assert result.exit_code == 3, result
    error = the_error(result)
    assert "could not connect (All connection attempts failed)" in error, result


# -- a problem request that hangs ----------------------------------------------------------


def test_hanging_problem_request_times_out_is_retried_then_passes(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    # Two slow answers, four tries: the third GET is answered at once.
    server = sandbox("slow", fault_count=2, slow_seconds=30)
    env = {"HACKATTIC_HTTP_TIMEOUT": "0.5", "HACKATTIC_RETRY_ATTEMPTS": "4"}
    result = run_cli("run", SLUG, "--json", "-v", sandbox=server, env=env)

    assert result.exit_code == 0, result
    assert result.json["retries"] == 2
    retries = retry_lines(result)
    assert len(retries) == 2, result
    assert all("timed out waiting for the answer" in line for line in retries), result
    assert result.json["timings"]["fetch"] >= 2 * 0.5, result


def test_hanging_problem_request_times_out_every_try_then_exit_3(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = sandbox("slow", fault_count=10, slow_seconds=30)
    env = {"HACKATTIC_HTTP_TIMEOUT": "0.5", "HACKATTIC_RETRY_ATTEMPTS": "2"}
    result = run_cli("run", SLUG, "-v", sandbox=server, env=env)

    assert result.exit_code == 3, result
    assert len(retry_lines(result)) == 1, result
    error = the_error(result)
    assert "timed out waiting for the answer" in error, result
    assert f"/challenges/{SLUG}/problem" in error, result
    assert server.stats()["faults"] == {"slow": 2}


# -- malformed or incomplete problems ------------------------------------------------------


def test_malformed_problem_json_exits_3_with_one_line(
    shared_sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = shared_sandbox("malformed_problem")
    result = run_cli("run", SLUG, "-v", sandbox=server)

    assert result.exit_code == 3, result
    assert "the problem is not valid JSON" in the_error(result), result
    assert server.http_counts(SOLVE_ROUTE) == {}


def test_incomplete_problem_exits_3_naming_the_field(
    shared_sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = shared_sandbox("incomplete_problem")
    result = run_cli("run", SLUG, "--json", sandbox=server)

    assert result.exit_code == 3, result
    assert "field 'word'" in result.json["error"], result
    assert "required" in result.json["error"], result
    human = run_cli("run", SLUG, sandbox=server)
    assert human.exit_code == 3, human
    assert "field 'word'" in the_error(human), human
    assert server.http_counts(SOLVE_ROUTE) == {}


def test_incomplete_problem_raw_body_shown_with_v(
    shared_sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = shared_sandbox("incomplete_problem")
    result = run_cli("run", SLUG, "-v", sandbox=server)

    assert result.exit_code == 3, result
    assert "run with -v to see the problem" in the_error(result)
    shown = [line for line in result.stderr_lines() if "problem" in line and "{}" in line]
    assert shown, result


def test_incomplete_problem_raw_body_shown_with_vv(
    shared_sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = shared_sandbox("incomplete_problem")
    result = run_cli("run", SLUG, "-vv", sandbox=server)

    assert result.exit_code == 3, result
    shown = [line for line in result.stderr_lines() if "problem" in line and "{}" in line]
    assert shown, result


def test_malformed_problem_raw_body_shown_with_vv(
    shared_sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = shared_sandbox("malformed_problem")
    result = run_cli("run", SLUG, "-vv", sandbox=server)

    assert result.exit_code == 3, result
    # The sandbox cuts the JSON text in half: '{"word": "…'
    assert '{"word": "' in result.stderr, result


# -- rejected, already solved --------------------------------------------------------------


def test_always_reject_exits_1_with_the_servers_reason(
    shared_sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = shared_sandbox("always_reject")
    result = run_cli("run", SLUG, "-v", sandbox=server)

    assert result.exit_code == 1, result
    assert "rejected" in result.stdout
    assert "sandbox fault always_reject" in result.stdout, result
    # The solution stays visible.
    assert result_lines(result, "solution:"), result

    as_json = run_cli("run", SLUG, "--json", sandbox=server)
    assert as_json.exit_code == 1, as_json
    assert as_json.json["status"] == "rejected"
    assert "sandbox fault always_reject" in as_json.json["message"]
    assert as_json.json["solution"] is not None
    assert as_json.json["submitted"] is True


def test_already_solved_exits_1_suggesting_playground_which_passes(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = sandbox()
    first = run_cli("run", SLUG, sandbox=server)
    assert first.exit_code == 0, first

    again = run_cli("run", SLUG, "-v", sandbox=server)
    assert again.exit_code == 1, again
    assert "✗ already solved" in again.stdout, again
    (hint,) = result_lines(again, "hint:")
    assert "use --playground to re-solve" in hint, again

    playground = run_cli("run", SLUG, "--playground", "--json", sandbox=server)
    assert playground.exit_code == 0, playground
    assert playground.json["status"] == "passed"
    assert playground.json["playground"] is True


# -- far too large a body -----------------------------------------------------------------


def test_huge_body_is_refused_with_a_clear_error_and_bounded_memory(
    shared_sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    baseline = run_cli("run", SLUG, "--playground", "--json", sandbox=shared_sandbox())
    assert baseline.exit_code == 0, baseline

    server = shared_sandbox("huge_body")
    result = run_cli("run", SLUG, "-v", sandbox=server)

    assert result.exit_code == 3, result
    error = the_error(result)
    assert "larger than 1048576 bytes" in error, result
    assert "HACKATTIC_MAX_BODY_BYTES" in error, result
    # The sandbox streams ~20 MB; reading it whole would add 20-40 MB to the peak.
    assert result.max_rss_mb < 200, result.max_rss_mb
    assert result.max_rss_mb < baseline.max_rss_mb + 15, (result.max_rss_mb, baseline.max_rss_mb)


# -- a solution obtained but not accepted -------------------------------------------------


@dataclass
class StubService:
    """A stand-in for hackattic that gives a valid problem and answers every solve 503.

    The sandbox cannot do this: its counted faults hit the first N API requests, problem
    fetches and solves alike, and a problem fetch is retried until it succeeds, so by the
    time a solve is sent every counted fault has been spent.
    """

    port: int = 0
    solves: list[dict[str, Any]] = field(default_factory=list)


STUB_WORD = "stubbed-7f3a"


@pytest.fixture
def stub_service() -> Iterator[StubService]:
    stub = StubService()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer(200, {"word": STUB_WORD})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            stub.solves.append(json.loads(self.rfile.read(length)))
            self._answer(503, {"error": "down for maintenance"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_solution_not_accepted_is_kept_in_the_json_result(
    stub_service: StubService, run_cli: CliRunner
) -> None:
    env = {"HACKATTIC_BASE_URL": f"http://127.0.0.1:{stub_service.port}"}
    result = run_cli("run", SLUG, "--json", "-v", env=env, token=TOKEN)

    assert result.exit_code == 3, result
    data = result.json
    assert data["status"] == "failed"
    assert "503" in data["error"]
    assert "down for maintenance" in data["error"]
    assert data["submitted"] is False
    assert data["solution"] == {"mirrored": STUB_WORD[::-1]}
    # Sent once only: a solve that may have reached the server is never re-sent.
    assert stub_service.solves == [data["solution"]]


def test_solution_not_accepted_is_printed_for_a_person(
    stub_service: StubService, run_cli: CliRunner
) -> None:
    env = {"HACKATTIC_BASE_URL": f"http://127.0.0.1:{stub_service.port}"}
    result = run_cli("run", SLUG, env=env, token=TOKEN)

    assert result.exit_code == 3, result
    (shown,) = result_lines(result, "solution (not accepted")
    assert f'"mirrored": "{STUB_WORD[::-1]}"' in shown, result

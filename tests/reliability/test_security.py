"""The access token stays secret; the sandbox stays local and checks its token.

Every CLI run in this directory already asserts that the token never shows (``check_run``
in ``conftest.py``); here the runs that log the most (``-v``, ``-vv``, failures with their
bodies) are made on purpose, and the repository's own files are checked.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import httpx
import pytest

from .conftest import TOKEN, CliRunner, SandboxFactory, retry_lines

SLUG = "mirror"  # tests/plugins/mirror.py
REPO = Path(__file__).resolve().parents[2]


def test_dotenv_is_git_ignored() -> None:
    ignored = [line.strip() for line in (REPO / ".gitignore").read_text().splitlines()]
    assert ".env" in ignored


def test_env_example_holds_no_token() -> None:
    lines = (REPO / ".env.example").read_text().splitlines()
    settings = [line for line in lines if line.startswith("HACKATTIC_ACCESS_TOKEN")]
    assert settings == ["HACKATTIC_ACCESS_TOKEN="]


@pytest.mark.parametrize(
    "flags",
    [
        pytest.param(["-v"], id="-v"),
        pytest.param(["-vv", "--json"], id="-vv --json"),
    ],
)
def test_token_never_shows_while_every_request_url_is_logged(
    sandbox: SandboxFactory, run_cli: CliRunner, flags: list[str]
) -> None:
    # A retried request, a rejected solution and the whole solve answer: all logged.
    server = sandbox("http_503", "always_reject", fault_count=1)
    result = run_cli("run", SLUG, *flags, sandbox=server)

    assert result.exit_code == 1, result
    # The URLs were logged (with the token masked), so the check above saw them.
    assert "access_token=***" in result.stderr, result
    assert TOKEN not in result.stdout + result.stderr
    assert len(retry_lines(result)) == 1, result


def test_token_never_shows_in_a_failure_that_echoes_the_request(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = sandbox("huge_body")
    result = run_cli("run", SLUG, "-vv", "--json", sandbox=server)

    assert result.exit_code == 3, result
    assert f"/challenges/{SLUG}/problem" in result.json["error"]
    assert TOKEN not in result.stdout + result.stderr


def test_wrong_token_is_refused_and_never_shown(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = sandbox()
    wrong = "tok-WRONG-LEAKCHECK-0d9e8f"
    env = {"HACKATTIC_BASE_URL": server.base_url}
    result = run_cli("run", SLUG, "-vv", "--json", env=env, token=wrong)

    assert result.exit_code == 3, result
    assert "401" in result.json["error"]
    assert "bad access token" in result.json["error"]
    assert wrong not in result.stdout + result.stderr
    assert server.http_counts(f"GET /challenges/{SLUG}/problem") == {"401": 1}


def test_sandbox_refuses_a_wrong_or_missing_token(sandbox: SandboxFactory) -> None:
    server = sandbox()
    url = server.base_url
    for params in ({"access_token": "not-the-token"}, {}):
        problem = httpx.get(f"{url}/challenges/{SLUG}/problem", params=params, timeout=10)
        solve = httpx.post(f"{url}/challenges/{SLUG}/solve", params=params, json={}, timeout=10)
        stats = httpx.get(f"{url}/_/stats", params=params, timeout=10)
        for response in (problem, solve, stats):
            assert response.status_code == 401, response.text
            assert "not-the-token" not in response.text
    assert server.get(f"/challenges/{SLUG}/problem").status_code == 200


def outward_address() -> str | None:
    """This machine's address on its default route, if it has one that is not loopback."""
    with (
        contextlib.suppress(OSError),
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe,
    ):
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for a UDP connect
        address = str(probe.getsockname()[0])
        if not address.startswith("127.") and address != "0.0.0.0":  # noqa: S104
            return address
    return None


def test_sandbox_binds_loopback_by_default(sandbox: SandboxFactory) -> None:
    server = sandbox()

    assert server.base_url.startswith("http://127.0.0.1:")
    address = outward_address()
    if address is not None:
        with (
            pytest.raises(ConnectionRefusedError),
            socket.create_connection((address, server.port), timeout=2),
        ):
            pass
    # And on loopback it answers.
    with socket.create_connection(("127.0.0.1", server.port), timeout=2):
        pass


def test_sandbox_log_never_shows_the_token(sandbox: SandboxFactory, run_cli: CliRunner) -> None:
    server = sandbox("http_503", fault_count=1, args=("-vv",))
    result = run_cli("run", SLUG, sandbox=server)
    assert result.exit_code == 0, result
    # A bad token is not logged either.
    assert (
        server.get(f"/challenges/{SLUG}/problem", access_token="tok-BAD-7a7a7a").status_code == 401
    )

    log = server.stderr()
    assert TOKEN not in log
    assert "tok-BAD-7a7a7a" not in log

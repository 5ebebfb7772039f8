"""What a hostile service says reaches the user harmless: no terminal control sequence in
the output, and ``--json`` stays valid JSON whatever the answer holds.

Items 2 and 3 of issue 14, against :class:`HostileServer` playing hackattic.com.
"""

from __future__ import annotations

import json

import pytest

from .conftest import TOKEN, CliResult, CliRunner, HostileFactory, assert_harmless, hostile_env
from .hostile_payloads import ESCAPES, mirror_problem
from .hostile_server import HostileServer, Reply, Request, WebSocket

SLUG = "mirror"  # tests/plugins/mirror.py
PROBLEM = f"/challenges/{SLUG}/problem"
SOLVE = f"/challenges/{SLUG}/solve"
TICKER = "ticker"  # tests/plugins/ticker.py: its solver loses an attempt on "ouch!…"
HOSTILE_TEXT = "wrong value" + ESCAPES + "\ud800"
"""A reason with every kind of control sequence, and a lone surrogate (from "\\ud800" in
the JSON), which no terminal encoding can write."""


def rejecting(hostile: HostileFactory, reason: str) -> HostileServer:
    server = hostile()
    server.route("GET", PROBLEM, Reply.json(mirror_problem()))
    server.route("POST", SOLVE, Reply.json({"rejected": reason}))
    return server


def report_lines(result: CliResult, prefix: str) -> list[str]:
    return [line.strip() for line in result.stdout.splitlines() if line.strip().startswith(prefix)]


# -- 2. control sequences are shown, not acted on ------------------------------------------


def test_a_rejected_reason_is_shown_with_its_controls_visible(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = rejecting(hostile, HOSTILE_TEXT)
    result = run_cli("run", SLUG, env=hostile_env(server), token=TOKEN)

    assert result.exit_code == 1, result
    assert_harmless(result)
    assert "✗ rejected" in result.stdout
    (reason,) = report_lines(result, "wrong value")
    assert reason.startswith("wrong value\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07"), reason
    assert "\\r\\x1b[32m✓ passed" in reason
    assert "\\x9b31m" in reason
    assert "\\u202e" in reason
    assert reason.endswith("\\ud800")


def test_json_keeps_the_reason_exactly_with_its_controls_escaped(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = rejecting(hostile, HOSTILE_TEXT)
    result = run_cli("run", SLUG, "--json", env=hostile_env(server), token=TOKEN)

    assert result.exit_code == 1, result
    assert_harmless(result)
    assert "\\u009b" in result.stdout  # escaped in the JSON text...
    assert result.json["message"] == HOSTILE_TEXT  # ...the same value once parsed


def test_an_error_body_is_shown_with_its_controls_visible(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = hostile()
    server.route("GET", PROBLEM, Reply(403, HOSTILE_TEXT.encode(errors="surrogatepass")))
    result = run_cli("run", SLUG, "-v", env=hostile_env(server), token=TOKEN)

    assert result.exit_code == 3, result
    assert_harmless(result)
    (error,) = report_lines(result, "error:")
    assert "403" in error
    assert "wrong value\\x1b[2J" in error


def test_an_invalid_body_logged_with_v_is_shown_with_its_controls_visible(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = hostile()
    server.route("GET", PROBLEM, Reply(200, ("not json " + ESCAPES).encode()))
    result = run_cli("run", SLUG, "-vv", env=hostile_env(server), token=TOKEN)

    assert result.exit_code == 3, result
    assert_harmless(result)
    logged = [line for line in result.stderr_lines() if "problem body: not json" in line]
    assert logged, result
    assert "\\x1b]52;c;" in logged[0]


def test_a_conversations_last_words_are_shown_with_their_controls_visible(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = hostile()
    server.route("GET", f"/challenges/{TICKER}/problem", Reply.json({"token": "t0k"}))

    async def ouch(socket: WebSocket, request: Request) -> None:
        await socket.send_text("ouch! " + ESCAPES)

    server.websocket("/_/ticker/", ouch)
    for flags in ([], ["--json"]):
        result = run_cli(
            "run", TICKER, "--attempts", "1", *flags, env=hostile_env(server), token=TOKEN
        )
        assert result.exit_code == 4, result
        assert_harmless(result)
        assert "ouch!" in result.stdout, result


# -- 3. --json is masked as data, then serialised -------------------------------------------


def test_an_answer_echoing_the_token_in_quotes_keeps_json_valid(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    echo = f'see <a href="{SOLVE}?access_token={TOKEN}">here</a>, "{TOKEN}"\\'
    server = rejecting(hostile, echo)
    result = run_cli("run", SLUG, "--json", env=hostile_env(server), token=TOKEN)

    assert result.exit_code == 1, result  # check_run: one valid JSON object, no token
    message = result.json["message"]
    assert message == f'see <a href="{SOLVE}?access_token=***">here</a>, "***"\\'
    # The masked text is what the service said, quotes and backslash included.
    assert json.loads(result.stdout)["status"] == "rejected"


@pytest.mark.parametrize("flags", [[], ["--json"]])
def test_the_token_is_masked_in_an_error_body_that_echoes_it(
    hostile: HostileFactory, run_cli: CliRunner, flags: list[str]
) -> None:
    server = hostile()
    body = json.dumps(
        {"error": "bad token", "yours": f'"{TOKEN}"', "url": f"?access_token={TOKEN}"}
    )
    server.route("GET", PROBLEM, Reply(401, body.encode()))
    result = run_cli("run", SLUG, *flags, env=hostile_env(server), token=TOKEN)

    assert result.exit_code == 3, result
    assert "access_token=***" in result.stdout, result

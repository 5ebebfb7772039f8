"""Settings and arguments that used to crash or leak: each is one line and exit 2.

Item 9 of issue 14 (its settings part). A :class:`HostileServer` stands where the base URL
points: none of these runs may reach it.
"""

from __future__ import annotations

import pytest

from .conftest import TOKEN, CliResult, CliRunner, HostileFactory, hostile_env
from .hostile_server import HostileServer

PASSWORD = "s3cret-PASSWORD-9d8c"
SLUG = "mirror"  # tests/plugins/mirror.py


def one_line(result: CliResult) -> str:
    assert result.exit_code == 2, result
    lines = result.stderr_lines()
    assert len(lines) == 1, result
    assert lines[0].startswith("hackattic: error: "), result
    assert result.stdout == "", result
    return lines[0]


def assert_untouched(server: HostileServer) -> None:
    assert server.requests == [], server.requests


def test_a_base_url_with_a_password_is_refused_without_echoing_it(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = hostile()
    url = f"http://hackattic:{PASSWORD}@127.0.0.1:{server.port}"
    result = run_cli("run", SLUG, env={"HACKATTIC_BASE_URL": url}, token=TOKEN)

    line = one_line(result)
    assert "must not carry a user name or password" in line
    assert PASSWORD not in result.stdout + result.stderr
    assert_untouched(server)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HACKATTIC_HTTP_TIMEOUT", "inf"),
        ("HACKATTIC_RETRY_BACKOFF", "nan"),
        ("HACKATTIC_RETRY_BACKOFF_MAX", "Infinity"),
        ("HACKATTIC_RETRY_TOTAL", "inf"),
    ],
)
def test_an_infinite_time_is_refused(
    hostile: HostileFactory, run_cli: CliRunner, name: str, value: str
) -> None:
    server = hostile()
    result = run_cli("run", SLUG, env={**hostile_env(server), name: value}, token=TOKEN)

    line = one_line(result)
    assert f"invalid setting {name}: Input should be a finite number" in line
    assert_untouched(server)


def test_an_infinite_time_in_a_plugins_settings_is_refused(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    # ticker (tests/plugins/ticker.py) declares its max_seconds finite (allow_inf_nan=False).
    server = hostile()
    env = {**hostile_env(server), "HACKATTIC_TICKER_MAX_SECONDS": "inf"}
    result = run_cli("run", "ticker", "--json", env=env, token=TOKEN)

    assert result.exit_code == 2, result
    assert "HACKATTIC_TICKER_MAX_SECONDS: Input should be a finite number" in result.json["error"]
    assert_untouched(server)


def test_a_base_url_ending_in_a_newline_is_refused(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = hostile()
    env = {"HACKATTIC_BASE_URL": server.base_url + "\n"}
    line = one_line(run_cli("run", SLUG, env=env, token=TOKEN))

    assert "holds whitespace or a control character" in line
    assert_untouched(server)


@pytest.mark.parametrize(
    "args",
    [["run", SLUG], ["list"], ["sandbox", "--port", "0"]],
    ids=["run", "list", "sandbox"],
)
def test_a_dotenv_that_is_not_utf8_is_refused(
    hostile: HostileFactory, run_cli: CliRunner, args: list[str]
) -> None:
    server = hostile()
    dotenv = b"HACKATTIC_RETRY_TOTAL=5\nHACKATTIC_HTTP_TIMEOUT=\xff\xfe\n"
    result = run_cli(*args, env=hostile_env(server), token=TOKEN, files={".env": dotenv})

    line = one_line(result)
    assert ".env is not valid UTF-8 text (byte 0xff at offset 47)" in line
    assert_untouched(server)


@pytest.mark.parametrize("title", [[], ["--title", "A title"]], ids=["default title", "titled"])
def test_new_with_a_300_character_slug_is_refused(run_cli: CliRunner, title: list[str]) -> None:
    line = one_line(run_cli("new", "a" * 300, *title))

    assert "invalid slug: 300 characters, at most 64" in line

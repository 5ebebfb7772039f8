"""A hostile service's bodies: compression bombs and JSON no parser should take whole.

Items 1 and 4 of issue 14. The real CLI runs against :class:`HostileServer` on loopback,
which plays hackattic.com; every run is also checked for what no run may do
(``check_run``: no token, no traceback, one JSON object with ``--json``) and for control
characters from the server in the output.
"""

from __future__ import annotations

import pytest

from .conftest import TOKEN, CliRunner, HostileFactory, assert_harmless, hostile_env
from .hostile_payloads import (
    MIRROR_SOLUTION,
    bomb,
    deeply_nested,
    long_integer,
    mirror_problem,
)
from .hostile_server import Reply

SLUG = "mirror"  # tests/plugins/mirror.py
PROBLEM = f"/challenges/{SLUG}/problem"
SOLVE = f"/challenges/{SLUG}/solve"
LIMIT = 1_048_576
"""HACKATTIC_MAX_BODY_BYTES's default."""
MEMORY_BOUND_MB = 150
"""Peak RSS allowed: a run needs about 50 MiB; before the fix the 2-layer bomb below
(2.5 KB on the wire, 1 GiB decoded) took it to 2,098 MiB."""
SOLUTION = MIRROR_SOLUTION
"""mirror_problem()'s solution."""


def gzipped(body: bytes, layers: int) -> Reply:
    encoding = ", ".join(["gzip"] * layers)
    return Reply(200, body, [("Content-Type", "application/json"), ("Content-Encoding", encoding)])


# -- 1. compressed bodies are bounded once decoded -----------------------------------------


@pytest.mark.parametrize(("layers", "mib"), [(1, 512), (2, 1024)])
def test_a_compression_bomb_is_refused_within_bounded_memory(
    hostile: HostileFactory, run_cli: CliRunner, layers: int, mib: int
) -> None:
    server = hostile()
    server.route("GET", PROBLEM, gzipped(bomb(mib, layers), layers))
    result = run_cli("run", SLUG, "--json", env=hostile_env(server), token=TOKEN)

    assert result.exit_code == 3, result
    error = result.json["error"]
    assert f"the answer is larger than {LIMIT} bytes once decoded" in error, result
    assert "HACKATTIC_MAX_BODY_BYTES" in error
    assert result.max_rss_mb < MEMORY_BOUND_MB, f"peak RSS {result.max_rss_mb:.0f} MiB"
    assert len(server.seen("GET", PROBLEM)) == 1  # refused, not retried
    assert_harmless(result)


def test_a_compressed_answer_within_the_limit_is_read(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = hostile()
    server.route("GET", PROBLEM, gzipped(bomb(1, 2), 2))  # 1 MiB: within the limit
    result = run_cli("run", SLUG, "--json", env=hostile_env(server), token=TOKEN)

    # Read whole and decoded: a MiB of zero bytes is not JSON.
    assert result.exit_code == 3, result
    assert "not valid JSON" in result.json["error"], result


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("br", "Content-Encoding 'br' is not supported"),
        ("gzip, gzip, gzip", "more than 2 layers are refused"),
    ],
)
def test_an_encoding_not_decoded_here_is_refused(
    hostile: HostileFactory, run_cli: CliRunner, encoding: str, expected: str
) -> None:
    server = hostile()
    server.route("GET", PROBLEM, Reply(200, b"\x1f\x8b" * 100, [("Content-Encoding", encoding)]))
    result = run_cli("run", SLUG, env=hostile_env(server), token=TOKEN)

    assert result.exit_code == 3, result
    (line,) = [line for line in result.stdout.splitlines() if line.strip().startswith("error:")]
    assert expected in line, result
    assert_harmless(result)


def test_a_download_a_problem_points_to_is_bounded_too(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    # tally (tests/plugins/tally.py) downloads the URL its problem gives through
    # Context.http, as a plugin would.
    server = hostile()
    server.route("GET", "/challenges/tally/problem", Reply.json({"url": server.base_url + "/d"}))
    server.route("GET", "/d", Reply(200, bomb(1024, 2), [("Content-Encoding", "gzip, gzip")]))
    result = run_cli(
        "run", "tally", "--json", "--attempts", "1", env=hostile_env(server), token=TOKEN
    )

    assert result.exit_code == 3, result
    assert f"GET {server.base_url}/d: the answer is larger than {LIMIT}" in result.json["error"]
    assert result.max_rss_mb < MEMORY_BOUND_MB, f"peak RSS {result.max_rss_mb:.0f} MiB"
    assert server.seen("POST") == []


# -- 4. hostile JSON -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (deeply_nested(), "the problem is nested too deeply to read"),
        (b'{"word": ' + long_integer() + b"}", "the problem holds a value that cannot be read"),
        (b'{"word": ' + b"[" * 500 + b"]" * 500 + b"}", "nested more than 100 levels deep"),
    ],
    ids=["100,000 [", "5,000 digits", "500 ["],
)
def test_a_hostile_problem_exits_3_with_one_json_object(
    hostile: HostileFactory, run_cli: CliRunner, body: bytes, expected: str
) -> None:
    server = hostile()
    server.route("GET", PROBLEM, Reply.raw_json(body))
    result = run_cli("run", SLUG, "--json", "-vv", env=hostile_env(server), token=TOKEN)

    assert result.exit_code == 3, result
    assert result.json["status"] == "failed"
    assert expected in result.json["error"], result
    assert result.json["exit_code"] == 3


@pytest.mark.parametrize(
    "answer",
    [deeply_nested(), b'{"rejected": ' + long_integer() + b"}"],
    ids=["100,000 [", "5,000 digits"],
)
def test_a_hostile_solve_answer_keeps_the_solution(
    hostile: HostileFactory, run_cli: CliRunner, answer: bytes
) -> None:
    server = hostile()
    server.route("GET", PROBLEM, Reply.json(mirror_problem()))
    server.route("POST", SOLVE, Reply.raw_json(answer))
    result = run_cli("run", SLUG, "--json", env=hostile_env(server), token=TOKEN)

    assert result.exit_code == 3, result
    data = result.json
    assert "solve answer" in data["error"], result
    assert data["solution"] == SOLUTION
    # It reached the service, which may have taken it: the user is told so.
    assert data["sent"] is True
    assert data["submitted"] is False
    assert "may have accepted it" in data["message"]
    assert len(server.seen("POST", SOLVE)) == 1  # never sent twice


def test_a_hostile_solve_answer_prints_the_solution_for_a_person(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = hostile()
    server.route("GET", PROBLEM, Reply.json(mirror_problem()))
    server.route("POST", SOLVE, Reply.raw_json(deeply_nested()))
    result = run_cli("run", SLUG, env=hostile_env(server), token=TOKEN)

    assert result.exit_code == 3, result
    (line,) = [line for line in result.stdout.splitlines() if "solution (sent" in line]
    assert "the service may have accepted it" in line
    assert '"mirrored": "cittakcah"' in line

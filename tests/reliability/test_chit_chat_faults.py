"""The fault matrix's WebSocket rows: ``hackattic run websocket_chit_chat`` against a
faulty sandbox, each in a process of its own.

The sandbox runs four times faster than hackattic (``--time-scale 0.25``) and tells the
solver so with each problem, so a conversation of two beats takes about a second. The
``ouch!`` rows have no sandbox fault: a missed beat is forced by freezing the client
(SIGSTOP), a wrong answer by a wrong interval setting.
"""

from __future__ import annotations

import signal
from typing import Any

from .conftest import (
    CliProcess,
    CliResult,
    CliRunner,
    CliStarter,
    Sandbox,
    SandboxFactory,
    wait_for,
)

SLUG = "websocket_chit_chat"
TIME_SCALE = 0.25
ROUNDS = 2
"""Faults come right after the first ``good!``: two rounds put them mid-conversation."""
SILENCE_MARGIN = 0.2
CLIENT_ENV = {
    "HACKATTIC_WEBSOCKET_CHIT_CHAT_SILENCE_MARGIN": str(SILENCE_MARGIN),
}


def chit_chat_sandbox(sandbox: SandboxFactory, *faults: str, **conditions: Any) -> Sandbox:
    conditions.setdefault("time_scale", TIME_SCALE)
    conditions.setdefault("rounds", ROUNDS)
    return sandbox(*faults, **conditions)


def run_chit_chat(run_cli: CliRunner, server: Sandbox, *args: str) -> CliResult:
    return run_cli("run", SLUG, "--json", *args, sandbox=server, env=CLIENT_ENV)


def chit_chat_stats(server: Sandbox) -> dict[str, Any]:
    stats: dict[str, Any] = server.stats()["challenges"][SLUG]
    return stats


def outcomes(server: Sandbox) -> list[str]:
    return [c["outcome"] for c in chit_chat_stats(server)["conversations"]]


def attempt_errors(result: CliResult) -> list[str | None]:
    return [attempt["error"] for attempt in result.json["attempts"]]


def test_a_plain_conversation_passes_with_vv(sandbox: SandboxFactory, run_cli: CliRunner) -> None:
    server = chit_chat_sandbox(sandbox)
    result = run_chit_chat(run_cli, server, "-vv")

    assert result.returncode == 0, result
    assert result.json["status"] == "passed"
    assert len(result.json["solution"]["secret"].split()) == 6
    assert outcomes(server) == ["passed"]


def test_garbage_and_binary_frames_mid_conversation_are_ignored(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = chit_chat_sandbox(sandbox, "garbage_frame", "binary_frame")
    result = run_chit_chat(run_cli, server, "-v")

    assert result.returncode == 0, result
    assert result.json["status"] == "passed"
    assert attempt_errors(result) == [None]
    stats = chit_chat_stats(server)
    assert stats["faults_injected"] == {"garbage_frame": 1, "binary_frame": 1}
    assert outcomes(server) == ["passed"]


def test_dropped_socket_starts_over_with_a_fresh_problem(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = chit_chat_sandbox(sandbox, "drop", fault_count=1)
    result = run_chit_chat(run_cli, server, "-v")

    assert result.returncode == 0, result
    errors = attempt_errors(result)
    assert len(errors) == 2, result
    assert errors[0] is not None
    assert "dropped" in errors[0]
    assert errors[1] is None
    assert outcomes(server) == ["dropped", "passed"]
    assert [c["problem"] for c in chit_chat_stats(server)["conversations"]] == [0, 1]


def test_dropped_socket_with_one_attempt_exits_4_naming_the_reason(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = chit_chat_sandbox(sandbox, "drop", fault_count=1)
    result = run_chit_chat(run_cli, server, "--attempts", "1")

    assert result.returncode == 4, result
    assert result.json["status"] == "failed"
    assert "attempt 1: dropped" in result.json["error"]
    assert result.json["submitted"] is False
    assert outcomes(server) == ["dropped"]


def test_expired_tokens_get_fresh_problems_never_a_used_token(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = chit_chat_sandbox(sandbox, "expired_token", fault_count=2)
    result = run_chit_chat(run_cli, server, "-v")

    assert result.returncode == 0, result
    errors = attempt_errors(result)
    assert len(errors) == 3, result
    assert all(error is not None and "expired token" in error for error in errors[:2]), result
    assert errors[2] is None
    stats = chit_chat_stats(server)
    assert stats["issued"] == 3
    # Two expired tokens refused once each; no token was ever presented twice.
    assert stats["totals"]["refused"] == {"expired": 2, "used": 0, "unknown": 0}
    assert outcomes(server) == ["passed"]


def test_expired_token_with_one_attempt_exits_4(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = chit_chat_sandbox(sandbox, "expired_token", fault_count=1)
    result = run_cli("run", SLUG, "--attempts", "1", sandbox=server, env=CLIENT_ENV)

    assert result.returncode == 4, result
    assert "expired token" in result.stdout, result
    assert "expired challenge token" in result.stdout, result
    assert chit_chat_stats(server)["totals"]["refused"]["used"] == 0


def test_never_ping_gives_up_after_the_longest_interval_plus_margin(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = chit_chat_sandbox(sandbox, "never_ping")
    result = run_chit_chat(run_cli, server, "--attempts", "1", "-v")

    assert result.returncode == 4, result
    error = result.json["error"]
    assert "attempt 1: silence" in error, result
    assert "no ping for" in error, result
    silence = (3.0 + SILENCE_MARGIN) * TIME_SCALE
    assert result.json["attempts"][0]["seconds"] >= silence, result
    # The conversation was ended by the client, not left hanging.
    wait_for(lambda: chit_chat_stats(server)["totals"]["open"] == 0, what="the socket to close")
    assert outcomes(server) == ["client_closed"]


def test_huge_frame_is_refused_and_memory_stays_bounded(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    server = chit_chat_sandbox(sandbox, "huge_frame")
    result = run_chit_chat(run_cli, server, "--attempts", "1")

    assert result.returncode == 4, result
    assert "oversized frame" in result.json["error"], result
    assert "larger than we accept" in result.json["error"], result
    assert chit_chat_stats(server)["faults_injected"] == {"huge_frame": 1}
    # The frame is refused from its header (1 MiB declared, 64 KiB accepted), unread.
    assert result.max_rss_mb < 200, result.max_rss_mb


def freeze_until_the_server_gives_up(server: Sandbox, process: CliProcess) -> None:
    """Force an ``ouch!`` for a missed beat: freeze the client (SIGSTOP) mid-conversation
    until the server has given up on it, then let it go on (SIGCONT)."""
    wait_for(lambda: chit_chat_stats(server)["totals"]["pings"] >= 1, what="the first ping")
    process.send_signal(signal.SIGSTOP)
    try:
        wait_for(lambda: "missed_beat" in outcomes(server), what="the server to give up")
    finally:
        process.send_signal(signal.SIGCONT)


# A long silence limit: the frozen client must hear the ouch, not time out first.
PATIENT_ENV = {**CLIENT_ENV, "HACKATTIC_WEBSOCKET_CHIT_CHAT_SILENCE_MARGIN": "20"}


def test_missed_beat_starts_over_with_a_fresh_problem(
    sandbox: SandboxFactory, start_cli: CliStarter
) -> None:
    server = chit_chat_sandbox(sandbox)
    process = start_cli("run", SLUG, "--json", "-v", sandbox=server, env=PATIENT_ENV)
    freeze_until_the_server_gives_up(server, process)
    result = process.wait()

    assert result.returncode == 0, result
    errors = attempt_errors(result)
    assert len(errors) == 2, result
    assert errors[0] is not None
    assert errors[1] is None
    assert outcomes(server) == ["missed_beat", "passed"]


def test_missed_beat_with_one_attempt_exits_4_naming_it(
    sandbox: SandboxFactory, start_cli: CliStarter
) -> None:
    server = chit_chat_sandbox(sandbox)
    process = start_cli("run", SLUG, "--json", "--attempts", "1", sandbox=server, env=PATIENT_ENV)
    freeze_until_the_server_gives_up(server, process)
    result = process.wait()

    assert result.returncode == 4, result
    assert outcomes(server) == ["missed_beat"]
    assert "attempt 1: missed beat" in result.json["error"], result
    assert "ouch! seems like you missed a beat" in result.json["error"], result


def test_wrong_answers_exit_4_naming_each_attempts_reason(
    sandbox: SandboxFactory, run_cli: CliRunner
) -> None:
    """A wrong answer, forced by a wrong setting: the solver believes in other intervals."""
    server = chit_chat_sandbox(sandbox)
    env = {**CLIENT_ENV, "HACKATTIC_WEBSOCKET_CHIT_CHAT_INTERVALS": "3100,3200"}
    result = run_cli("run", SLUG, "--json", "--attempts", "2", sandbox=server, env=env)

    assert result.returncode == 4, result
    error = result.json["error"]
    assert "no solution after 2 attempt(s)" in error, result
    assert "attempt 1: wrong answer" in error, result
    assert "attempt 2: wrong answer" in error, result
    assert "ouch! no! that was a" in error, result
    assert outcomes(server) == ["wrong_answer", "wrong_answer"]
    assert chit_chat_stats(server)["issued"] == 2

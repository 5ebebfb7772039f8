"""The fault matrix's WebSocket rows: ``hackattic run websocket_chit_chat`` (the real CLI,
a process of its own) against a faulty sandbox (the core's ``hackattic_sandbox``).

The sandbox runs four times faster than hackattic (time scale 0.25) and tells the solver
so with each problem, so a conversation of two beats takes about a second. The ``ouch!``
rows have no sandbox fault: a missed beat is forced by freezing the client (SIGSTOP), a
wrong answer by a wrong interval setting.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hackattic_core.testing import CliProcess, CliResult

SLUG = "websocket_chit_chat"
TIME_SCALE = 0.25
ROUNDS = 2
"""Faults come right after the first ``good!``: two rounds put them mid-conversation."""
SILENCE_MARGIN = 0.2
CLIENT_ENV = {"HACKATTIC_WEBSOCKET_CHIT_CHAT_SILENCE_MARGIN": str(SILENCE_MARGIN)}
# A long silence limit: the frozen client must hear the ouch, not time out first.
PATIENT_ENV = {**CLIENT_ENV, "HACKATTIC_WEBSOCKET_CHIT_CHAT_SILENCE_MARGIN": "20"}

Cli = Callable[..., CliResult]
CliStart = Callable[..., CliProcess]


@pytest.fixture
def hackattic_sandbox_conditions(hackattic_sandbox_conditions: Any, request: Any) -> Any:
    """The core's conditions at time scale 0.25, with the faults a test asks for
    (``@pytest.mark.parametrize("hackattic_sandbox_conditions", [{…}], indirect=True)``)."""
    extra: dict[str, Any] = getattr(request, "param", {})
    return hackattic_sandbox_conditions.model_copy(update={"time_scale": TIME_SCALE, **extra})


@pytest.fixture
def hackattic_sandbox_options() -> dict[str, dict[str, Any]]:
    return {SLUG: {"rounds": ROUNDS}}


def with_faults(*faults: str, fault_count: int = 2) -> Any:
    """The sandbox of this test with these faults switched on."""
    conditions = {"faults": list(faults), "fault_count": fault_count}
    return pytest.mark.parametrize("hackattic_sandbox_conditions", [conditions], indirect=True)


def client_env(sandbox: Any, extra: dict[str, str] = CLIENT_ENV) -> dict[str, str]:
    return {
        "HACKATTIC_BASE_URL": sandbox.base_url,
        "HACKATTIC_ACCESS_TOKEN": sandbox.access_token,
        **extra,
    }


def run_chit_chat(cli: Cli, sandbox: Any, *args: str) -> CliResult:
    return cli("run", SLUG, "--json", *args, env=client_env(sandbox))


def chit_chat_stats(sandbox: Any) -> dict[str, Any]:
    answer = httpx.get(
        f"{sandbox.base_url}/_/stats", params={"access_token": sandbox.access_token}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    stats: dict[str, Any] = answer.json()["challenges"][SLUG]
    return stats


def outcomes(sandbox: Any) -> list[str]:
    return [c["outcome"] for c in chit_chat_stats(sandbox)["conversations"]]


def attempt_errors(result: CliResult) -> list[str | None]:
    return [attempt["error"] for attempt in result.json["attempts"]]


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)
    return value


def test_a_plain_conversation_passes_with_vv(hackattic_sandbox: Any, hackattic_cli: Cli) -> None:
    result = run_chit_chat(hackattic_cli, hackattic_sandbox, "-vv")
    assert result.exit_code == 0, result
    assert result.json["status"] == "passed"
    assert len(result.json["solution"]["secret"].split()) == 6
    assert outcomes(hackattic_sandbox) == ["passed"]


@with_faults("garbage_frame", "binary_frame")
def test_garbage_and_binary_frames_mid_conversation_are_ignored(
    hackattic_sandbox: Any, hackattic_cli: Cli
) -> None:
    result = run_chit_chat(hackattic_cli, hackattic_sandbox, "-v")
    assert result.exit_code == 0, result
    assert result.json["status"] == "passed"
    assert attempt_errors(result) == [None]
    stats = chit_chat_stats(hackattic_sandbox)
    assert stats["faults_injected"] == {"garbage_frame": 1, "binary_frame": 1}
    assert outcomes(hackattic_sandbox) == ["passed"]


@with_faults("drop", fault_count=1)
def test_dropped_socket_starts_over_with_a_fresh_problem(
    hackattic_sandbox: Any, hackattic_cli: Cli
) -> None:
    result = run_chit_chat(hackattic_cli, hackattic_sandbox, "-v")
    assert result.exit_code == 0, result
    errors = attempt_errors(result)
    assert len(errors) == 2, result
    assert errors[0] is not None
    assert "dropped" in errors[0]
    assert errors[1] is None
    assert outcomes(hackattic_sandbox) == ["dropped", "passed"]
    conversations = chit_chat_stats(hackattic_sandbox)["conversations"]
    assert [c["problem"] for c in conversations] == [0, 1]


@with_faults("drop", fault_count=1)
def test_dropped_socket_with_one_attempt_exits_4_naming_the_reason(
    hackattic_sandbox: Any, hackattic_cli: Cli
) -> None:
    result = run_chit_chat(hackattic_cli, hackattic_sandbox, "--attempts", "1")
    assert result.exit_code == 4, result
    assert result.json["status"] == "failed"
    assert "attempt 1: dropped" in result.json["error"]
    assert result.json["submitted"] is False
    assert outcomes(hackattic_sandbox) == ["dropped"]


@with_faults("expired_token", fault_count=2)
def test_expired_tokens_get_fresh_problems_never_a_used_token(
    hackattic_sandbox: Any, hackattic_cli: Cli
) -> None:
    result = run_chit_chat(hackattic_cli, hackattic_sandbox, "-v")
    assert result.exit_code == 0, result
    errors = attempt_errors(result)
    assert len(errors) == 3, result
    assert all(error is not None and "expired token" in error for error in errors[:2]), result
    assert errors[2] is None
    stats = chit_chat_stats(hackattic_sandbox)
    assert stats["issued"] == 3
    # Two expired tokens refused once each; no token was ever presented twice.
    assert stats["totals"]["refused"] == {"expired": 2, "used": 0, "unknown": 0}
    assert outcomes(hackattic_sandbox) == ["passed"]


@with_faults("expired_token", fault_count=1)
def test_expired_token_with_one_attempt_exits_4(hackattic_sandbox: Any, hackattic_cli: Cli) -> None:
    result = hackattic_cli("run", SLUG, "--attempts", "1", env=client_env(hackattic_sandbox))
    assert result.exit_code == 4, result
    assert "expired token" in result.stdout, result
    assert "expired challenge token" in result.stdout, result
    assert chit_chat_stats(hackattic_sandbox)["totals"]["refused"]["used"] == 0


@with_faults("never_ping")
def test_never_ping_gives_up_after_the_longest_interval_plus_margin(
    hackattic_sandbox: Any, hackattic_cli: Cli
) -> None:
    result = run_chit_chat(hackattic_cli, hackattic_sandbox, "--attempts", "1", "-v")
    assert result.exit_code == 4, result
    error = result.json["error"]
    assert "attempt 1: silence" in error, result
    assert "no ping for" in error, result
    silence = (3.0 + SILENCE_MARGIN) * TIME_SCALE
    assert result.json["attempts"][0]["seconds"] >= silence, result
    # The conversation was ended by the client, not left hanging.
    wait_for(
        lambda: chit_chat_stats(hackattic_sandbox)["totals"]["open"] == 0, "the socket to close"
    )
    assert outcomes(hackattic_sandbox) == ["client_closed"]


@with_faults("huge_frame")
def test_huge_frame_is_refused_and_memory_stays_bounded(
    hackattic_sandbox: Any, hackattic_cli: Cli
) -> None:
    result = run_chit_chat(hackattic_cli, hackattic_sandbox, "--attempts", "1")
    assert result.exit_code == 4, result
    assert "oversized frame" in result.json["error"], result
    assert "larger than we accept" in result.json["error"], result
    assert chit_chat_stats(hackattic_sandbox)["faults_injected"] == {"huge_frame": 1}
    # The frame is refused from its header (1 MiB declared, 64 KiB accepted), unread.
    assert result.max_rss_mb < 200, result.max_rss_mb


def freeze_until_the_server_gives_up(sandbox: Any, process: CliProcess) -> None:
    """Force an ``ouch!`` for a missed beat: freeze the client (SIGSTOP) mid-conversation
    until the server has given up on it, then let it go on (SIGCONT)."""
    wait_for(lambda: chit_chat_stats(sandbox)["totals"]["pings"] >= 1, "the first ping")
    process.send_signal(signal.SIGSTOP)
    try:
        wait_for(lambda: "missed_beat" in outcomes(sandbox), "the server to give up")
    finally:
        process.send_signal(signal.SIGCONT)


def test_missed_beat_starts_over_with_a_fresh_problem(
    hackattic_sandbox: Any, hackattic_cli_start: CliStart
) -> None:
    process = hackattic_cli_start(
        "run", SLUG, "--json", "-v", env=client_env(hackattic_sandbox, PATIENT_ENV)
    )
    freeze_until_the_server_gives_up(hackattic_sandbox, process)
    result = process.wait()
    assert result.exit_code == 0, result
    errors = attempt_errors(result)
    assert len(errors) == 2, result
    assert errors[0] is not None
    assert errors[1] is None
    assert outcomes(hackattic_sandbox) == ["missed_beat", "passed"]


def test_missed_beat_with_one_attempt_exits_4_naming_it(
    hackattic_sandbox: Any, hackattic_cli_start: CliStart
) -> None:
    process = hackattic_cli_start(
        "run", SLUG, "--json", "--attempts", "1", env=client_env(hackattic_sandbox, PATIENT_ENV)
    )
    freeze_until_the_server_gives_up(hackattic_sandbox, process)
    result = process.wait()
    assert result.exit_code == 4, result
    assert outcomes(hackattic_sandbox) == ["missed_beat"]
    assert "attempt 1: missed beat" in result.json["error"], result
    assert "ouch! seems like you missed a beat" in result.json["error"], result


def test_wrong_answers_exit_4_naming_each_attempts_reason(
    hackattic_sandbox: Any, hackattic_cli: Cli
) -> None:
    """A wrong answer, forced by a wrong setting: the solver believes in other intervals."""
    env = client_env(
        hackattic_sandbox, {**CLIENT_ENV, "HACKATTIC_WEBSOCKET_CHIT_CHAT_INTERVALS": "3100,3200"}
    )
    result = hackattic_cli("run", SLUG, "--json", "--attempts", "2", env=env)
    assert result.exit_code == 4, result
    error = result.json["error"]
    assert "no solution after 2 attempt(s)" in error, result
    assert "attempt 1: wrong answer" in error, result
    assert "attempt 2: wrong answer" in error, result
    assert "ouch! no! that was a" in error, result
    assert outcomes(hackattic_sandbox) == ["wrong_answer", "wrong_answer"]
    assert chit_chat_stats(hackattic_sandbox)["issued"] == 2

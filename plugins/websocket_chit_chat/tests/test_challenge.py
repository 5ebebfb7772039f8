"""The challenge as the framework sees it: registration, settings, runs and progress."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import pytest
from hackattic_websocket_chit_chat import plugin
from hackattic_websocket_chit_chat.challenge import (
    ChitChatProblem,
    ChitChatSettings,
    ChitChatSolution,
    WebsocketChitChat,
)
from hackattic_websocket_chit_chat.conversation import Beat, ConversationResult, LossKind
from hackattic_websocket_chit_chat.emulation import ChitChatEmulation
from hackattic_websocket_chit_chat.progress import ConversationProgress, summary_line
from pydantic import SecretStr, ValidationError

from hackattic_core import Settings, run_challenge

ENV_PREFIX = "HACKATTIC_WEBSOCKET_CHIT_CHAT_"


class RecordingProgress:
    def __init__(self) -> None:
        self.updates: list[str] = []
        self.counts: list[float | None] = []
        self.done_lines: list[str] = []

    def update(
        self, description: str, *, completed: float | None = None, total: float | None = None
    ) -> None:
        self.updates.append(description)
        self.counts.append(completed)

    def done(self, message: str) -> None:
        self.done_lines.append(message)


@pytest.fixture(autouse=True)
def _no_plugin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SILENCE_MARGIN", "INTERVALS", "MAX_FRAME_BYTES", "OPEN_TIMEOUT"):
        monkeypatch.delenv(ENV_PREFIX + name, raising=False)
    monkeypatch.chdir("/")  # no .env


def test_the_plugin_registers_the_challenge(hackattic_registry: Any) -> None:
    assert plugin.hackattic_register_challenges() == [WebsocketChitChat]
    assert hackattic_registry.get("websocket_chit_chat") is WebsocketChitChat


def test_the_challenge_describes_itself() -> None:
    assert WebsocketChitChat.name == "websocket_chit_chat"
    assert "\n" not in WebsocketChitChat.title
    assert WebsocketChitChat.title
    assert WebsocketChitChat.problem_model is ChitChatProblem
    assert WebsocketChitChat.solution_model is ChitChatSolution
    assert WebsocketChitChat.emulation() is ChitChatEmulation
    assert ChitChatProblem.model_validate({"token": "abc", "extra": 1}).token == "abc"
    with pytest.raises(ValidationError):
        ChitChatProblem.model_validate({"token": ""})
    assert ChitChatSolution(secret="a b").model_dump() == {"secret": "a b"}


def test_importing_the_plugin_loads_no_server_or_websocket_stack() -> None:
    code = (
        "import sys, hackattic_websocket_chit_chat.plugin\n"
        "print(sorted(m for m in ('starlette', 'uvicorn', 'websockets') if m in sys.modules))"
    )
    argv = [sys.executable, "-c", code]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert out.strip() == "[]"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_PREFIX + "INTERVALS", "1500, 700,3000")
    monkeypatch.setenv(ENV_PREFIX + "SILENCE_MARGIN", "0.5")
    settings = ChitChatSettings()
    assert settings.intervals == (700, 1500, 3000)
    assert settings.silence_margin == 0.5


@pytest.mark.parametrize("intervals", ["700,700", "700,-1", "700,abc", ","])
def test_bad_intervals_are_refused(monkeypatch: pytest.MonkeyPatch, intervals: str) -> None:
    monkeypatch.setenv(ENV_PREFIX + "INTERVALS", intervals)
    with pytest.raises(ValidationError):
        ChitChatSettings()


async def _run(chit_chat: Any, **conditions: Any) -> Any:
    """A run against a time-scaled sandbox: the solver learns the scale from the sandbox."""
    async with chit_chat(**conditions) as sandbox:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            base_url=sandbox.handle.base_url,
            access_token=SecretStr(sandbox.handle.access_token),
            retry_backoff=0,
        )
        progress = RecordingProgress()
        result = await run_challenge(
            WebsocketChitChat, settings, progress=progress, sandbox=True, attempts=3
        )
        return result, progress, sandbox.totals()


async def test_a_run_in_the_sandbox_passes(chit_chat: Any) -> None:
    result, progress, totals = await _run(chit_chat, rounds=3)
    assert result.passed, result.error or result.message
    assert len(result.solution["secret"].split(" ")) == 6
    assert totals["passed"] == 1
    assert progress.updates[0].startswith("attempt 1: connected")
    assert any(line.startswith("beat 1: ") for line in progress.updates)
    assert progress.counts[-1] == 3  # beats answered, for the core's bar
    assert len(progress.done_lines) == 1
    assert progress.done_lines[0].startswith("chit chat: secret after 3 beat(s) on attempt 1")


async def test_a_lost_conversation_is_retried_with_a_fresh_problem(chit_chat: Any) -> None:
    result, progress, totals = await _run(chit_chat, rounds=2, faults=["drop"], fault_count=1)
    assert result.passed, result.error or result.message
    assert [attempt.number for attempt in result.attempts] == [1, 2]
    assert "dropped" in (result.attempts[0].error or "")
    assert result.attempts[1].error is None
    assert (totals["dropped"], totals["passed"]) == (1, 1)
    assert progress.done_lines[0].startswith("chit chat: attempt 1 lost after 1 beat(s) (dropped)")
    assert progress.done_lines[1].startswith("chit chat: secret after 2 beat(s) on attempt 2")


def _beat(index: int, arrival: float) -> Beat:
    return Beat(index, 2000, arrival, 0.0, 0.0, 1.5, 0.25)


def test_progress_reports_every_beat_with_the_good_count_and_a_summary() -> None:
    recorded = RecordingProgress()
    display = ConversationProgress(recorded, attempt=2)
    result = ConversationResult(good=1)
    for index, arrival in enumerate((10.0, 10.05, 10.2), start=1):
        beat = _beat(index, arrival)
        result.beats.append(beat)
        display.on_beat(beat, result)
    assert recorded.updates == [
        f"beat {index}: 2000 ms, +1.5 ms late, answered in 0.25 ms" for index in (1, 2, 3)
    ]
    assert recorded.counts == [1, 2, 3]
    result.loss = LossKind.MISSED_BEAT
    result.ignored_binary = 1
    display.finish(result)
    assert recorded.done_lines == [
        "chit chat: attempt 2 lost after 3 beat(s) (missed beat); "
        "reaction mean 0.25 ms, max 0.25 ms; 1 unknown frame(s) ignored"
    ]


def test_a_summary_without_beats_has_no_reaction_times() -> None:
    result = ConversationResult(secret="a b c d e f")
    assert summary_line(result) == "chit chat: secret after 0 beat(s) on attempt 1"


def test_env_example_as_is_gives_the_default_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copying .env.example to .env unchanged must not break the plugin's settings."""
    from pathlib import Path

    from hackattic_websocket_chit_chat.challenge import ChitChatSettings

    example = Path(__file__).resolve().parents[3] / ".env.example"
    for name in list(os.environ):
        if name.startswith("HACKATTIC_"):
            monkeypatch.delenv(name)
    settings = ChitChatSettings(_env_file=example)  # type: ignore[call-arg]
    assert settings.intervals == (700, 1500, 2000, 2500, 3000)
    assert settings.silence_margin == 2.0


class TestATimeScaledSandbox:
    """The sandbox owns the time scale; the core's fixtures carry it to the solver."""

    @pytest.fixture
    def hackattic_sandbox_conditions(self, hackattic_sandbox_conditions: Any) -> Any:
        return hackattic_sandbox_conditions.model_copy(update={"time_scale": 0.1})

    def test_hackattic_run_passes_with_no_setting(self, hackattic_run: Any) -> None:
        result = hackattic_run("websocket_chit_chat")
        assert result.passed, result.error or result.message
        assert result.timings["solve"] < 3.0  # ten times faster than real intervals

    def test_hackattic_context_carries_it(self, hackattic_context: Any) -> None:
        async def scale() -> float:
            async with hackattic_context(WebsocketChitChat) as context:
                return float(context.time_scale)

        assert asyncio.run(scale()) == 0.1

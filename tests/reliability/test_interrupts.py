"""Ctrl-C (SIGINT) and SIGTERM at each phase of a run: exit 130, no traceback.

Each test waits until the run is provably in the phase (the sandbox's stats show the
request it is stuck on), then signals the CLI process (by its id, nothing else).
"""

from __future__ import annotations

import signal
import textwrap
from pathlib import Path
from typing import Any

import pytest

from .conftest import (
    TOKEN,
    CliProcess,
    CliResult,
    CliStarter,
    SandboxFactory,
    fake_install,
    wait_for,
)

SLUG = "mirror"  # tests/plugins/mirror.py
TICKER = "ticker"  # tests/plugins/ticker.py: a conversation over a WebSocket
SIGNALS = [pytest.param(signal.SIGINT, id="SIGINT"), pytest.param(signal.SIGTERM, id="SIGTERM")]


def assert_interrupted(result: CliResult) -> None:
    assert result.exit_code == 130, result
    assert "Traceback" not in result.stderr, result
    assert [line for line in result.stderr_lines() if "interrupted" in line] == [
        "hackattic: error: interrupted (Ctrl-C or SIGTERM)"
    ], result


def interrupt(process: CliProcess, signum: int) -> CliResult:
    process.send_signal(signum)
    return process.wait(timeout=20)


@pytest.mark.parametrize("signum", SIGNALS)
def test_interrupt_during_a_hanging_problem_fetch(
    sandbox: SandboxFactory, start_cli: CliStarter, signum: int
) -> None:
    server = sandbox("slow", fault_count=1, slow_seconds=120)
    process = start_cli("run", SLUG, "-v", sandbox=server, env={"HACKATTIC_HTTP_TIMEOUT": "120"})
    wait_for(lambda: server.stats()["faults"].get("slow") == 1, what="the slow problem fetch")

    assert_interrupted(interrupt(process, signum))
    # Nothing was submitted, nothing retried.
    assert server.stats()["faults"] == {"slow": 1}
    assert server.http_counts(f"POST /challenges/{SLUG}/solve") == {}


@pytest.mark.parametrize("signum", SIGNALS)
def test_interrupt_while_waiting_to_retry(
    sandbox: SandboxFactory, start_cli: CliStarter, signum: int
) -> None:
    server = sandbox("http_429", fault_count=1, retry_after=30)
    process = start_cli("run", SLUG, sandbox=server)
    wait_for(
        lambda: "waiting 30.0s" in process.stderr_so_far(),
        what="the retry announcement",
    )

    assert_interrupted(interrupt(process, signum))
    assert server.http_counts(f"GET /challenges/{SLUG}/problem") == {"429": 1}


@pytest.mark.parametrize("signum", SIGNALS)
def test_interrupt_during_a_conversation_closes_it(
    sandbox: SandboxFactory, start_cli: CliStarter, signum: int
) -> None:
    server = sandbox(time_scale=0.25, options={f"{TICKER}.rounds": 1000})
    process = start_cli("run", TICKER, "-v", sandbox=server)

    def conversation() -> dict[str, Any]:
        stats: dict[str, Any] = server.stats()["challenges"][TICKER]
        return stats

    wait_for(
        lambda: conversation()["totals"]["open"] == 1 and conversation()["totals"]["ticks"] >= 1,
        what="a conversation under way",
    )
    assert_interrupted(interrupt(process, signum))

    # The server saw the conversation end: closed by the client, not dropped.
    wait_for(lambda: conversation()["totals"]["open"] == 0, what="the conversation to end")
    (ended,) = conversation()["conversations"]
    assert ended["outcome"] == "client_closed", ended
    assert conversation()["totals"]["missed"] == 0


def test_interrupted_run_with_json_prints_one_object(
    sandbox: SandboxFactory, start_cli: CliStarter
) -> None:
    server = sandbox("slow", fault_count=1, slow_seconds=120)
    process = start_cli(
        "run", SLUG, "--json", sandbox=server, env={"HACKATTIC_HTTP_TIMEOUT": "120"}
    )
    wait_for(lambda: server.stats()["faults"].get("slow") == 1, what="the slow problem fetch")

    result = interrupt(process, signal.SIGINT)
    assert result.exit_code == 130, result
    assert len(result.stdout.splitlines()) == 1, result
    assert result.json["exit_code"] == 130


SLOW_PLUGIN = textwrap.dedent(
    """
    import pathlib, time
    pathlib.Path({marker!r}).write_text("importing")
    time.sleep(120)
    """
)


@pytest.fixture
def slow_loading_plugin(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A faked install whose plugin takes two minutes to import (it marks when it starts)."""
    root = tmp_path / "site"
    fake_install(root, "hackattic-fake-slow", {"fake_slow": "hackattic_fake_slow"})
    marker = tmp_path / "importing"
    (root / "hackattic_fake_slow.py").write_text(SLOW_PLUGIN.format(marker=str(marker)))
    return {"PYTHONPATH": str(root)}, marker


@pytest.mark.parametrize("signum", SIGNALS)
def test_interrupt_while_loading_plugins(
    start_cli: CliStarter, slow_loading_plugin: tuple[dict[str, str], Path], signum: int
) -> None:
    env, marker = slow_loading_plugin
    env = {**env, "HACKATTIC_BASE_URL": "http://127.0.0.1:9", "HACKATTIC_ACCESS_TOKEN": TOKEN}
    process = start_cli("run", SLUG, env=env)
    wait_for(marker.exists, what="the plugin import")

    process.send_signal(signum)
    result = process.wait(timeout=20, check=False)
    assert result.exit_code == 130, result
    assert "Traceback" not in result.stderr, result

"""Interrupted at the wrong moment: during the submit, and while plugins import.

Item 7 of issue 14. The service (:class:`HostileServer`) holds the solve request without
answering; the test waits until it has arrived, then signals the CLI (by its own id).
"""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import pytest

from .conftest import (
    TOKEN,
    CliResult,
    CliStarter,
    HostileFactory,
    fake_install,
    hostile_env,
    wait_for,
)
from .hostile_payloads import MIRROR_SOLUTION, mirror_problem
from .hostile_server import HostileServer, Reply, Request

SLUG = "mirror"  # tests/plugins/mirror.py
SOLVE = f"/challenges/{SLUG}/solve"
SIGNALS = [pytest.param(signal.SIGINT, id="SIGINT"), pytest.param(signal.SIGTERM, id="SIGTERM")]
INTERRUPTED = "interrupted (Ctrl-C or SIGTERM)"


def one_json_object(result: CliResult) -> dict[str, object]:
    """``check_run`` leaves exit 130 alone: here it must be one JSON object too."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result
    data: dict[str, object] = json.loads(lines[0])
    assert data["exit_code"] == 130, result
    return data


def holding_the_submit(hostile: HostileFactory) -> HostileServer:
    server = hostile()
    server.route("GET", f"/challenges/{SLUG}/problem", Reply.json(mirror_problem()))

    async def never_answer(request: Request) -> Reply:
        await asyncio.sleep(60)
        return Reply.json({"result": "passed"})

    server.route("POST", SOLVE, never_answer)
    return server


@pytest.mark.parametrize("signum", SIGNALS)
def test_interrupted_during_the_submit_json_keeps_the_solution(
    hostile: HostileFactory, start_cli: CliStarter, signum: int
) -> None:
    server = holding_the_submit(hostile)
    process = start_cli("run", SLUG, "--json", env=hostile_env(server), token=TOKEN)
    server.wait_for("POST", SOLVE)
    process.send_signal(signum)
    result = process.wait(timeout=20)

    assert result.exit_code == 130, result
    data = one_json_object(result)
    assert data["error"] == INTERRUPTED
    assert data["status"] == "failed"
    assert data["solution"] == MIRROR_SOLUTION
    assert data["sent"] is True
    assert "may have accepted it" in str(data["message"])


def test_interrupted_during_the_submit_a_person_sees_the_solution(
    hostile: HostileFactory, start_cli: CliStarter
) -> None:
    server = holding_the_submit(hostile)
    process = start_cli("run", SLUG, env=hostile_env(server), token=TOKEN)
    server.wait_for("POST", SOLVE)
    process.send_signal(signal.SIGINT)
    result = process.wait(timeout=20)

    assert result.exit_code == 130, result
    assert result.stderr_lines() == [f"hackattic: error: {INTERRUPTED}"], result
    (line,) = [line for line in result.stdout.splitlines() if "solution (sent" in line]
    assert "the service may have accepted it" in line
    assert '"mirrored": "cittakcah"' in line


SLOW_PLUGIN = (
    "import pathlib, time\npathlib.Path({marker!r}).write_text('importing')\ntime.sleep(60)\n"
)


def test_sigterm_while_plugins_import_prints_one_json_object(
    start_cli: CliStarter, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    fake_install(site, "hackattic-fake-slow", {"fake_slow": "hackattic_fake_slow"})
    marker = tmp_path / "importing"
    (site / "hackattic_fake_slow.py").write_text(SLOW_PLUGIN.format(marker=str(marker)))
    env = {"PYTHONPATH": str(site), "HACKATTIC_BASE_URL": "http://127.0.0.1:9"}
    process = start_cli("run", SLUG, "--json", env=env, token=TOKEN)
    wait_for(marker.exists, what="the plugin import")
    process.send_signal(signal.SIGTERM)
    result = process.wait(timeout=20)

    assert result.exit_code == 130, result
    data = one_json_object(result)
    assert data["error"] == INTERRUPTED
    assert data["slug"] == SLUG
    assert data["solution"] is None

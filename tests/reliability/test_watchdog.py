"""Ctrl-C and SIGTERM end a run within about a second even when the solver cannot be
cancelled (the watchdog of :mod:`hackattic_core.interrupts`), with one report."""

from __future__ import annotations

import json
import shutil
import signal
import time
from pathlib import Path

import pytest

from hackattic_core import ExitCode
from hackattic_core.testing import CliRunner

from .conftest import fake_install

STUBBORN = Path(__file__).resolve().parent.parent / "plugins" / "stubborn.py"
SETTLE_SECONDS = 30.0
"""Generous: how long the run may take to start its solve on a loaded machine."""


@pytest.fixture
def stubborn_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(STUBBORN, site / "hackattic_test_stubborn.py")
    fake_install(site, "hackattic-test-stubborn", {"stubborn": "hackattic_test_stubborn"})
    return {"PYTHONPATH": str(site)}


def _wait_until_holding(process: object, deadline: float) -> None:
    while "holding the process" not in process.stderr_so_far():  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            pytest.fail("the stubborn solver never started")
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_solver_that_cannot_be_cancelled_still_ends_the_run(
    tmp_path: Path, stubborn_env: dict[str, str], signum: int
) -> None:
    runner = CliRunner(tmp_path / "cli")
    try:
        process = runner.start("run", "stubborn", "--sandbox", "--json", env=stubborn_env)
        _wait_until_holding(process, time.monotonic() + SETTLE_SECONDS)
        sent = time.monotonic()
        process.send_signal(signum)
        result = process.wait(timeout=30)
        took = time.monotonic() - sent
    finally:
        runner.close()

    assert result.exit_code == ExitCode.INTERRUPTED, result
    (line,) = result.stdout.splitlines()
    report = json.loads(line)
    assert report["exit_code"] == ExitCode.INTERRUPTED
    assert "interrupted" in report["error"]
    # Not a timing assertion on a loaded machine: the hold is 600 s, so anything far below
    # it proves the watchdog cut it short.
    assert took < 60, f"the run took {took:.1f}s to end after the signal"

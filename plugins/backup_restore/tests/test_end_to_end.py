"""backup_restore end to end: through the runner, and through the real CLI process."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hackattic_backup_restore.challenge import (
    BackupRestoreChallenge,
    BackupRestoreProblem,
    BackupRestoreSolution,
)

from hackattic_core import Context, hookimpl
from hackattic_core.errors import EXIT_REJECTED, EXIT_SERVICE
from hackattic_core.plugins import Registry, load_registry
from hackattic_core.pytest_plugin import SANDBOX_SEED
from hackattic_core.sandbox.conditions import SandboxConditions, sandbox_conditions

SSN_SHAPE = r"\d{3}-\d{2}-\d{4}"


def test_passes_in_the_sandbox(hackattic_run: Any) -> None:
    result = hackattic_run("backup_restore")
    assert result.passed, result.error or result.message
    assert result.solution is not None
    ssns = result.solution["alive_ssns"]
    assert ssns
    assert all(re.fullmatch(SSN_SHAPE, ssn) for ssn in ssns)


class TestWhereOrderIsChecked:
    @pytest.fixture
    def hackattic_sandbox_options(self) -> dict[str, dict[str, Any]]:
        return {"backup_restore": {"check_order": True}}

    def test_the_solver_sends_table_order(self, hackattic_run: Any) -> None:
        result = hackattic_run("backup_restore")
        assert result.passed, result.error or result.message


class SendsEverySsn(BackupRestoreChallenge):
    """A classic mistake: every ssn in the COPY block, alive or not."""

    async def solve(self, problem: BackupRestoreProblem, context: Context) -> BackupRestoreSolution:
        text = gzip.decompress(problem.dump).decode()
        rows = text.split(" FROM stdin;\n", 1)[1].split("\n\\.\n", 1)[0].split("\n")
        ssns = [row.split("\t")[3] for row in rows if row.count("\t") == 7]
        return BackupRestoreSolution(alive_ssns=ssns)


class TestAWrongSolver:
    @pytest.fixture
    def hackattic_registry(self) -> Registry:
        plugin = SimpleNamespace(hackattic_register_challenges=hookimpl(lambda: [SendsEverySsn]))
        return load_registry(extra_plugins=[("wrong", plugin)], use_entry_points=False)

    def test_is_rejected_naming_what_is_wrong(self, hackattic_run: Any) -> None:
        result = hackattic_run("backup_restore")
        assert result.status == "rejected"
        assert result.exit_code == EXIT_REJECTED
        assert result.message.startswith("wrong alive_ssns: ")
        assert " ssns that are not alive: " in result.message


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("gzip_bomb", "it decompresses to more than 67,108,864 bytes"),
        ("truncated_dump", "truncated gzip"),
    ],
)
class TestHostileDumps:
    @pytest.fixture
    def hackattic_sandbox_conditions(self, fault: str) -> SandboxConditions:
        return sandbox_conditions({"seed": SANDBOX_SEED, "faults": [fault]}, read_env=False)

    def test_fail_with_exit_3_naming_what_is_wrong(
        self, hackattic_run: Any, fault: str, error: str
    ) -> None:
        result = hackattic_run("backup_restore")
        assert result.status == "failed"
        assert result.exit_code == EXIT_SERVICE
        assert result.error is not None
        assert result.error.startswith(f"malformed backup_restore dump: {error}")
        assert "\n" not in result.error
        assert not result.submitted


def run_cli(*arguments: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    hackattic = Path(sys.executable).with_name("hackattic")
    if not hackattic.exists():
        pytest.fail(f"the hackattic command is not installed next to {sys.executable}")
    completed = subprocess.run(  # noqa: S603 - our own command and arguments
        [str(hackattic), "run", "backup_restore", "--sandbox", "--json", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return completed, json.loads(completed.stdout)


def test_the_cli_passes_against_the_sandbox() -> None:
    completed, report = run_cli("-o", "check_order=true")
    assert completed.returncode == 0, completed.stderr or completed.stdout
    assert report["status"] == "passed", report
    assert report["exit_code"] == 0
    assert report["solution"]["alive_ssns"]


def test_the_cli_refuses_a_gzip_bomb_in_one_line() -> None:
    completed, report = run_cli("--fault", "gzip_bomb")
    assert completed.returncode == EXIT_SERVICE, completed.stderr
    assert report["exit_code"] == EXIT_SERVICE
    assert report["error"].startswith("malformed backup_restore dump: it decompresses to more")
    assert "Traceback" not in completed.stderr

"""collision_course end to end: through the runner, and through the real CLI process."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def test_passes_in_the_sandbox(hackattic_run: Any) -> None:
    result = hackattic_run("collision_course")
    assert result.passed, result.error or result.message
    assert result.solution is not None
    first, second = (base64.b64decode(text) for text in result.solution["files"])
    assert first != second


class TestASizeLimitBelowTheFiles:
    @pytest.fixture
    def hackattic_sandbox_options(self) -> dict[str, dict[str, Any]]:
        return {"collision_course": {"max_file_bytes": 100}}

    def test_is_rejected_naming_the_file(self, hackattic_run: Any) -> None:
        result = hackattic_run("collision_course")
        assert result.status == "rejected"
        assert result.exit_code == 1
        assert result.message == "file 1 is larger than 100 bytes"


class TestAnIncompleteProblem:
    @pytest.fixture
    def hackattic_sandbox_conditions(self, hackattic_sandbox_conditions: Any) -> Any:
        return hackattic_sandbox_conditions.model_copy(update={"faults": ["incomplete_problem"]})

    def test_fails_naming_the_field(self, hackattic_run: Any) -> None:
        result = hackattic_run("collision_course")
        assert result.status == "failed"
        assert result.exit_code == 3
        assert "field 'include'" in (result.error or "")


def test_the_cli_passes_against_the_sandbox() -> None:
    hackattic = Path(sys.executable).with_name("hackattic")
    if not hackattic.exists():
        pytest.fail(f"the hackattic command is not installed next to {sys.executable}")
    completed = subprocess.run(  # noqa: S603 - our own command and arguments
        [str(hackattic), "run", "collision_course", "--sandbox", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr or completed.stdout
    report = json.loads(completed.stdout)
    assert report["status"] == "passed", report
    assert report["exit_code"] == 0

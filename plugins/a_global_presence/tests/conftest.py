"""Helpers for these tests: a standalone sandbox in a process of its own."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hackattic_core.testing import CliRunner


@pytest.fixture
def standalone_sandbox(tmp_path: Path) -> Iterator[Callable[..., dict[str, str]]]:
    """``standalone_sandbox(*args)``: ``hackattic sandbox`` in a process of its own (killed
    at the end); its base URL and access token."""
    runner = CliRunner(tmp_path / "standalone-sandbox")

    def start(*args: str) -> dict[str, str]:
        process = runner.start("sandbox", "--port", "0", "--json", *args, check=False)
        stdout = process.cwd / "stdout.txt"
        deadline = time.monotonic() + 60
        while not stdout.read_text().strip():
            assert time.monotonic() < deadline, process.stderr_so_far()
            time.sleep(0.02)
        announced: dict[str, str] = json.loads(stdout.read_text().splitlines()[0])
        return announced

    try:
        yield start
    finally:
        runner.close()

"""Helpers for these tests: ports, and a standalone sandbox."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hackattic_core.testing import CliRunner


class Ports:
    """Port helpers, as the ``ports`` fixture (test modules cannot import this file)."""

    @staticmethod
    def free() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    @staticmethod
    def listening(port: int) -> bool:
        with socket.socket() as probe:
            probe.settimeout(1)
            return probe.connect_ex(("127.0.0.1", port)) == 0

    @staticmethod
    def wait_until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"still not so after {seconds:.0f} s")
            time.sleep(0.02)


@pytest.fixture
def ports() -> Ports:
    return Ports()


@pytest.fixture
def standalone_sandbox(tmp_path: Path) -> Iterator[Callable[..., dict[str, str]]]:
    """``standalone_sandbox(*args)``: ``hackattic sandbox`` in a process of its own (killed
    at the end); its base URL and access token."""
    runner = CliRunner(tmp_path / "standalone-sandbox")

    def start(*args: str) -> dict[str, str]:
        process = runner.start("sandbox", "--port", "0", "--json", *args, check=False)
        stdout = process.cwd / "stdout.txt"
        Ports.wait_until(lambda: stdout.read_text().strip() != "")
        announced: dict[str, str] = json.loads(stdout.read_text().splitlines()[0])
        return announced

    try:
        yield start
    finally:
        runner.close()

"""Helpers for these tests: free ports, whether a port is still taken, a standalone sandbox."""

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
    def free(kind: int = socket.SOCK_STREAM) -> int:
        """A port free on loopback right now (for a run given a fixed port)."""
        with socket.socket(socket.AF_INET, kind) as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    @staticmethod
    def is_free(port: int, kind: int = socket.SOCK_STREAM) -> bool:
        """Whether nothing is bound to (for TCP: listening on) ``port`` on loopback."""
        with socket.socket(socket.AF_INET, kind) as sock:
            if kind == socket.SOCK_STREAM:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is fine
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
            return True

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
def standalone_sandbox(tmp_path: Path) -> Iterator[Callable[[], dict[str, str]]]:
    """``standalone_sandbox()``: ``hackattic sandbox`` in a process of its own (killed at the
    end); its base URL and access token."""
    # A runner of its own: hackattic_cli's would number its folders from cli-0 too.
    runner = CliRunner(tmp_path / "standalone-sandbox")

    def start() -> dict[str, str]:
        process = runner.start("sandbox", "--port", "0", "--json", check=False)
        stdout = process.cwd / "stdout.txt"
        Ports.wait_until(lambda: stdout.read_text().strip() != "")
        announced: dict[str, str] = json.loads(stdout.read_text().splitlines()[0])
        return announced

    try:
        yield start
    finally:
        runner.close()

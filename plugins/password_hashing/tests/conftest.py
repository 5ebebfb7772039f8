"""Small parameters for every sandbox of these tests (a solve takes milliseconds), and a
loopback server of our own that serves a crafted problem (``serve_problem``)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

SMALL_CONDITIONS = {"rounds": 1000, "scrypt_n": 1024, "scrypt_r": 8, "scrypt_p": 2}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "timing: bounds wall time from above (deselect on a loaded machine)"
    )


@pytest.fixture
def hackattic_sandbox_options() -> dict[str, dict[str, Any]]:
    return {"password_hashing": dict(SMALL_CONDITIONS)}


class _Handler(BaseHTTPRequestHandler):
    server: ProblemServer

    def _reply(self, value: Any) -> None:
        body = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.fetched.set()
        self._reply(self.server.problem)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.submitted.append(self.rfile.read(length))
        self._reply({"result": "passed"})

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet


class ProblemServer(ThreadingHTTPServer):
    """A stand-in for hackattic.com that serves one crafted problem (the sandbox would
    refuse to issue it) and passes any submit."""

    daemon_threads = True

    def __init__(self, problem: dict[str, Any]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.problem = problem
        self.fetched = threading.Event()
        self.submitted: list[bytes] = []

    @property
    def env(self) -> dict[str, str]:
        """The environment that points ``hackattic run`` at this server."""
        host, port = self.server_address[:2]
        return {
            "HACKATTIC_BASE_URL": f"http://{host!s}:{port}",
            "HACKATTIC_ACCESS_TOKEN": "test-token-0123456789",
        }


ServeProblem = Callable[[dict[str, Any]], ProblemServer]


@pytest.fixture
def serve_problem() -> Iterator[ServeProblem]:
    """``serve_problem(problem)``: a running :class:`ProblemServer`, stopped after the test."""
    servers: list[ProblemServer] = []

    def start(problem: dict[str, Any]) -> ProblemServer:
        server = ProblemServer(problem)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            with contextlib.suppress(OSError):
                server.shutdown()
                server.server_close()

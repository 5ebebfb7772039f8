"""What a plugin's tests need beyond the public API: the real CLI, run as a user runs it.

The pytest plugin (``hackattic_core.pytest_plugin``) turns these into fixtures:

- ``hackattic_cli(*args, env={…}, files={…}, timeout=120, check=True) -> CliResult``:
  ``hackattic ARGS`` to its end;
- ``hackattic_cli_start(*args, …) -> CliProcess``: the same, still running (to send it a
  signal, say);
- ``hackattic_fake_service``: a :class:`FakeService`, hackattic.com played on loopback
  with a problem the test crafts (``env = hackattic_fake_service.serve({...})``), to run
  the real CLI against a hostile or costly problem.

Each child runs the installed ``hackattic`` console script in an empty folder of its own
(no ``.env`` leaks in, unless ``files`` writes one), with no ``HACKATTIC_*`` variable from
outside (only ``env``'s), quick retries, wide lines and no colour. Every run is checked for
what no run may ever do, whatever the test is about (``check``): no traceback reaches the
user, no secret given in ``env`` appears in the output, and with ``--json`` stdout holds
exactly one JSON object whose ``exit_code`` is the process's own.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hackattic_core.errors import ExitCode

if TYPE_CHECKING:
    from hackattic_core.challenge import AnyChallenge
    from hackattic_core.sandbox.server import SandboxHandle

__all__ = [
    "CliProcess",
    "CliResult",
    "CliRunner",
    "CliTimeout",
    "ExitCode",
    "FakeService",
    "RunCheckFailed",
    "clean_env",
    "fake_service",
    "hackattic_command",
    "hackattic_executable",
    "interrupt",
    "open_sandbox",
]

RUN_TIMEOUT = 120.0
FAST_RETRIES = {"HACKATTIC_RETRY_BACKOFF": "0.05", "HACKATTIC_RETRY_BACKOFF_MAX": "0.2"}
"""Small retry waits so that a retried run stays quick."""
SECRET_VARIABLES = ("HACKATTIC_ACCESS_TOKEN",)
"""Variables whose values must never be printed; of a ``*_PROXIES`` list, the passwords
its URLs hold."""


class RunCheckFailed(AssertionError):
    """A run did something no run may do (a traceback, a leaked secret, bad ``--json``)."""


class CliTimeout(AssertionError):
    """The process did not end in time (it was killed)."""


def hackattic_executable() -> str:
    """The console script a user runs, beside this interpreter (``.venv/bin/hackattic``)."""
    return str(Path(sys.executable).with_name("hackattic"))


# ru_maxrss of a direct child counts the memory of the process it was forked from (the
# kernel takes the old address space's high-water mark at exec): a test process that has
# loaded OpenCV would make every child look big. So each child is started by this small
# launcher, which forks the real command, forwards SIGINT and SIGTERM to it, writes the
# command's own peak RSS (KiB) to a file and exits as the command did.
_LAUNCHER = """
import os, signal, sys
rss_file, argv = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    os.execv(argv[0], argv)
with open(rss_file + ".pid", "w") as out:
    out.write(str(pid))
for sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(sig, lambda signum, frame: os.kill(pid, signum))
while True:
    try:
        _, status, usage = os.wait4(pid, 0)
        break
    except ChildProcessError:
        sys.exit(70)
    except InterruptedError:
        continue
with open(rss_file, "w") as out:
    out.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def hackattic_command() -> list[str]:
    """How to run ``hackattic``: its console script beside this interpreter, or, where
    there is none (an environment that sees hackattic through a ``.pth``), the module."""
    script = hackattic_executable()
    if os.access(script, os.X_OK):
        return [script]
    return [sys.executable, "-m", "hackattic_core.cli"]


def clean_env(home: Path, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The environment of a child: no ``HACKATTIC_*`` from outside, ``HOME`` = ``home``,
    wide lines and no colour, then ``extra`` (where None removes a variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HACKATTIC_")}
    for name in ("PYTHONPATH", "COLUMNS", "LINES", "FORCE_COLOR", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    env.update(
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
        COLUMNS="500",  # a real terminal is wide; 80 columns would wrap long messages
        HOME=str(home),
        **FAST_RETRIES,
    )
    for name, value in (extra or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@dataclass
class CliResult:
    """What a finished ``hackattic`` run left behind."""

    args: list[str]
    exit_code: int
    stdout: str
    stderr: str
    elapsed: float
    max_rss_mb: float
    """The child's own peak resident set size (from ``wait4``), in MiB."""

    @property
    def json(self) -> dict[str, Any]:
        """The one JSON object a ``--json`` run printed."""
        value: dict[str, Any] = json.loads(self.stdout)
        return value

    def stderr_lines(self) -> list[str]:
        """stderr's non-blank lines."""
        return [line for line in self.stderr.splitlines() if line.strip()]

    def __str__(self) -> str:
        return (
            f"$ hackattic {' '.join(self.args)}\nexit {self.exit_code} "
            f"after {self.elapsed:.2f}s\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
        )


def check_run(result: CliResult, secrets: Iterable[str]) -> None:
    """What must hold for every run: no secret printed, no traceback, ``--json`` is one
    whole object carrying the process's exit code."""

    def fail(what: str) -> None:
        raise RunCheckFailed(f"{what}\n{result}")

    for secret in secrets:
        if secret in result.stdout or secret in result.stderr:
            fail("a secret was printed")
    if "Traceback" in result.stderr:
        fail("a traceback reached the user")
    if "--json" in result.args and result.exit_code != ExitCode.INTERRUPTED:
        lines = result.stdout.splitlines()
        if len(lines) != 1:
            fail("--json must print exactly one line")
        try:
            data = json.loads(lines[0], parse_constant=_refuse_constant)
        except ValueError as exc:
            fail(f"--json printed something that is not strict JSON: {exc}")
        if not isinstance(data, dict):
            fail("--json must print a JSON object")
        if result.args[:1] == ["run"] and data.get("exit_code") != result.exit_code:
            fail("--json's exit_code is not the process's")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@dataclass
class CliProcess:
    """A running ``hackattic`` process."""

    args: list[str]
    cwd: Path
    env: dict[str, str] = field(repr=False)
    secrets: list[str] = field(repr=False)
    check: bool = True

    def __post_init__(self) -> None:
        self._out = (self.cwd / "stdout.txt").open("w+")
        self._err = (self.cwd / "stderr.txt").open("w+")
        self.started = time.monotonic()
        self._rss_file = self.cwd / "peak_rss_kib.txt"
        launcher = [sys.executable, "-c", _LAUNCHER, str(self._rss_file)]
        self.proc = subprocess.Popen(  # noqa: S603 - our own console script
            [*launcher, *hackattic_command(), *self.args],
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._err,
            start_new_session=True,  # its own group: kill() ends the launcher and the command
        )

    @property
    def pid(self) -> int:
        """The ``hackattic`` process's id (not its launcher's)."""
        pid_file = Path(f"{self._rss_file}.pid")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                return int(pid_file.read_text())
            time.sleep(0.01)
        return self.proc.pid

    def send_signal(self, signum: int) -> None:
        """To the ``hackattic`` process itself (SIGSTOP cannot be forwarded)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def stderr_so_far(self) -> str:
        return (self.cwd / "stderr.txt").read_text(errors="replace")

    def wait(self, timeout: float = RUN_TIMEOUT, *, check: bool | None = None) -> CliResult:
        """Wait for the exit (``wait4``, for the child's own rusage), then check the run
        (unless ``check``, default the process's own, is False).

        Raises :class:`CliTimeout` (after killing it) if it is still running after
        ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self._kill_group()
                os.wait4(self.proc.pid, 0)
                self.proc.returncode = -9
                stdout, stderr = self._read()
                raise CliTimeout(
                    f"hackattic {' '.join(self.args)} still ran after {timeout:.0f}s\n"
                    f"--- stdout\n{stdout}\n--- stderr\n{stderr}"
                )
            time.sleep(0.01)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        stdout, stderr = self._read()
        result = CliResult(
            self.args,
            self.proc.returncode,
            stdout,
            stderr,
            time.monotonic() - self.started,
            self._peak_rss_kib(usage.ru_maxrss) / 1024,
        )
        if self.check if check is None else check:
            check_run(result, self.secrets)
        return result

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def _peak_rss_kib(self, fallback: int) -> int:
        """The command's own peak RSS, as the launcher measured it."""
        try:
            return int(self._rss_file.read_text())
        except (OSError, ValueError):
            return fallback

    def _read(self) -> tuple[str, str]:
        texts = []
        for handle in (self._out, self._err):
            handle.flush()
            handle.seek(0)
            texts.append(handle.read())
            handle.close()
        return texts[0], texts[1]

    def kill(self) -> None:
        """Stop it if it still runs (by its own id) and release its files."""
        if self.proc.returncode is None and self.proc.poll() is None:
            self._kill_group()
            self.proc.wait(5)
        else:
            self._kill_group()  # a command left behind by a launcher that ended
        for handle in (self._out, self._err):
            with contextlib.suppress(ValueError):
                handle.close()


def secrets_in(env: Mapping[str, str | None]) -> list[str]:
    """The values in ``env`` that no output may show: the access token, and the passwords
    in proxy URLs (``HACKATTIC_*_PROXIES``)."""
    found = []
    for name, value in env.items():
        if not value or not value.strip():
            continue
        if name in SECRET_VARIABLES:
            found.append(value.strip())
        elif name.endswith("_PROXIES"):
            for url in value.split(","):
                password = urlsplit(url.strip()).password
                if password:
                    found.append(password)
    return found


class CliRunner:
    """Starts ``hackattic`` processes in folders under ``root`` and kills any left at
    :meth:`close`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.running: list[CliProcess] = []

    def start(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        files: Mapping[str, bytes] | None = None,
        check: bool = True,
    ) -> CliProcess:
        """``hackattic ARGS`` started in a fresh folder (``files``: name → bytes in it)."""
        cwd = self.root / f"cli-{len(self.running)}"
        cwd.mkdir(parents=True)
        for name, content in (files or {}).items():
            (cwd / name).write_bytes(content)
        extra = dict(env or {})
        secrets = secrets_in(extra)
        process = CliProcess(list(args), cwd, clean_env(cwd, extra), secrets, check)
        self.running.append(process)
        return process

    def run(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        files: Mapping[str, bytes] | None = None,
        timeout: float = RUN_TIMEOUT,
        check: bool = True,
    ) -> CliResult:
        """``hackattic ARGS`` run to its end (see :meth:`start`)."""
        return self.start(*args, env=env, files=files, check=check).wait(timeout)

    def close(self) -> None:
        for process in self.running:
            process.kill()


@dataclass
class FakeService:
    """hackattic.com played on loopback by a test, with a problem the test crafts (a
    hostile one, say), to run the real CLI against (``env``).

    Every ``GET /challenges/<slug>/problem`` answers :attr:`problem` (bytes as they are, or
    a dict as JSON); every ``POST /challenges/<slug>/solve`` is recorded and answered
    :attr:`verdict`. While :attr:`hold_problem` (:attr:`hold_submit`) is set, the answer to
    a fetch (a submit) waits for :attr:`released`: a run still waiting, to interrupt.
    Other paths answer 404.
    """

    token: str = "fake-service-token-4b1d"  # noqa: S105 - a test service's, not a secret
    problem: bytes = b"{}"
    verdict: dict[str, Any] = field(default_factory=lambda: {"result": "passed (fake)"})
    base_url: str = ""
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)
    fetched: threading.Event = field(default_factory=threading.Event)
    submit_arrived: threading.Event = field(default_factory=threading.Event)
    hang_arrived: threading.Event = field(default_factory=threading.Event)
    """Set when a request reaches :meth:`hanging_url`."""
    hold_problem: threading.Event = field(default_factory=threading.Event)
    hold_submit: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    max_request_bytes: int = 1 << 20

    @property
    def env(self) -> dict[str, str]:
        """The environment that points the CLI here."""
        return {"HACKATTIC_BASE_URL": self.base_url, "HACKATTIC_ACCESS_TOKEN": self.token}

    def serve(self, problem: Mapping[str, Any] | bytes) -> dict[str, str]:
        """Answer ``problem`` from now on; returns :attr:`env`."""
        self.problem = problem if isinstance(problem, bytes) else json.dumps(problem).encode()
        return self.env

    def submitted(self) -> list[bytes]:
        """The bodies POSTed to ``/solve``, in order."""
        return [body for method, _, body in self.requests if method == "POST"]

    def hanging_url(self, name: str = "download") -> str:
        """A URL that accepts a GET and never answers (until the test ends): a download
        that would hold a solve for as long as the HTTP timeout, to interrupt it."""
        return f"{self.base_url}{HANG_PATH}{name}"


HANG_PATH = "/_/hang/"


def _fake_service_handler(service: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            service.requests.append(("GET", self.path, b""))
            if self.path.startswith(HANG_PATH):
                service.hang_arrived.set()
                service.released.wait(RUN_TIMEOUT)
                self._reply(410, b'{"error": "released"}')
            elif self.path.startswith("/challenges/") and "/problem" in self.path:
                service.fetched.set()
                if service.hold_problem.is_set():
                    service.released.wait(RUN_TIMEOUT)
                self._reply(200, service.problem)
            else:
                self._reply(404, b'{"error": "not found"}')

        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), service.max_request_bytes)
            service.requests.append(("POST", self.path, self.rfile.read(length)))
            if not (self.path.startswith("/challenges/") and "/solve" in self.path):
                self._reply(404, b'{"error": "not found"}')
                return
            service.submit_arrived.set()
            if service.hold_submit.is_set():
                service.released.wait(RUN_TIMEOUT)
            self._reply(200, json.dumps(service.verdict).encode())

        def _reply(self, status: int, body: bytes) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gone
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads :attr:`FakeService.requests` instead."""

    return Handler


@contextlib.contextmanager
def fake_service() -> Iterator[FakeService]:
    """A :class:`FakeService` on a free loopback port, in a thread, stopped after."""
    service = FakeService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _fake_service_handler(service))
    server.daemon_threads = True
    service.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="hackattic-fake", daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.released.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def interrupt(
    process: CliProcess,
    ready: threading.Event | Callable[[], bool],
    *,
    signum: int = signal.SIGINT,
    settle_timeout: float = 60.0,
    timeout: float = RUN_TIMEOUT,
) -> tuple[CliResult, float]:
    """Once ``ready`` (an event set, or a predicate true, e.g. ``lambda: "searching" in
    process.stderr_so_far()``), send ``signum`` to ``process`` and wait for its exit: its
    result and the seconds from the signal to the exit (for a benchmark, or a generous
    bound behind ``@pytest.mark.timing``)."""
    deadline = time.monotonic() + settle_timeout
    while not (ready.is_set() if isinstance(ready, threading.Event) else ready()):
        if process.proc.poll() is not None or time.monotonic() > deadline:
            result = process.wait(1)
            raise RunCheckFailed(f"the run ended or stalled before it was ready\n{result}")
        time.sleep(0.02)
    process.send_signal(signum)
    signalled = time.monotonic()
    result = process.wait(timeout)
    return result, time.monotonic() - signalled


@contextlib.asynccontextmanager
async def open_sandbox(
    challenge: type[AnyChallenge],
    *,
    seed: int = 1234,
    time_scale: float = 1.0,
    faults: Iterable[str] = (),
    fault_count: int | None = None,
    **options: Any,
) -> AsyncIterator[SandboxHandle]:
    """The sandbox serving ``challenge``'s emulation in the test's own event loop, with
    conditions and options validated as the command line validates them (an unknown
    option or fault is a :class:`~hackattic_core.errors.ConfigError`), never read from the
    environment; for async tests that drive an emulation over its real routes.

    ``handle.base_url``, ``handle.ws_base_url``, ``handle.access_token`` and
    ``handle.emulations[slug]`` (its ``stats()``) are what a test needs.
    """
    from hackattic_core.sandbox.build import build_emulations
    from hackattic_core.sandbox.conditions import sandbox_conditions
    from hackattic_core.sandbox.server import serve_sandbox

    core: dict[str, Any] = {"seed": seed, "time_scale": time_scale, "faults": list(faults)}
    if fault_count is not None:
        core["fault_count"] = fault_count
    conditions = sandbox_conditions(core, read_env=False)
    emulations = build_emulations(
        {challenge.name: challenge},
        conditions,
        {challenge.name: {key: str(value) for key, value in options.items()}},
        read_env=False,
    )
    async with serve_sandbox(emulations, conditions) as handle:
        yield handle

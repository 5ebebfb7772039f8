"""The real CLI against a real sandbox, each in a process of its own, over real sockets.

- ``sandbox(*faults, options={…}, **conditions)`` starts ``hackattic sandbox --port 0 --json``
  in a child process (killed when the test ends, whatever happens) and returns a
  :class:`Sandbox`;
- ``run_cli(*args, sandbox=…, env=…)`` runs ``hackattic`` as a user would and returns a
  :class:`CliResult` (exit code, stdout, stderr, wall time, the child's own peak RSS);
  ``start_cli`` does the same but returns the running :class:`CliProcess` (for signals).

Every run is checked for the things no run may ever do, whatever the test is about: the
access token never appears on stdout or stderr, no traceback reaches the user, and with
``--json`` stdout is exactly one complete JSON object whose ``exit_code`` is the process's
own (``check_run``).

Children run in an empty directory of their own (no ``.env`` leaks in), with every
``HACKATTIC_*`` variable from outside removed, and are stopped by their own process id.

The challenges they run are the test plugins of ``tests/plugins/`` (``mirror``, ``ticker``,
``tally``), installed for the session in a folder on the children's ``PYTHONPATH``
(:data:`TEST_PLUGINS`); the plugins installed in this environment are disabled in every
child (``HACKATTIC_DISABLE_PLUGINS``: :data:`REAL_PLUGINS`), so no test depends on one.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import httpx
import pytest

from hackattic_core.plugins import ENTRY_POINT_GROUP
from hackattic_core.testing import (
    CliProcess,
    CliResult,
    check_run,
    clean_env,
    hackattic_command,
)

from .hostile_payloads import has_control
from .hostile_server import HostileServer

__all__ = ["CliProcess", "CliResult", "check_run"]

TOKEN = "tok-LEAKCHECK-7f3a9c1e5b"
"""The sandbox's access token: recognisable, so that a leak anywhere is found."""
START_TIMEOUT = 30.0
RUN_TIMEOUT = 60.0
FAST_RETRIES = {
    "HACKATTIC_RETRY_BACKOFF": "0.05",
    "HACKATTIC_RETRY_BACKOFF_MAX": "0.2",
}
"""Small retry waits so that a retried run stays quick."""


PLUGIN_SOURCES = Path(__file__).resolve().parents[1] / "plugins"
TEST_PLUGINS = ("mirror", "ticker", "tally")
"""The test plugins every child has installed (``tests/plugins/<name>.py``)."""
REAL_PLUGINS = tuple(sorted({point.name for point in entry_points(group=ENTRY_POINT_GROUP)}))
"""The plugins installed in this environment, disabled in every child."""


def install_test_plugin(site: Path, name: str) -> None:
    """``tests/plugins/<name>.py`` installed in ``site`` as distribution ``hackattic-<name>``
    (module ``hackattic_test_<name>``, entry point ``<name>``)."""
    site.mkdir(parents=True, exist_ok=True)
    module = f"hackattic_test_{name}"
    shutil.copy(PLUGIN_SOURCES / f"{name}.py", site / f"{module}.py")
    fake_install(site, f"hackattic-{name.replace('_', '-')}", {name: module})


def base_env(
    cwd: Path, site: Path, extra: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """The environment of a child (:func:`hackattic_core.testing.clean_env`): the test
    plugins of ``site`` installed (after any ``PYTHONPATH`` of ``extra``'s), the real ones
    disabled (with any ``HACKATTIC_DISABLE_PLUGINS`` of ``extra``'s)."""
    extra = dict(extra or {})
    paths = [extra.pop("PYTHONPATH", None), str(site)]
    disabled = [*REAL_PLUGINS, extra.pop("HACKATTIC_DISABLE_PLUGINS", None)]
    return clean_env(
        cwd,
        {
            "PYTHONPATH": os.pathsep.join(path for path in paths if path),
            "HACKATTIC_DISABLE_PLUGINS": ",".join(name for name in disabled if name),
            **extra,
        },
    )


@pytest.fixture(scope="session")
def test_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where the :data:`TEST_PLUGINS` are installed, for every child."""
    clash = sorted(set(TEST_PLUGINS) & set(REAL_PLUGINS))
    assert not clash, f"an installed plugin takes a test plugin's name: {clash}"
    site = tmp_path_factory.mktemp("test-plugins")
    for name in TEST_PLUGINS:
        install_test_plugin(site, name)
    return site


def retry_lines(result: CliResult) -> list[str]:
    """The log lines of a run announcing a retry."""
    return [line for line in result.stderr.splitlines() if "hackattic.client: retry " in line]


def wait_for(
    condition: Callable[[], Any], *, timeout: float = 20.0, what: str = "a condition"
) -> Any:
    """Poll ``condition`` until it returns something truthy (returned), or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def _stop(proc: subprocess.Popen[Any]) -> None:
    """Stop a child we started, by its own id: TERM, then KILL."""
    if proc.poll() is None:
        proc.terminate()
        try:
            # A sandbox gives open connections a few seconds; a test does not wait for them.
            proc.wait(0.5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@dataclass
class Sandbox:
    """A standalone sandbox process: where it listens and how to ask it for its stats."""

    proc: subprocess.Popen[str] = field(repr=False)
    base_url: str
    access_token: str = field(repr=False)
    stderr_path: Path

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def get(self, path: str, **params: str) -> httpx.Response:
        query = {"access_token": self.access_token, **params}
        return httpx.get(self.base_url + path, params=query, timeout=10)

    def stats(self) -> dict[str, Any]:
        response = self.get("/_/stats")
        assert response.status_code == 200, response.text
        stats: dict[str, Any] = response.json()
        return stats

    def http_counts(self, route: str) -> dict[str, int]:
        """Answers per status for e.g. ``GET /challenges/mirror/problem``."""
        counts: dict[str, int] = self.stats()["http"]["requests"].get(route, {})
        return counts

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


SandboxFactory = Callable[..., Sandbox]
SANDBOX_FLAGS = frozenset({"seed", "time_scale"})
"""Conditions ``hackattic sandbox`` takes as flags; the others go as HACKATTIC_SANDBOX_*."""


class SandboxProcesses:
    """Starts sandbox processes and stops every one of them (by its own id) at the end."""

    def __init__(self, root: Path, site: Path) -> None:
        self.root = root
        self.site = site
        self.started: list[subprocess.Popen[str]] = []

    def start(
        self,
        *faults: str,
        token: str = TOKEN,
        args: tuple[str, ...] = (),
        options: Mapping[str, Any] | None = None,
        **conditions: Any,
    ) -> Sandbox:
        conditions.setdefault("seed", 1)
        command = [
            *hackattic_command(),
            "sandbox",
            "--port",
            "0",
            "--json",
            "--access-token",
            token,
            *args,
        ]
        extra: dict[str, str] = {}
        for name, value in conditions.items():
            if name in SANDBOX_FLAGS:
                command += [f"--{name.replace('_', '-')}", str(value)]
            else:
                extra[f"HACKATTIC_SANDBOX_{name.upper()}"] = str(value)
        for name, value in (options or {}).items():
            command += ["-o", f"{name}={value}"]
        for fault in faults:
            command += ["--fault", fault]
        home = self.root / f"sandbox-{len(self.started)}"
        home.mkdir(parents=True)
        stderr_path = home / "stderr.txt"
        with stderr_path.open("w") as stderr:
            proc = subprocess.Popen(  # noqa: S603 - our own script
                command,
                cwd=home,
                env=base_env(home, self.site, extra),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self.started.append(proc)
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
        line = proc.stdout.readline() if ready else ""
        if not line:
            _stop(proc)
            pytest.fail(f"the sandbox did not start: {stderr_path.read_text()}")
        announced = json.loads(line)
        assert announced["access_token"] == token
        return Sandbox(proc, announced["base_url"], token, stderr_path)

    def stop_all(self) -> None:
        for proc in self.started:
            _stop(proc)
            if proc.stdout is not None:
                proc.stdout.close()


@pytest.fixture
def sandbox(tmp_path: Path, test_site: Path) -> Iterator[SandboxFactory]:
    """``sandbox(*faults, seed=1, fault_count=…, options={"ticker.rounds": 9}, args=(…))``:
    a sandbox serving the test plugins.

    Conditions with a ``hackattic sandbox`` flag (seed, time_scale) are passed as flags, the
    others (fault_count, retry_after, slow_seconds) as ``HACKATTIC_SANDBOX_*`` variables, and
    ``options`` (``SLUG.KEY`` → value) as ``-o SLUG.KEY=VALUE``. Every sandbox started is
    killed when the test ends.
    """
    processes = SandboxProcesses(tmp_path, test_site)
    try:
        yield processes.start
    finally:
        processes.stop_all()


@pytest.fixture(scope="module")
def shared_sandbox(
    tmp_path_factory: pytest.TempPathFactory, test_site: Path
) -> Iterator[SandboxFactory]:
    """Like ``sandbox``, but one process per set of conditions for the whole module.

    Only for conditions whose outcome does not depend on what earlier runs did (no counted
    fault, nothing that ever passes outside the playground).
    """
    processes = SandboxProcesses(tmp_path_factory.mktemp("shared"), test_site)
    cache: dict[str, Sandbox] = {}

    def get(*faults: str, **conditions: Any) -> Sandbox:
        key = json.dumps([sorted(faults), sorted(conditions.items())], default=str)
        if key not in cache:
            cache[key] = processes.start(*faults, **conditions)
        return cache[key]

    try:
        yield get
    finally:
        processes.stop_all()


def fake_install(root: Path, distribution: str, entry_points: dict[str, str]) -> None:
    """A ``*.dist-info`` that importlib.metadata reads as an installed distribution."""
    info = root / f"{distribution.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.1\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[hackattic]\n{lines}")


CliRunner = Callable[..., CliResult]
CliStarter = Callable[..., CliProcess]


@pytest.fixture
def start_cli(tmp_path: Path, test_site: Path) -> Iterator[CliStarter]:
    """``start_cli(*args, sandbox=None, token=…, env={…}, files={…})``: ``hackattic`` as a
    user runs it.

    The child runs in an empty directory of its own (no ``.env`` leaks in, unless ``files``
    writes one: name → bytes) with no ``HACKATTIC_*`` variable but those for the sandbox
    (base URL, token), quick retries and ``env``, the test plugins installed and the real
    ones disabled (see :func:`base_env`). Every process started is killed at the end of the
    test.
    """
    running: list[CliProcess] = []

    def start(
        *args: str,
        sandbox: Sandbox | None = None,
        token: str | None = None,
        env: Mapping[str, str | None] | None = None,
        files: Mapping[str, bytes] | None = None,
    ) -> CliProcess:
        cwd = tmp_path / f"cli-{len(running)}"
        cwd.mkdir()
        for name, content in (files or {}).items():
            (cwd / name).write_bytes(content)
        extra: dict[str, str | None] = dict(FAST_RETRIES)
        if sandbox is not None:
            extra["HACKATTIC_BASE_URL"] = sandbox.base_url
            extra["HACKATTIC_ACCESS_TOKEN"] = sandbox.access_token
        if token is not None:
            extra["HACKATTIC_ACCESS_TOKEN"] = token
        extra.update(env or {})
        known = [TOKEN]
        given = extra.get("HACKATTIC_ACCESS_TOKEN")
        if given and given.strip():
            known.append(given.strip())
        process = CliProcess(list(args), cwd, base_env(cwd, test_site, extra), known)
        running.append(process)
        return process

    try:
        yield start
    finally:
        for process in running:
            process.kill()


@pytest.fixture
def run_cli(start_cli: CliStarter) -> CliRunner:
    """``run_cli(*args, sandbox=…, env=…, timeout=…)``: run ``hackattic`` to its end."""

    def run(*args: str, timeout: float = RUN_TIMEOUT, **options: Any) -> CliResult:
        return start_cli(*args, **options).wait(timeout)

    return run


HostileFactory = Callable[[], HostileServer]


@pytest.fixture
def hostile() -> Iterator[HostileFactory]:
    """``hostile()``: a :class:`HostileServer` on loopback (stopped when the test ends), to
    play hackattic.com (``HACKATTIC_BASE_URL=server.base_url``) or a proxy."""
    servers: list[HostileServer] = []

    def start() -> HostileServer:
        server = HostileServer().start()
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


def hostile_env(server: HostileServer) -> dict[str, str]:
    """The environment that makes ``hackattic`` take ``server`` for hackattic.com (pass
    ``token=TOKEN`` too)."""
    return {"HACKATTIC_BASE_URL": server.base_url}


def assert_harmless(result: CliResult) -> None:
    """No ESC, C1 control or DEL from a server reached the output (``check_run`` already
    checked the token, tracebacks and ``--json``)."""
    assert not has_control(result.stdout), f"a control character reached stdout\n{result}"
    assert not has_control(result.stderr), f"a control character reached stderr\n{result}"

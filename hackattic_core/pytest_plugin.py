"""pytest fixtures for challenge authors: the offline sandbox, settings and runs against it.

Shipped with the core and registered under ``pytest11``, so every test of a plugin can ask
for them; they work in plain (sync) tests and need no pytest-asyncio::

    def test_passes_in_the_sandbox(hackattic_run):
        result = hackattic_run("my_challenge")
        assert result.passed, result.error or result.message

Fixtures (all function-scoped; redefine one in a ``conftest.py`` to change it):

- ``hackattic_sandbox_conditions``: the core's :class:`SandboxConditions`: a fixed seed,
  real time, no faults, whatever the environment or ``.env`` say;
- ``hackattic_sandbox_options``: each emulation's own conditions, ``{slug: {key: value}}``
  (empty: every default); redefine it in a plugin's ``conftest.py`` to make its sandbox
  quick (small parameters);
- ``hackattic_registry``: the challenges served and run (every installed plugin's);
- ``hackattic_sandbox``: the sandbox, served on a free loopback port from a thread of its
  own; the handle has ``base_url``, ``ws_base_url``, ``access_token``, ``time_scale`` and
  the ``emulations`` it serves;
- ``hackattic_emulation``: ``hackattic_emulation(MyChallenge, **conditions)`` (or an
  Emulation class) builds the emulation as the sandbox does (the fixed seed, no
  environment), to test it directly; ``faults=[…]`` switches its own faults on;
- ``hackattic_settings``: :class:`Settings` pointing at that sandbox (``.env`` ignored);
- ``hackattic_context``: ``async with hackattic_context() as context:`` gives a
  :class:`Context` for calling a challenge's ``solve`` directly, inside ``asyncio.run``
  (the sandbox starts only when a context opens);
- ``hackattic_run``: ``hackattic_run(slug, **options)`` runs the challenge end to end
  (fetch, solve, submit) against the sandbox and returns the :class:`RunResult`;
- ``hackattic_cli``: ``hackattic_cli(*args, env={…}, files={…}, timeout=…)`` runs the real
  ``hackattic`` command in a clean process and returns a
  :class:`~hackattic_core.testing.CliResult` (exit code, stdout, stderr, ``.json``);
  ``hackattic_cli_start`` returns the running :class:`~hackattic_core.testing.CliProcess`;
- ``hackattic_fake_service``: hackattic.com played on loopback with a crafted problem
  (:class:`~hackattic_core.testing.FakeService`), for the real CLI against hostile ones.

For async tests, :func:`hackattic_core.testing.open_sandbox` serves one challenge's
emulation in the test's own event loop with per-call conditions, options and faults.

This module is imported by every pytest run in an environment where the core is installed,
so it imports nothing heavy until a fixture is used.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from hackattic_core.challenge import AnyChallenge, Context
    from hackattic_core.plugins import Registry
    from hackattic_core.runner import RunResult
    from hackattic_core.sandbox.build import Emulations
    from hackattic_core.sandbox.conditions import SandboxConditions
    from hackattic_core.sandbox.emulation import AnyEmulation
    from hackattic_core.sandbox.server import SandboxHandle
    from hackattic_core.settings import Settings
    from hackattic_core.testing import CliProcess, CliResult, CliRunner, FakeService

SANDBOX_SEED = 1234
SANDBOX_TIME_SCALE = 1.0
"""Real time: a solver that passes here keeps hackattic's own timings."""
_START_TIMEOUT = 30.0


class _SandboxThread:
    """The sandbox server running on an event loop of its own, in a daemon thread.

    A sync test cannot hold an async context manager open, and a test's own
    ``asyncio.run`` would stop a server started on its loop; a thread keeps the server
    serving for the whole test, whatever the test does with event loops.
    """

    def __init__(self, emulations: Emulations, conditions: SandboxConditions) -> None:
        self._emulations = emulations
        self._conditions = conditions
        self._started = threading.Event()
        self._stop: Callable[[], None] | None = None
        self._thread = threading.Thread(target=self._run, name="hackattic-sandbox", daemon=True)
        self.handle: SandboxHandle | None = None
        self.error: BaseException | None = None

    def start(self) -> SandboxHandle:
        self._thread.start()
        if not self._started.wait(_START_TIMEOUT):
            raise RuntimeError(f"the sandbox did not start within {_START_TIMEOUT:.0f} s")
        if self.error is not None:
            raise RuntimeError(f"the sandbox failed to start: {self.error!r}") from self.error
        assert self.handle is not None
        return self.handle

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
        self._thread.join(_START_TIMEOUT)
        if self.error is not None:
            raise RuntimeError(f"the sandbox failed: {self.error!r}") from self.error

    def _run(self) -> None:
        import asyncio

        try:
            asyncio.run(self._serve())
        except BaseException as exc:
            self.error = exc
        finally:
            self._started.set()

    async def _serve(self) -> None:
        import asyncio

        from hackattic_core.sandbox.server import serve_sandbox

        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()

        def stop() -> None:
            loop.call_soon_threadsafe(stopping.set)

        self._stop = stop
        async with serve_sandbox(self._emulations, self._conditions, strict=False) as handle:
            self.handle = handle
            self._started.set()
            await stopping.wait()


@pytest.fixture
def hackattic_sandbox_conditions() -> SandboxConditions:
    """Reproducible core conditions: a fixed seed, real time, no faults."""
    from hackattic_core.sandbox.conditions import sandbox_conditions

    # Not from HACKATTIC_SANDBOX_* or .env: a developer's settings (a fault, a time scale)
    # must not change what the tests see.
    return sandbox_conditions(
        {"seed": SANDBOX_SEED, "time_scale": SANDBOX_TIME_SCALE}, read_env=False
    )


@pytest.fixture
def hackattic_sandbox_options() -> dict[str, dict[str, Any]]:
    """Each emulation's own conditions by slug; empty: their defaults."""
    return {}


@pytest.fixture
def hackattic_registry() -> Registry:
    """Every installed challenge plugin (the sandbox serves those with an emulation)."""
    from hackattic_core.plugins import load_registry

    return load_registry()


@pytest.fixture
def hackattic_emulation(
    hackattic_sandbox_conditions: SandboxConditions,
) -> Callable[..., Any]:
    """``hackattic_emulation(MyChallenge or MyEmulation, faults=(), **conditions)``: the
    emulation built as the sandbox builds it (the fixed seed, never the environment, its
    own ``faults`` switched on), not started. Its one-time downloads need a running
    sandbox: use ``hackattic_run`` or ``hackattic_cli`` for those."""
    from hackattic_core.challenge import Challenge
    from hackattic_core.sandbox.build import build_emulation, emulation_class

    def build(
        target: type[AnyChallenge] | type[AnyEmulation],
        faults: tuple[str, ...] | list[str] = (),
        **conditions: Any,
    ) -> Any:
        slug = None
        emulation_cls: type[AnyEmulation] | None
        if isinstance(target, type) and issubclass(target, Challenge):
            slug, emulation_cls = target.name, emulation_class(target)
            if emulation_cls is None:
                raise ValueError(f"{target.name} has no emulation")
        else:
            emulation_cls = target
        core = hackattic_sandbox_conditions.model_copy(
            update={"faults": [*hackattic_sandbox_conditions.faults, *faults]}
        )
        return build_emulation(emulation_cls, core, conditions, slug=slug, read_env=False)

    return build


@pytest.fixture
def hackattic_sandbox(
    hackattic_registry: Registry,
    hackattic_sandbox_conditions: SandboxConditions,
    hackattic_sandbox_options: dict[str, dict[str, Any]],
) -> Iterator[SandboxHandle]:
    """The offline sandbox on a free loopback port, stopped after the test.

    It serves every installed challenge whose emulation builds; another plugin's broken
    emulation is left out, not a failure of this test.
    """
    from hackattic_core.sandbox.build import build_emulations

    emulations = build_emulations(
        hackattic_registry.challenges,
        hackattic_sandbox_conditions,
        hackattic_sandbox_options,
        strict=False,
        read_env=False,
    )
    server = _SandboxThread(emulations, hackattic_sandbox_conditions)
    handle = server.start()
    try:
        yield handle
    finally:
        server.stop()


@pytest.fixture
def hackattic_settings(hackattic_sandbox: SandboxHandle) -> Settings:
    """Settings pointing at the sandbox; ``.env`` is not read."""
    from pydantic import SecretStr

    from hackattic_core.settings import Settings

    return Settings(  # type: ignore[call-arg]  # _env_file: a pydantic-settings option
        _env_file=None,
        base_url=hackattic_sandbox.base_url,
        access_token=SecretStr(hackattic_sandbox.access_token),
    )


@pytest.fixture
def hackattic_context(
    request: pytest.FixtureRequest,
) -> Callable[..., contextlib.AbstractAsyncContextManager[Context]]:
    """``async with hackattic_context(challenge=None, **fields) as context:``: a Context.

    Its settings point at the sandbox, started when the first context opens (a solver that
    needs no server costs no server). Its HTTP client belongs to the event loop it is
    opened on, hence an async context manager, to open inside the test's own
    ``asyncio.run``. ``challenge`` (a Challenge class) gives the logger name and the
    plugin settings; the time scale is the sandbox's; ``fields`` override any field of the
    Context.
    """

    @contextlib.asynccontextmanager
    async def open_context(
        challenge: type[AnyChallenge] | None = None, **fields: Any
    ) -> AsyncIterator[Context]:
        import logging

        from hackattic_core.challenge import Context, settings_of
        from hackattic_core.client import http_client
        from hackattic_core.runner import SANDBOX_PUBLIC_HOST
        from hackattic_core.settings import NoSettings, challenge_settings

        settings: Settings = request.getfixturevalue("hackattic_settings")
        sandbox: SandboxHandle = request.getfixturevalue("hackattic_sandbox")
        name = challenge.name if challenge is not None else "test"
        settings_model = settings_of(challenge) if challenge is not None else NoSettings
        async with http_client(settings) as http:  # as in a run: bounded, never proxied
            values: dict[str, Any] = {
                "settings": settings,
                "http": http,
                "ws_base_url": settings.ws_base_url,
                "logger": logging.getLogger(f"hackattic.{name}"),
                "plugin_settings": challenge_settings(name, settings_model),
                "time_scale": sandbox.time_scale,
                "public_host": SANDBOX_PUBLIC_HOST,
            }
            context: Context[Any] = Context(**{**values, **fields})
            try:
                yield context
            finally:
                await context.resources.aclose()

    return open_context


@pytest.fixture
def hackattic_run(
    hackattic_registry: Registry, hackattic_settings: Settings
) -> Callable[..., RunResult]:
    """``hackattic_run(slug, **options)``: fetch, solve and submit against the sandbox.

    ``options`` are those of :func:`hackattic_core.runner.run_challenge` (``attempts``,
    ``dry_run``, ``playground``…). Call it from a sync test: it runs its own event loop.
    """

    def run(slug: str, **options: Any) -> RunResult:
        import asyncio

        from hackattic_core.runner import run_challenge

        challenge = hackattic_registry.get(slug)
        options.setdefault("sandbox", True)
        return asyncio.run(run_challenge(challenge, hackattic_settings, **options))

    return run


@pytest.fixture
def hackattic_cli_runner(tmp_path: Path) -> Iterator[CliRunner]:
    """The :class:`~hackattic_core.testing.CliRunner` behind ``hackattic_cli`` and
    ``hackattic_cli_start`` (one per test, so both can be used together); it kills every
    process still running when the test ends."""
    from hackattic_core.testing import CliRunner

    runner = CliRunner(tmp_path / "hackattic-cli")
    try:
        yield runner
    finally:
        runner.close()


@pytest.fixture
def hackattic_cli_start(hackattic_cli_runner: CliRunner) -> Callable[..., CliProcess]:
    """``hackattic_cli_start(*args, env={…}, files={…}, check=True)``: the real
    ``hackattic`` command started in a clean process of its own (see
    :mod:`hackattic_core.testing`); killed when the test ends if still running."""
    return hackattic_cli_runner.start


@pytest.fixture
def hackattic_cli(hackattic_cli_runner: CliRunner) -> Callable[..., CliResult]:
    """``hackattic_cli(*args, env={…}, files={…}, timeout=120, check=True)``: the real
    ``hackattic`` command run to its end in a clean process; a
    :class:`~hackattic_core.testing.CliResult` (``exit_code``, ``stdout``, ``stderr``,
    ``json``). ``check`` asserts what no run may do (a traceback, a leaked secret, bad
    ``--json``)."""
    return hackattic_cli_runner.run


@pytest.fixture
def hackattic_fake_service() -> Iterator[FakeService]:
    """hackattic.com played on loopback with a problem the test crafts:
    ``env = hackattic_fake_service.serve({"field": …})``, then
    ``hackattic_cli("run", SLUG, "--json", env=env)``; it records what was submitted
    (``submitted()``) and can hold the submit (``hold_submit.set()``)."""
    from hackattic_core.testing import fake_service

    with fake_service() as service:
        yield service


def pytest_configure(config: pytest.Config) -> None:
    """The ``timing`` marker, for every plugin's tests (see the README)."""
    config.addinivalue_line(
        "markers", "timing: bounds wall-clock time from above (deselect on a loaded machine)"
    )

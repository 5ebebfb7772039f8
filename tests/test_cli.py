"""The ``hackattic`` command through typer's CliRunner: help, list, run, exit codes, secrecy.

Seams: the registry comes from fake entry points (``hackattic_core.plugins.entry_points``)
pointing at ``tests.plugins.*``; the HTTP API is an ``httpx.MockTransport`` injected by
replacing ``hackattic_core.runner.HackatticClient`` (``run`` has no transport option).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from typer.testing import CliRunner

from hackattic_core import cli
from hackattic_core import plugins as plugins_module
from hackattic_core import runner as runner_module
from hackattic_core.challenge import Challenge, Problem, Solution
from hackattic_core.client import HackatticClient
from hackattic_core.errors import (
    EXIT_CONFIG,
    EXIT_PASSED,
    EXIT_REJECTED,
    EXIT_SERVICE,
    EXIT_SOLVER,
)
from hackattic_core.hookspecs import hookimpl
from hackattic_core.plugins import ENTRY_POINT_GROUP, load_registry
from hackattic_core.settings import Settings

TOKEN = "tok-SECRET-1234567890"
REPO_ROOT = Path(__file__).resolve().parent.parent
SLUG = "doubler"  # tests/plugins/good.py

PASSED = {"result": "you passed this challenge!"}
REJECTED = {"rejected": "wrong n2: got 42, expected 43"}
ALREADY = {"message": "you've already solved this", "hint": "add &playground=1"}


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No developer env or .env; logging as it was before ``configure_logging`` ran."""
    for name in list(os.environ):
        if name.upper().startswith("HACKATTIC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    noisy = {n: logging.getLogger(n).level for n in ("httpcore", "hpack", "websockets")}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in noisy.items():
            logging.getLogger(name).setLevel(old)


@pytest.fixture(autouse=True)
def fake_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed plugins, as far as the CLI can tell: a good one, a broken one and one
    that cannot even be imported."""
    monkeypatch.syspath_prepend(str(REPO_ROOT))
    points = [
        EntryPoint("good", "tests.plugins.good", ENTRY_POINT_GROUP),
        EntryPoint("broken", "tests.plugins.broken", ENTRY_POINT_GROUP),
        EntryPoint("ghost", "nonexistent_module_xyz:thing", ENTRY_POINT_GROUP),
    ]

    def entry_points(**kwargs: Any) -> list[EntryPoint]:
        assert kwargs == {"group": ENTRY_POINT_GROUP}
        return points

    monkeypatch.setattr(plugins_module, "entry_points", entry_points)


class FakeAPI:
    """hackattic as a MockTransport handler: problems for ``doubler``, a fixed answer."""

    def __init__(self) -> None:
        self.problem: dict[str, Any] = {"n": 21, "mode": "solve"}
        self.answer: dict[str, Any] = PASSED
        self.problem_status: list[int] = [200]
        self.solve_status: list[int] = [200]
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def count(self, method: str) -> int:
        return sum(1 for r in self.requests if r.method == method)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.url.params["access_token"] == TOKEN
        if request.method == "GET":
            code = self.problem_status[min(self.count("GET"), len(self.problem_status)) - 1]
            if code != 200:
                return httpx.Response(code, text=f"down, token {TOKEN}")
            return httpx.Response(200, json=self.problem)
        code = self.solve_status[min(self.count("POST"), len(self.solve_status)) - 1]
        if code != 200:
            return httpx.Response(code, text=f"solve is down for ?access_token={TOKEN}")
        return httpx.Response(200, json=self.answer)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    fake = FakeAPI()

    async def record_sleep(seconds: float) -> None:
        fake.sleeps.append(seconds)

    class MockedClient(HackatticClient):
        def __init__(self, settings: Settings, *, transport: Any = None, sleep: Any = None) -> None:
            assert transport is None  # the CLI passes none: the seam is this class
            super().__init__(settings, transport=httpx.MockTransport(fake), sleep=record_sleep)

    monkeypatch.setattr(runner_module, "HackatticClient", MockedClient)
    return fake


def invoke(*args: str, token: str | None = TOKEN, **env: str) -> Result:
    environment = {"COLUMNS": "250", **env}
    if token is not None:
        environment["HACKATTIC_ACCESS_TOKEN"] = token
    return CliRunner().invoke(cli.app, list(args), env=environment)


def assert_no_token(result: Result) -> None:
    assert TOKEN not in result.stdout
    assert TOKEN not in result.stderr
    assert TOKEN not in result.output


def one_json_object(text: str) -> dict[str, Any]:
    """``text`` is exactly one JSON object on one line."""
    assert text.endswith("\n")
    assert text.count("\n") == 1, text
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


# -- help ----------------------------------------------------------------------------------


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("list", "run", "sandbox", "new"):
        assert f"  {command}" in result.stdout


def test_run_help_lists_its_options() -> None:
    result = invoke("run", "--help")
    assert result.exit_code == 0
    for option in ("--playground", "--sandbox", "--dry-run", "--attempts", "--json", "-v"):
        assert option in result.stdout
    # Plain brackets, not rich markup escapes.
    assert "[default: 3; x>=1]" in result.stdout
    assert "[required]" in result.stdout
    assert "\\[" not in result.stdout


# -- list ----------------------------------------------------------------------------------


def test_list_shows_every_plugin_with_its_status() -> None:
    result = invoke("list", token=None)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    (doubler,) = [line for line in lines if line.startswith("doubler")]
    assert "Double a number (test plugin)" in doubler
    assert doubler.rstrip().endswith("ok")
    (broken,) = [line for line in lines if line.startswith("broken")]
    assert "error: RuntimeError: broken plugin exploded on purpose" in broken
    (ghost,) = [line for line in lines if line.startswith("ghost")]
    assert "ModuleNotFoundError" in ghost
    assert "nonexistent_module_xyz" in ghost


def test_list_json() -> None:
    result = invoke("list", "--json", token=None)
    assert result.exit_code == 0, result.output
    data = one_json_object(result.stdout)
    rows = {row["slug"]: row for row in data["challenges"]}
    assert set(rows) == {"doubler", "broken", "ghost"}
    assert rows["doubler"]["status"] == "ok"
    assert rows["doubler"]["plugin"] == "good"
    assert rows["doubler"]["title"] == "Double a number (test plugin)"
    assert rows["broken"]["status"].startswith("error: RuntimeError")
    assert rows["ghost"]["status"].startswith("error: ModuleNotFoundError")
    assert data["disabled"] == []


def test_list_honours_disable_plugins() -> None:
    result = invoke("list", "--json", token=None, HACKATTIC_DISABLE_PLUGINS="broken, ghost")
    assert result.exit_code == 0, result.output
    data = one_json_object(result.stdout)
    assert [row["slug"] for row in data["challenges"]] == ["doubler"]
    assert data["disabled"] == ["broken", "ghost"]
    text = invoke("list", token=None, HACKATTIC_DISABLE_PLUGINS="broken")
    assert "disabled: broken" in text.stdout


def test_list_with_a_bad_setting_is_a_one_line_error() -> None:
    result = invoke("list", HACKATTIC_BASE_URL="http://hackattic.com")
    assert result.exit_code == EXIT_CONFIG
    assert result.stdout == ""
    assert result.stderr.startswith("hackattic: error: invalid setting HACKATTIC_BASE_URL")
    assert result.stderr.count("\n") == 1


class RaisesWithBrackets:
    def __init__(self, message: str) -> None:
        self.message = message

    @hookimpl
    def hackattic_register_challenges(self) -> list[type[Challenge]]:
        raise RuntimeError(self.message)


class BracketTitle(Challenge):
    name = "bracket_title"
    title = "Unpack [bytes] quickly"
    problem_model = Problem
    solution_model = Solution


class ProvidesBracketTitle:
    @hookimpl
    def hackattic_register_challenges(self) -> list[type[Challenge]]:
        return [BracketTitle]


def registry_with(monkeypatch: pytest.MonkeyPatch, *plugins: tuple[str, object]) -> None:
    def fake_load_registry() -> Any:
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        return settings, load_registry(extra_plugins=plugins, use_entry_points=False)

    monkeypatch.setattr(cli, "_load_registry", fake_load_registry)


def test_list_shows_texts_with_brackets_verbatim(monkeypatch: pytest.MonkeyPatch) -> None:
    registry_with(
        monkeypatch,
        ("bracketed", RaisesWithBrackets("missing [section] in config")),
        ("titled", ProvidesBracketTitle()),
    )
    result = invoke("list")
    assert result.exit_code == 0
    assert "missing [section] in config" in result.stdout
    assert "Unpack [bytes] quickly" in result.stdout


def test_list_survives_markup_like_error_text(monkeypatch: pytest.MonkeyPatch) -> None:
    registry_with(monkeypatch, ("bracketed", RaisesWithBrackets("bad path [/] given")))
    result = invoke("list")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 0
    assert "bad path [/] given" in result.stdout


class LongTitle(Challenge):
    name = "a_rather_long_slug_indeed"
    title = "A title of seventy-two characters that will never fit on an 80-col line"
    problem_model = Problem
    solution_model = Solution


class ProvidesLongTitle:
    @hookimpl
    def hackattic_register_challenges(self) -> list[type[Challenge]]:
        return [LongTitle]


@pytest.mark.parametrize("columns", ["80", "60"])
def test_list_is_one_line_per_challenge_on_a_narrow_terminal(
    monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    registry_with(
        monkeypatch,
        ("long", ProvidesLongTitle()),
        ("titled", ProvidesBracketTitle()),
        ("bracketed", RaisesWithBrackets("a long error message " * 8)),
    )
    result = invoke("list", COLUMNS=columns)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3 + 1
    assert all(len(line) <= int(columns) for line in lines), lines
    assert lines[0].split() == ["slug", "title", "version", "status"]  # distribution dropped
    (long,) = [line for line in lines if line.startswith("a_rather_long_slug_indeed ")]
    assert "A title of" in long
    assert "…" in long
    # The shortened error is on stderr in full, the table unbroken.
    assert (
        result.stderr.strip()
        == "bracketed: error: RuntimeError: " + ("a long error message " * 8).strip()
    )


def test_list_keeps_the_distribution_column_when_everything_fits() -> None:
    result = invoke("list", token=None, COLUMNS="250")
    assert result.stdout.splitlines()[0].split() == [
        "slug", "title", "distribution", "version", "status"
    ]  # fmt: skip


def test_list_piped_is_one_line_per_challenge() -> None:
    """``COLUMNS=80 hackattic list | wc -l``: the challenges plus a header, as installed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HACKATTIC_")}
    command = [sys.executable, "-m", "hackattic_core.cli", "list"]

    def run(*args: str, **extra: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter
            [*command, *args], env={**env, **extra}, capture_output=True, text=True,
            timeout=60, check=True,
        )  # fmt: skip
        return done.stdout

    challenges = json.loads(run("--json"))["challenges"]
    for extra in ({"COLUMNS": "80"}, {}):  # a pipe without COLUMNS is 80 columns too
        table = run(**extra).splitlines()
        assert len(table) == len(challenges) + 1, table
        assert all(len(line) <= 80 for line in table)


# -- --version -----------------------------------------------------------------------------


def test_version_prints_the_core_version() -> None:
    from hackattic_core import __version__

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"hackattic {__version__}\n"


@pytest.mark.parametrize(
    "args", [["--version", "-v"], ["-v", "--version"], ["--verbose", "--version"]]
)
def test_version_verbose_lists_each_plugin_distribution(
    args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from importlib.metadata import version

    # A distribution installed as pip installs one, whose module does not even exist: the
    # plugins are listed by entry point, none imported.
    info = tmp_path / "site" / "hackattic_version_probe-0.7.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: hackattic-version-probe\nVersion: 0.7\n"
    )
    (info / "entry_points.txt").write_text("[hackattic]\nversion_probe = no_such_module_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))

    result = invoke(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"hackattic {version('hackattic')}"
    assert "hackattic-version-probe 0.7 (version_probe)" in lines[1:]


def test_version_verbose_without_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **kwargs: [])
    result = invoke("--version", "-v")
    assert result.stdout.splitlines()[1:] == ["no plugins installed"]


def test_verbose_before_a_command_is_a_one_line_error() -> None:
    result = invoke("-v", "list")
    assert result.exit_code == EXIT_CONFIG
    assert result.stderr.startswith(
        "hackattic: error: -v before a command goes only with --version"
    )
    assert result.stderr.count("\n") == 1


def test_version_is_listed_in_help() -> None:
    result = invoke("--help")
    assert "--version" in result.stdout


# -- run: configuration errors -------------------------------------------------------------


def test_run_an_unknown_slug(api: FakeAPI) -> None:
    result = invoke("run", "nope")
    assert result.exit_code == EXIT_CONFIG
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("hackattic: error: unknown challenge 'nope'")
    assert "doubler" in result.stderr
    assert api.requests == []


def test_run_a_broken_plugin_says_why(api: FakeAPI) -> None:
    result = invoke("run", "broken")
    assert result.exit_code == EXIT_CONFIG
    assert "unavailable" in result.stderr
    assert "broken plugin exploded on purpose" in result.stderr
    assert result.stderr.count("\n") == 1
    assert api.requests == []


def test_run_without_a_token(api: FakeAPI) -> None:
    result = invoke("run", SLUG, token=None)
    assert result.exit_code == EXIT_CONFIG
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("hackattic: error: ")
    assert "HACKATTIC_ACCESS_TOKEN" in result.stderr
    assert "--sandbox" in result.stderr
    assert api.requests == []


def test_run_without_a_token_from_env_file(api: FakeAPI, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"HACKATTIC_ACCESS_TOKEN={TOKEN}\n", encoding="utf-8")
    result = invoke("run", SLUG, token=None)
    assert result.exit_code == EXIT_PASSED, result.output
    assert api.count("POST") == 1


@pytest.mark.parametrize(
    ("args", "expected_error"),
    [
        (["run", SLUG], "HACKATTIC_ACCESS_TOKEN"),
        (["run", "nope"], "unknown challenge 'nope'"),
        (["run", SLUG, "-o", "rounds=3"], "--option needs --sandbox"),
    ],
)
def test_json_failures_print_exactly_one_object(
    api: FakeAPI, args: list[str], expected_error: str
) -> None:
    result = invoke(*args, "--json", token=None)
    assert result.exit_code == EXIT_CONFIG
    data = one_json_object(result.stdout)
    assert data["status"] == "failed"
    assert data["exit_code"] == EXIT_CONFIG
    assert expected_error in data["error"]
    assert data["slug"] == args[1]
    assert "error" not in result.stderr


@pytest.mark.parametrize(
    ("option", "shown"),
    [
        (["-o", "rounds=5"], "--option"),
        (["--option", "latency=exp:50"], "--option"),
        (["--seed", "1"], "--seed"),
        (["--time-scale", "0.5"], "--time-scale"),
        pytest.param(["--fault", "drop"], "--fault"),
    ],
)
def test_sandbox_options_need_sandbox(api: FakeAPI, option: list[str], shown: str) -> None:
    result = invoke("run", SLUG, *option)
    assert result.exit_code == EXIT_CONFIG
    assert f"{shown} needs --sandbox" in result.stderr
    assert result.stderr.count("\n") == 1
    assert api.requests == []


def test_attempts_must_be_positive(api: FakeAPI) -> None:
    result = invoke("run", SLUG, "--attempts", "0")
    assert result.exit_code == 2
    assert "--attempts" in result.stderr
    assert api.requests == []


def test_run_with_a_bad_setting(api: FakeAPI) -> None:
    result = invoke("run", SLUG, HACKATTIC_RETRY_ATTEMPTS="0")
    assert result.exit_code == EXIT_CONFIG
    assert "invalid setting HACKATTIC_RETRY_ATTEMPTS" in result.stderr
    assert api.requests == []


# -- run: full runs against the mocked API -------------------------------------------------


def test_run_passes(api: FakeAPI) -> None:
    result = invoke("run", SLUG)
    assert result.exit_code == EXIT_PASSED, result.output
    assert "passed doubler" in result.stdout
    assert PASSED["result"] in result.stdout
    assert api.count("GET") == 1
    assert api.count("POST") == 1
    assert json.loads(api.requests[-1].content) == {"n2": 42}
    assert_no_token(result)


def test_run_json_passes(api: FakeAPI) -> None:
    result = invoke("run", SLUG, "--json")
    assert result.exit_code == EXIT_PASSED, result.output
    data = one_json_object(result.stdout)
    assert data["status"] == "passed"
    assert data["exit_code"] == EXIT_PASSED
    assert data["solution"] == {"n2": 42}
    assert data["submitted"] is True


def test_run_playground(api: FakeAPI) -> None:
    result = invoke("run", SLUG, "--playground", "--json")
    assert result.exit_code == EXIT_PASSED, result.output
    assert one_json_object(result.stdout)["playground"] is True
    assert api.requests[-1].url.params["playground"] == "1"


def test_run_dry_run_prints_the_solution(api: FakeAPI) -> None:
    result = invoke("run", SLUG, "--dry-run")
    assert result.exit_code == EXIT_PASSED, result.output
    assert "dry run" in result.stdout
    assert '{"n2": 42}' in result.stdout
    assert api.count("POST") == 0


@pytest.mark.parametrize(
    ("answer", "status", "shown"),
    [
        (REJECTED, "rejected", REJECTED["rejected"]),
        (ALREADY, "already_solved", "--playground"),
    ],
)
def test_run_rejected_exits_1(
    api: FakeAPI, answer: dict[str, Any], status: str, shown: str
) -> None:
    api.answer = answer
    result = invoke("run", SLUG)
    assert result.exit_code == EXIT_REJECTED, result.output
    assert shown in result.stdout
    json_result = invoke("run", SLUG, "--json")
    assert json_result.exit_code == EXIT_REJECTED
    assert one_json_object(json_result.stdout)["status"] == status


def test_run_submit_failure_exits_3_and_shows_the_solution(api: FakeAPI) -> None:
    api.solve_status = [503]
    result = invoke("run", SLUG)
    assert result.exit_code == EXIT_SERVICE, result.output
    assert "503" in result.stdout
    assert "submit it by hand" in result.stdout
    assert '{"n2": 42}' in result.stdout
    assert api.count("POST") == 1
    assert_no_token(result)


def test_run_malformed_problem_exits_3(api: FakeAPI) -> None:
    api.problem = {"n": "twenty-one"}
    result = invoke("run", SLUG, "--json")
    assert result.exit_code == EXIT_SERVICE, result.output
    data = one_json_object(result.stdout)
    assert "field 'n'" in data["error"]
    assert api.count("POST") == 0


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("crash", "the solver failed: ZeroDivisionError"), ("lose", "no solution after 2")],
)
def test_run_solver_failures_exit_4(api: FakeAPI, mode: str, expected: str) -> None:
    api.problem = {"n": 21, "mode": mode}
    result = invoke("run", SLUG, "--attempts", "2", "--json")
    assert result.exit_code == EXIT_SOLVER, result.output
    data = one_json_object(result.stdout)
    assert expected in data["error"]
    assert data["exit_code"] == EXIT_SOLVER
    assert api.count("GET") == (2 if mode == "lose" else 1)
    assert api.count("POST") == 0


# -- the token never shows, even with -v / -vv ---------------------------------------------


@pytest.mark.parametrize(
    ("setup", "exit_code"),
    [
        ({}, EXIT_PASSED),
        ({"answer": REJECTED}, EXIT_REJECTED),
        ({"solve_status": [503]}, EXIT_SERVICE),
        ({"problem_status": [401]}, EXIT_SERVICE),
        ({"problem": {"n": 21, "mode": "crash"}}, EXIT_SOLVER),
        ({"problem": {"n": 21, "mode": "lose"}}, EXIT_SOLVER),
    ],
)
@pytest.mark.parametrize("verbosity", ["-v", "-vv"])
@pytest.mark.parametrize("as_json", [False, True])
def test_verbose_runs_never_show_the_token(
    api: FakeAPI, setup: dict[str, Any], exit_code: int, verbosity: str, as_json: bool
) -> None:
    for name, value in setup.items():
        setattr(api, name, value)
    # A retry first, so that a warning is logged too.
    if "problem_status" not in setup:
        api.problem_status = [503, 200]
    args = ["run", SLUG, verbosity, "--attempts", "2"] + (["--json"] if as_json else [])
    result = invoke(*args)
    assert result.exit_code == exit_code, result.output
    assert_no_token(result)
    # The logs did reach stderr, redacted: the check above is not vacuous.
    assert "HTTP Request: GET" in result.stderr
    assert "access_token=***" in result.stderr
    if "problem_status" not in setup:
        assert "retry 1/" in result.stderr
        assert len(api.sleeps) == 1
    if as_json:
        assert one_json_object(result.stdout)["exit_code"] == exit_code


def test_quiet_run_logs_no_warnings(api: FakeAPI) -> None:
    api.problem_status = [503, 200]
    result = invoke("run", SLUG, "-q")
    assert result.exit_code == EXIT_PASSED
    assert "retry" not in result.stderr
    assert "passed" in result.stdout

"""Plugins that misbehave are errors in ``hackattic list`` naming their distribution, and
every other plugin keeps working.

Item 8 of issue 14, and item 9's token in a plugin's error text. The misbehaving plugins
are real installs as far as ``importlib.metadata`` can tell (a dist-info on PYTHONPATH,
which comes before the environment's own site-packages, as an impostor would want); the
plugins that keep working are the test plugins every child has (``mirror`` and ``ticker``,
installed as ``hackattic-mirror`` and ``hackattic-ticker``: see ``conftest.py``).
"""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest

from .conftest import (
    TOKEN,
    CliRunner,
    HostileFactory,
    assert_harmless,
    fake_install,
    hostile_env,
)
from .hostile_server import Reply, Request, WebSocket

TICKER = "ticker"  # tests/plugins/ticker.py, installed as hackattic-ticker
HEADER = "import os, sys\nfrom hackattic_core import Challenge, Problem, Solution, hookimpl\n"
CHALLENGE = """
class Fake(Challenge):
    name = {name!r}
    title = {title}
    problem_model = {problem_model}
    solution_model = Solution
@hookimpl
def hackattic_register_challenges():
    {before_return}return [Fake]
"""


def plugin(
    name: str,
    *,
    title: str = "'A fake'",
    problem_model: str = "Problem",
    at_import: str = "",
    before_return: str = "",
) -> str:
    body = CHALLENGE.format(
        name=name, title=title, problem_model=problem_model, before_return=before_return
    )
    return HEADER + at_import + "\n" + textwrap.dedent(body)


# distribution → (entry-point name, module source)
MISBEHAVING: dict[str, tuple[str, str]] = {
    "hackattic-exit-on-import": (
        "exit_on_import",
        plugin("exit_on_import", at_import="sys.exit(3)"),
    ),
    "hackattic-exit-in-hook": (
        "exit_in_hook",
        plugin("exit_in_hook", before_return="sys.exit(0); "),
    ),
    "hackattic-title-not-text": ("title_not_text", plugin("title_not_text", title="42")),
    "hackattic-model-not-problem": (
        "model_not_problem",
        plugin("model_not_problem", problem_model="dict"),
    ),
    "hackattic-leaks-token": (
        "leaks_token",
        plugin(
            "leaks_token",
            at_import="raise RuntimeError('token ' + os.environ['HACKATTIC_ACCESS_TOKEN'] "
            "+ ' \\x1b[2J\\x1b]0;pwned\\x07')",
        ),
    ),
    "hackattic-impostor": (TICKER, plugin(TICKER, title="'the impostor'")),
}


@pytest.fixture
def site(tmp_path: Path) -> dict[str, str]:
    root = tmp_path / "site"
    root.mkdir()
    for distribution, (name, source) in MISBEHAVING.items():
        module = "hackattic_test_" + distribution.removeprefix("hackattic-").replace("-", "_")
        (root / f"{module}.py").write_text(source)
        fake_install(root, distribution, {name: module})
    return {"PYTHONPATH": str(root)}


def rows_by_distribution(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["distribution"]: row for row in data["challenges"]}


def test_list_shows_each_misbehaving_plugin_as_an_error_of_its_distribution(
    run_cli: CliRunner, site: dict[str, str]
) -> None:
    result = run_cli("list", "--json", env=site, token=TOKEN)

    assert result.exit_code == 0, result
    assert_harmless(result)
    rows = rows_by_distribution(result.json)
    expected = {
        "hackattic-exit-on-import": "hackattic-exit-on-import called sys.exit(3)",
        "hackattic-exit-in-hook": "hackattic-exit-in-hook called sys.exit(0)",
        "hackattic-title-not-text": "Fake.title must be a string, got int",
        "hackattic-model-not-problem": "Fake.problem_model must be a Problem subclass",
        "hackattic-leaks-token": "RuntimeError: token *** \\x1b[2J\\x1b]0;pwned\\x07",
        "hackattic-impostor": (
            "entry-point name 'ticker' belongs to hackattic-ticker; "
            "hackattic-impostor must register under a name of its own"
        ),
    }
    for distribution, error in expected.items():
        status = rows[distribution]["status"]
        assert status.startswith("error: "), (distribution, status)
        assert error in status, (distribution, status)
    # The well-behaved plugins, the real ticker included, are untouched.
    real = rows["hackattic-ticker"]
    assert (real["slug"], real["status"]) == (TICKER, "ok")
    assert real["title"].startswith("Answer each tick")
    assert rows["hackattic-mirror"]["status"] == "ok"


def test_list_for_a_person_masks_the_token_and_shows_no_control_sequence(
    run_cli: CliRunner, site: dict[str, str]
) -> None:
    result = run_cli("list", env=site, token=TOKEN)

    assert result.exit_code == 0, result  # check_run: the token is nowhere
    assert_harmless(result)
    assert "token ***" in result.stdout, result
    assert "hackattic-impostor" in result.stdout


@pytest.mark.parametrize("slug", ["title_not_text", "model_not_problem", "exit_in_hook"])
def test_run_refuses_a_misbehaving_plugin_with_one_line(
    run_cli: CliRunner, site: dict[str, str], slug: str
) -> None:
    env = {**site, "HACKATTIC_BASE_URL": "http://127.0.0.1:9"}
    result = run_cli("run", slug, env=env, token=TOKEN)

    assert result.exit_code == 2, result
    (line,) = result.stderr_lines()
    assert line.startswith(f"hackattic: error: challenge {slug!r} is unavailable"), result


def test_the_real_ticker_still_runs_beside_the_misbehaving_plugins(
    hostile: HostileFactory, run_cli: CliRunner, site: dict[str, str]
) -> None:
    server = hostile()
    server.route("GET", f"/challenges/{TICKER}/problem", Reply.json({"token": "t0k"}))
    server.route("POST", f"/challenges/{TICKER}/solve", Reply.json({"result": "passed"}))

    async def one_tick(socket: WebSocket, request: Request) -> None:
        await asyncio.sleep(0.7)
        await socket.send_text("tick 1")
        for _ in range(100):  # its answer, within a second
            if socket.received:
                break
            await asyncio.sleep(0.01)
        await socket.send_text("done a b c")

    server.websocket("/_/ticker/", one_tick)
    env = {**site, **hostile_env(server)}
    result = run_cli("run", TICKER, "--json", "--attempts", "1", env=env, token=TOKEN)

    assert result.exit_code == 0, result
    assert result.json["solution"] == {"secret": "a b c"}

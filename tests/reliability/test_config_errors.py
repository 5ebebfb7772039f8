"""Usage and configuration errors, and broken plugins: exit 2 with one line saying what to do.

Broken plugins are real installs as far as ``importlib.metadata`` can tell: a throwaway
directory on ``PYTHONPATH`` holding ``*.dist-info`` folders whose ``entry_points.txt``
registers entry points under the ``hackattic`` group. The working plugin beside them is the
test plugin ``mirror`` (``tests/plugins/mirror.py``, installed as ``hackattic-mirror``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from .conftest import TOKEN, CliResult, CliRunner, SandboxFactory, fake_install

SLUG = "mirror"


def one_line_error(result: CliResult) -> str:
    """The single line a configuration error prints on stderr (nothing else there)."""
    lines = result.stderr_lines()
    assert len(lines) == 1, result
    assert lines[0].startswith("hackattic: error: "), result
    assert result.stdout == "", result
    return lines[0]


# -- exit 2, one line ------------------------------------------------------------------------

LOOPBACK = "http://127.0.0.1:9"
"""A loopback base URL: accepted, never reached by these tests (they fail before)."""

CASES: dict[str, tuple[list[str], dict[str, str], list[str]]] = {
    # name: (arguments, environment, what the line must say)
    "unknown slug": (
        ["run", "no_such_challenge"],
        {"HACKATTIC_BASE_URL": LOOPBACK},
        ["unknown challenge 'no_such_challenge'", SLUG, "hackattic list"],
    ),
    "malformed base URL": (
        ["run", SLUG],
        {"HACKATTIC_BASE_URL": "hackattic.com/without/scheme"},
        ["HACKATTIC_BASE_URL", "malformed base URL", "https://hackattic.com"],
    ),
    "plain http, not loopback": (
        ["run", SLUG],
        {"HACKATTIC_BASE_URL": "http://hackattic.com"},
        ["HACKATTIC_BASE_URL", "plain http", "use https"],
    ),
    "no token": (
        ["run", SLUG],
        {"HACKATTIC_BASE_URL": LOOPBACK, "HACKATTIC_ACCESS_TOKEN": "  "},
        ["no access token", "set HACKATTIC_ACCESS_TOKEN"],
    ),
    "bad number": (
        ["run", SLUG],
        {"HACKATTIC_BASE_URL": LOOPBACK, "HACKATTIC_HTTP_TIMEOUT": "-1"},
        ["HACKATTIC_HTTP_TIMEOUT", "greater than 0"],
    ),
    "sandbox option without --sandbox": (
        ["run", SLUG, "-o", "rounds=3"],
        {"HACKATTIC_BASE_URL": LOOPBACK},
        ["--option needs --sandbox"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_configuration_error_exits_2_with_one_line(run_cli: CliRunner, case: str) -> None:
    args, env, expected = CASES[case]
    result = run_cli(*args, "-v", env={"HACKATTIC_ACCESS_TOKEN": TOKEN, **env})

    assert result.exit_code == 2, result
    line = one_line_error(result)
    for text in expected:
        assert text in line, result


@pytest.mark.parametrize("case", ["unknown slug", "malformed base URL", "no token"])
def test_configuration_error_with_json_is_one_object(run_cli: CliRunner, case: str) -> None:
    args, env, expected = CASES[case]
    result = run_cli(*args, "--json", env={"HACKATTIC_ACCESS_TOKEN": TOKEN, **env})

    assert result.exit_code == 2, result
    assert result.json["status"] == "failed"
    assert expected[0] in result.json["error"]


# -- broken plugins ------------------------------------------------------------------------


DUPLICATE_PLUGIN = textwrap.dedent(
    '''
    """A second plugin claiming mirror's slug."""
    from hackattic_core import hookimpl
    from hackattic_test_mirror import Mirror


    class Impostor(Mirror):
        title = "an impostor"


    @hookimpl
    def hackattic_register_challenges():
        return [Impostor]
    '''
)


@pytest.fixture
def fake_plugins(tmp_path: Path) -> dict[str, str]:
    """Environment adding two faked installs: one that fails to import, one duplicate."""
    root = tmp_path / "site"
    fake_install(root, "hackattic-fake-broken", {"fake_broken": "hackattic_fake_missing.plugin"})
    fake_install(root, "hackattic-fake-dup", {"fake_dup": "hackattic_fake_dup"})
    (root / "hackattic_fake_dup.py").write_text(DUPLICATE_PLUGIN)
    return {"PYTHONPATH": str(root)}


def by_slug(listing: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in listing["challenges"]:
        rows.setdefault(row["slug"], []).append(row)
    return rows


def test_list_shows_a_plugin_that_fails_to_import_and_a_duplicate_slug(
    run_cli: CliRunner, fake_plugins: dict[str, str]
) -> None:
    result = run_cli("list", "--json", env=fake_plugins)

    assert result.exit_code == 0, result
    rows = by_slug(result.json)
    (broken,) = rows["fake_broken"]
    assert broken["distribution"] == "hackattic-fake-broken"
    assert "ModuleNotFoundError" in broken["status"]
    assert "hackattic_fake_missing" in broken["status"]
    clashing = rows[SLUG]
    assert len(clashing) == 2, clashing
    for row in clashing:
        assert "provided by more than one plugin" in row["status"]
        assert "hackattic-fake-dup" in row["status"]
        assert "hackattic-mirror" in row["status"]

    human = run_cli("list", env=fake_plugins)
    assert human.exit_code == 0, human
    assert "fake_broken" in human.stdout
    assert "ModuleNotFoundError" in human.stdout


def test_run_of_a_duplicate_slug_exits_2_naming_both(
    run_cli: CliRunner, fake_plugins: dict[str, str]
) -> None:
    env = {**fake_plugins, "HACKATTIC_BASE_URL": LOOPBACK, "HACKATTIC_ACCESS_TOKEN": TOKEN}
    result = run_cli("run", SLUG, env=env)

    assert result.exit_code == 2, result
    line = one_line_error(result)
    assert "hackattic-fake-dup" in line
    assert "HACKATTIC_DISABLE_PLUGINS" in line


def test_run_of_the_broken_plugin_exits_2_with_its_error(
    run_cli: CliRunner, fake_plugins: dict[str, str]
) -> None:
    env = {**fake_plugins, "HACKATTIC_BASE_URL": LOOPBACK, "HACKATTIC_ACCESS_TOKEN": TOKEN}
    result = run_cli("run", "fake_broken", env=env)

    assert result.exit_code == 2, result
    line = one_line_error(result)
    assert "'fake_broken' is unavailable" in line
    assert "ModuleNotFoundError" in line


def test_the_others_keep_working_beside_a_broken_plugin(
    run_cli: CliRunner, fake_plugins: dict[str, str], sandbox: SandboxFactory
) -> None:
    env = {**fake_plugins, "HACKATTIC_DISABLE_PLUGINS": "fake_dup"}
    listing = run_cli("list", "--json", env=env)
    rows = by_slug(listing.json)
    assert [row["status"] for row in rows[SLUG]] == ["ok"]
    assert "ModuleNotFoundError" in rows["fake_broken"][0]["status"]
    assert "fake_dup" in listing.json["disabled"]

    result = run_cli("run", SLUG, "--json", sandbox=sandbox(), env=env)
    assert result.exit_code == 0, result
    assert result.json["status"] == "passed"


def test_disabling_by_distribution_name(run_cli: CliRunner, fake_plugins: dict[str, str]) -> None:
    env = {**fake_plugins, "HACKATTIC_DISABLE_PLUGINS": "hackattic-fake-dup, fake_broken"}
    listing = run_cli("list", "--json", env=env)

    rows = by_slug(listing.json)
    assert "fake_broken" not in rows
    assert [row["status"] for row in rows[SLUG]] == ["ok"]

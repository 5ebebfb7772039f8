"""A plugin written against the public API only (``tests/plugins/tally.py``), installed as
a distribution for the children of these tests (see ``conftest.py``), runs end to end
through the real CLI: its own conditions and fault, an async check, and an emulation that
starts and stops a server of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import CliRunner, fake_install


@pytest.fixture
def site() -> dict[str, str]:
    """Nothing to add: every child has ``tally`` installed (``test_site``)."""
    return {}


def test_it_is_listed_with_its_options_and_fault(run_cli: CliRunner, site: dict[str, str]) -> None:
    result = run_cli("list", "--json", env=site)
    assert result.exit_code == 0, result
    rows = {row["slug"]: row for row in result.json["challenges"]}
    assert rows["tally"]["status"] == "ok"
    assert rows["tally"]["distribution"] == "hackattic-tally"
    sandbox = rows["tally"]["sandbox"]
    assert sandbox["options"]["count"]["default"] == 5
    assert sandbox["options"]["offset"]["description"] == "Added to every number."
    assert sandbox["faults"] == {"short_download": "downloads lose their last number"}


def test_it_passes_with_its_own_conditions(run_cli: CliRunner, site: dict[str, str]) -> None:
    result = run_cli(
        "run", "tally", "--sandbox", "-o", "count=50", "-o", "offset=-7", "--json", env=site
    )
    assert result.exit_code == 0, result
    assert result.json["status"] == "passed"


def test_its_own_fault_reaches_it(run_cli: CliRunner, site: dict[str, str]) -> None:
    result = run_cli("run", "tally", "--sandbox", "--fault", "short_download", "--json", env=site)
    assert result.exit_code == 1, result
    assert "wrong total" in result.json["message"]


def test_a_bad_option_names_the_challenge_and_its_options(
    run_cli: CliRunner, site: dict[str, str]
) -> None:
    for option, expected in (("colour=red", "no sandbox option 'colour'"), ("count=0", "count")):
        result = run_cli("run", "tally", "--sandbox", "-o", option, env=site)
        assert result.exit_code == 2, result
        lines = result.stderr_lines()
        assert len(lines) == 1, result
        assert "tally" in lines[0]
        assert expected in lines[0]
        assert "count, offset" in lines[0]


def test_another_plugins_broken_emulation_does_not_touch_this_run(
    run_cli: CliRunner, site: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "site").mkdir()
    broken = tmp_path / "site" / "hackattic_test_broken.py"
    broken.write_text(
        "from hackattic_core import Challenge, Problem, Solution, hookimpl\n"
        "class Broken(Challenge):\n"
        "    name = 'broken'\n    title = 'Broken'\n"
        "    problem_model = Problem\n    solution_model = Solution\n"
        "    @classmethod\n    def emulation(cls):\n        raise KeyError('no emulation here')\n"
        "@hookimpl\ndef hackattic_register_challenges():\n    return [Broken]\n"
    )
    fake_install(tmp_path / "site", "hackattic-test-broken", {"broken": "hackattic_test_broken"})
    env = {**site, "PYTHONPATH": str(tmp_path / "site")}
    listing = run_cli("list", "--json", env=env)
    rows = {row["slug"]: row for row in listing.json["challenges"]}
    assert "broken" in rows  # installed beside tally (its emulation is what is broken)
    result = run_cli("run", "tally", "--sandbox", "--json", env=env)
    assert result.exit_code == 0, result
    assert result.json["status"] == "passed"

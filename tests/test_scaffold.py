"""``hackattic new``: what it refuses, what it writes, and that what it writes works."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

from hackattic_core.cli import app
from hackattic_core.errors import ConfigError
from hackattic_core.plugins import ENTRY_POINT_GROUP, Registry, load_registry
from hackattic_core.runner import RunResult
from hackattic_core.scaffold import TEMPLATE_FILES, class_prefix, create_plugin

SLUG = "scaffold_probe"
PACKAGE = f"hackattic_{SLUG}"
EXPECTED_FILES = {
    "pyproject.toml",
    "README.md",
    f"{PACKAGE}/__init__.py",
    f"{PACKAGE}/py.typed",
    f"{PACKAGE}/plugin.py",
    f"{PACKAGE}/challenge.py",
    f"{PACKAGE}/emulation.py",
    f"tests/test_{SLUG}.py",
}


def generated_files(directory: Path) -> set[str]:
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


def read_pyproject(directory: Path) -> dict[str, Any]:
    return tomllib.loads((directory / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture
def import_generated(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], ModuleType]]:
    """Imports a generated plugin's entry-point module; forgets the package afterwards."""
    packages: list[str] = []

    def import_plugin(directory: Path) -> ModuleType:
        entry_point = read_pyproject(directory)["project"]["entry-points"][ENTRY_POINT_GROUP]
        module_name = next(iter(entry_point.values()))
        monkeypatch.syspath_prepend(str(directory))
        packages.append(module_name.split(".")[0])
        return importlib.import_module(module_name)

    yield import_plugin
    for name in list(sys.modules):
        if name.split(".")[0] in packages:
            del sys.modules[name]


# Refusals


@pytest.mark.parametrize(
    "slug",
    ["Help_me", "help-me-unpack", "", "help me", "../escape", "unpack/x", "ünpack", "unpack\n"],
)
def test_refuses_a_slug_that_is_not_a_slug(tmp_path: Path, slug: str) -> None:
    with pytest.raises(ConfigError, match=r"invalid slug .*lowercase letters, digits"):
        create_plugin(slug, tmp_path / "plugin")
    assert list(tmp_path.iterdir()) == []


def test_refuses_an_existing_directory_and_leaves_it_alone(tmp_path: Path) -> None:
    directory = tmp_path / SLUG
    directory.mkdir()
    (directory / "mine.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="exists already: choose another slug or directory"):
        create_plugin(SLUG, directory)
    assert generated_files(directory) == {"mine.txt"}


@pytest.mark.parametrize("title", ["", "   ", "two\nlines", "x" * 73])
def test_refuses_a_title_that_is_not_one_short_line(tmp_path: Path, title: str) -> None:
    with pytest.raises(ConfigError, match="invalid title"):
        create_plugin(SLUG, tmp_path / SLUG, title=title)
    assert not (tmp_path / SLUG).exists()


def test_the_default_directory_is_plugins_slug_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="no plugins/ directory here"):
        create_plugin(SLUG)
    (tmp_path / "plugins").mkdir()
    assert create_plugin(SLUG) == Path("plugins", SLUG)
    assert generated_files(tmp_path / "plugins" / SLUG) == EXPECTED_FILES


# What is generated


def test_every_template_is_shipped() -> None:
    from importlib.resources import files

    templates = files("hackattic_core").joinpath("templates", "plugin")
    for source in TEMPLATE_FILES:
        assert templates.joinpath(f"{source}.tmpl").is_file(), source


@pytest.mark.parametrize(
    ("slug", "prefix"),
    [("help_me_unpack", "HelpMeUnpack"), ("x9", "X9"), ("1st_try", "Challenge1stTry")],
)
def test_class_names_are_identifiers(slug: str, prefix: str) -> None:
    assert class_prefix(slug) == prefix
    assert f"{prefix}Challenge".isidentifier()


def test_generates_a_plugin_distribution(tmp_path: Path) -> None:
    directory = create_plugin(SLUG, tmp_path / SLUG)
    assert directory == tmp_path / SLUG
    assert generated_files(directory) == EXPECTED_FILES
    for path in directory.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")

    pyproject = read_pyproject(directory)
    project = pyproject["project"]
    assert project["name"] == "hackattic-scaffold-probe"
    assert project["dependencies"] == ["hackattic"]
    assert project["entry-points"][ENTRY_POINT_GROUP] == {SLUG: f"{PACKAGE}.plugin"}
    assert pyproject["tool"]["uv"]["sources"] == {"hackattic": {"workspace": True}}
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [PACKAGE]

    readme = (directory / "README.md").read_text(encoding="utf-8")
    assert "REPLACE" in readme
    assert f"hackattic run {SLUG} --sandbox" in readme
    for module in ("challenge.py", "emulation.py"):
        assert "REPLACE" in (directory / PACKAGE / module).read_text(encoding="utf-8")


def test_a_title_with_quotes_survives_toml_and_python(
    tmp_path: Path, import_generated: Callable[[Path], ModuleType]
) -> None:
    title = 'Say "hi" \\ to the façade'
    directory = create_plugin(SLUG, tmp_path / SLUG, title=title)
    assert read_pyproject(directory)["project"]["description"] == f"hackattic plugin: {title}"
    import_generated(directory)
    challenge = importlib.import_module(f"{PACKAGE}.challenge")
    assert challenge.ScaffoldProbeChallenge.title == title


def test_the_generated_plugin_loads_and_its_stubs_agree(
    tmp_path: Path, import_generated: Callable[[Path], ModuleType]
) -> None:
    plugin = import_generated(create_plugin(SLUG, tmp_path / SLUG))
    registry = load_registry(extra_plugins=[(SLUG, plugin)], use_entry_points=False)
    challenge = registry.get(SLUG)
    assert challenge.title == "Scaffold probe"
    emulation = challenge.emulation()
    assert emulation is not None
    assert emulation.slug == SLUG


class TestTheGeneratedPluginInTheSandbox:
    """The generated stub runs end to end in-process, through the pytest plugin's fixtures."""

    @pytest.fixture
    def hackattic_registry(
        self, tmp_path: Path, import_generated: Callable[[Path], ModuleType]
    ) -> Registry:
        plugin = import_generated(create_plugin(SLUG, tmp_path / SLUG))
        return load_registry(extra_plugins=[(SLUG, plugin)], use_entry_points=False)

    def test_passes(self, hackattic_run: Callable[..., RunResult]) -> None:
        result = hackattic_run(SLUG)
        assert result.passed, result.error or result.message
        assert result.sandbox


# The newcomer's path, in a fresh interpreter


def fake_install(directory: Path, site: Path) -> None:
    """What installing the plugin makes visible to entry points: its dist-info.

    Building and installing for real would need the network or pollute this venv; the
    package itself is found through PYTHONPATH.
    """
    project = read_pyproject(directory)["project"]
    dist_info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = [f"[{ENTRY_POINT_GROUP}]"]
    lines += [f"{k} = {v}" for k, v in project["entry-points"][ENTRY_POINT_GROUP].items()]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n")


def test_a_new_plugin_passes_its_own_tests_and_runs_in_the_sandbox(tmp_path: Path) -> None:
    (tmp_path / "plugins").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HACKATTIC_")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    created = run("-m", "hackattic_core.cli", "new", SLUG)
    assert created.returncode == 0, created.stderr
    directory = tmp_path / "plugins" / SLUG
    fake_install(directory, tmp_path / "site")
    env["PYTHONPATH"] = os.pathsep.join([str(directory), str(tmp_path / "site")])

    listed = run("-m", "hackattic_core.cli", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert f'"slug": "{SLUG}"' in listed.stdout

    tested = run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(directory))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "3 passed" in tested.stdout

    ran = run("-m", "hackattic_core.cli", "run", SLUG, "--sandbox")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "passed" in ran.stdout


# The command


def test_the_new_command_creates_the_plugin(tmp_path: Path) -> None:
    directory = tmp_path / SLUG
    result = CliRunner().invoke(
        app, ["new", SLUG, "--directory", str(directory), "--title", "A probe"]
    )
    assert result.exit_code == 0, result.output
    assert f"created {directory}" in result.output
    assert "make lock install" in result.output
    assert f"pytest {directory}" in result.output
    assert generated_files(directory) == EXPECTED_FILES
    assert '"A probe"' in (directory / PACKAGE / "challenge.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("slug", ["Bad-Slug", "x/y"])
def test_the_new_command_refuses_a_bad_slug(tmp_path: Path, slug: str) -> None:
    result = CliRunner().invoke(app, ["new", slug, "--directory", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "invalid slug" in result.output
    assert not (tmp_path / "p").exists()


def test_the_new_command_refuses_an_existing_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["new", SLUG, "--directory", str(tmp_path)])
    assert result.exit_code == 2
    assert "exists already" in result.output

"""``hackattic new``: what it refuses, what it writes, and that what it writes works."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import sysconfig
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
from hackattic_core.scaffold import (
    README_TEMPLATES,
    TEMPLATE_FILES,
    class_prefix,
    create_plugin,
    default_directory,
    find_repository,
    layout_for,
)

SLUG = "scaffold_probe"
PACKAGE = f"hackattic_{SLUG}"
DISTRIBUTION = "hackattic-scaffold-probe"
REPO_ROOT = Path(__file__).resolve().parent.parent
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
    [
        *("Help_me", "help-me-unpack", "", "help me", "../escape", "unpack/x", "ünpack"),
        *("unpack\n", "_", "a__b", "9lives", "trailing_"),  # not a package or distribution name
    ],
)
def test_refuses_a_slug_that_is_not_a_slug(tmp_path: Path, slug: str) -> None:
    with pytest.raises(
        ConfigError, match=r"invalid slug .*a lowercase letter, then letters, digits"
    ):
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


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A stand-in for this repository's root: the hackattic project, a uv workspace."""
    root = tmp_path / "checkout"
    (root / "plugins").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "hackattic"\nversion = "0.1.0"\n\n'
        '[tool.uv.workspace]\nmembers = ["plugins/*"]\n'
    )
    return root


def test_this_repository_is_a_checkout() -> None:
    assert find_repository(REPO_ROOT / "hackattic_core") == REPO_ROOT
    assert layout_for(REPO_ROOT / "plugins" / SLUG) == "workspace"
    assert layout_for(REPO_ROOT / SLUG) == "standalone"


def test_outside_a_checkout_the_default_is_a_standalone_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A plugins/ directory or a workspace of someone else's does not make a checkout.
    (tmp_path / "plugins").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "mine"\n[tool.uv.workspace]\n')
    monkeypatch.chdir(tmp_path)
    assert find_repository(tmp_path) is None
    assert default_directory(SLUG) == Path(DISTRIBUTION)
    assert create_plugin(SLUG) == Path(DISTRIBUTION)
    assert generated_files(tmp_path / DISTRIBUTION) == EXPECTED_FILES
    assert layout_for(Path(DISTRIBUTION)) == "standalone"


def test_at_the_root_of_a_checkout_the_default_is_plugins_slug(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(checkout)
    assert create_plugin(SLUG) == Path("plugins", SLUG)
    assert generated_files(checkout / "plugins" / SLUG) == EXPECTED_FILES
    assert layout_for(Path("plugins", SLUG)) == "workspace"


def test_elsewhere_in_a_checkout_there_is_no_default(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (checkout / "docs").mkdir()
    monkeypatch.chdir(checkout / "docs")
    with pytest.raises(ConfigError, match=r"inside the hackattic repository .*--directory"):
        create_plugin(SLUG)
    assert list((checkout / "docs").iterdir()) == []


# What is generated


def test_every_template_is_shipped() -> None:
    from importlib.resources import files

    templates = files("hackattic_core").joinpath("templates", "plugin")
    for source in [*TEMPLATE_FILES, *README_TEMPLATES.values()]:
        assert templates.joinpath(f"{source}.tmpl").is_file(), source


@pytest.mark.parametrize(
    ("slug", "prefix"),
    [("my_slug_here", "MySlugHere"), ("x9", "X9"), ("1st_try", "Challenge1stTry")],
)
def test_class_names_are_identifiers(slug: str, prefix: str) -> None:
    assert class_prefix(slug) == prefix
    assert f"{prefix}Challenge".isidentifier()


def test_generates_a_standalone_plugin_distribution(tmp_path: Path) -> None:
    directory = create_plugin(SLUG, tmp_path / SLUG)
    assert directory == tmp_path / SLUG
    assert generated_files(directory) == EXPECTED_FILES
    for path in directory.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")

    pyproject = read_pyproject(directory)
    project = pyproject["project"]
    assert project["name"] == DISTRIBUTION
    assert project["dependencies"] == ["hackattic"]
    assert project["readme"] == "README.md"
    assert project["entry-points"][ENTRY_POINT_GROUP] == {SLUG: f"{PACKAGE}.plugin"}
    # No workspace settings: hackattic is whatever is installed (or PyPI's).
    assert "uv" not in pyproject["tool"]
    assert pyproject["dependency-groups"] == {"dev": ["pytest>=8"]}
    assert pyproject["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [PACKAGE]

    readme = (directory / "README.md").read_text(encoding="utf-8")
    assert "REPLACE" in readme
    assert "pip install -e . pytest" in readme
    assert "\npytest " in readme
    assert f"hackattic run {SLUG} --sandbox" in readme
    assert ".venv/bin/hackattic" not in readme
    assert "plugins/" not in readme
    for module in ("challenge.py", "emulation.py"):
        assert "REPLACE" in (directory / PACKAGE / module).read_text(encoding="utf-8")


def test_generates_a_workspace_member_in_a_checkout(checkout: Path) -> None:
    directory = create_plugin(SLUG, checkout / "plugins" / SLUG)
    pyproject = read_pyproject(directory)
    assert pyproject["tool"]["uv"]["sources"] == {"hackattic": {"workspace": True}}
    assert "dependency-groups" not in pyproject
    assert "pytest" not in pyproject["tool"]  # the workspace's own pytest settings apply
    readme = (directory / "README.md").read_text(encoding="utf-8")
    assert f".venv/bin/pytest plugins/{SLUG}" in readme
    assert f"hackattic run {SLUG} --sandbox" in readme


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
    assert emulation.__name__ == "ScaffoldProbeEmulation"


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


# The newcomer's path: a project of their own, installed editable


def test_a_standalone_plugin_passes_its_tests_after_an_editable_install(tmp_path: Path) -> None:
    """``hackattic new`` in an empty directory, then ``pip install -e .`` and ``pytest``.

    The venv is fresh but sees this .venv's packages (the installed hackattic, pytest)
    through a .pth file, so that only the new project is installed: for real, editable,
    and gone with tmp_path. pytest-asyncio is switched off: the tests must not need it.
    """
    from uv import find_uv_bin

    uv = find_uv_bin()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HACKATTIC_", "PYTHON", "VIRTUAL_ENV", "UV_PROJECT"))
    }

    def run(*args: str | Path, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own interpreter, uv and arguments
            [str(a) for a in args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    venv = tmp_path / "venv"
    assert run(uv, "venv", "--quiet", "--python", sys.executable, venv).returncode == 0
    python = venv / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    ours = sysconfig.get_paths()["purelib"]
    (Path(site.stdout.strip()) / "_hackattic_dev.pth").write_text(
        f"import site; site.addsitedir({ours!r})\n"
    )

    projects = tmp_path / "projects"
    projects.mkdir()
    created = run(python, "-m", "hackattic_core.cli", "new", "demo_x", cwd=projects)
    assert created.returncode == 0, created.stderr
    assert "pip install -e . pytest" in created.stdout
    project = projects / "hackattic-demo-x"
    assert "uv" not in read_pyproject(project).get("tool", {})

    installed = run(uv, "pip", "install", "--quiet", "--python", python, "--no-deps", "-e", project)
    assert installed.returncode == 0, installed.stderr

    tested = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio",
                 cwd=project)  # fmt: skip
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "5 passed" in tested.stdout

    listed = run(python, "-m", "hackattic_core.cli", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["slug"]: row for row in json.loads(listed.stdout)["challenges"]}
    assert rows["demo_x"]["status"] == "ok"
    assert rows["demo_x"]["distribution"] == "hackattic-demo-x"

    ran = run(python, "-m", "hackattic_core.cli", "run", "demo_x", "--sandbox")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "passed" in ran.stdout


# The command


def test_the_new_command_creates_a_standalone_plugin(tmp_path: Path) -> None:
    directory = tmp_path / SLUG
    result = CliRunner().invoke(
        app, ["new", SLUG, "--directory", str(directory), "--title", "A probe"]
    )
    assert result.exit_code == 0, result.output
    assert f"created {directory}" in result.output
    assert f"cd {directory}" in result.output
    assert "pip install -e . pytest" in result.output
    assert "make lock install" not in result.output
    assert generated_files(directory) == EXPECTED_FILES
    assert '"A probe"' in (directory / PACKAGE / "challenge.py").read_text(encoding="utf-8")


def test_the_new_command_in_a_checkout_creates_a_workspace_member(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(checkout)
    result = CliRunner().invoke(app, ["new", SLUG])
    assert result.exit_code == 0, result.output
    assert f"created {Path('plugins', SLUG)}" in result.output
    assert "make lock install" in result.output
    assert f".venv/bin/pytest {Path('plugins', SLUG)}" in result.output


def test_the_new_command_elsewhere_in_a_checkout_is_a_one_line_error(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(checkout / "plugins")
    result = CliRunner().invoke(app, ["new", SLUG])
    assert result.exit_code == 2
    assert result.stderr.startswith("hackattic: error: this is inside the hackattic repository")
    assert result.stderr.count("\n") == 1


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

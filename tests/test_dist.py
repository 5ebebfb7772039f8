"""What ``make dist`` builds and what ``make install-check`` relies on.

The install check itself (the wheels run from a fresh venv) is ``make install-check``, part
of ``make test``; these are the quick checks of its parts.
"""

from __future__ import annotations

import subprocess
import tarfile
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import hackattic_core
from hackattic_core.plugins import load_registry
from hackattic_core.sandbox.build import describe_emulation
from hackattic_core.scaffold import README_TEMPLATES, TEMPLATE_FILES
from scripts import install_check

ROOT = Path(__file__).resolve().parent.parent


def test_one_version_everywhere() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert hackattic_core.__version__ == pyproject["project"]["version"] == version("hackattic")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The core's sdist, and its wheel built from that sdist (as ``make dist`` does)."""
    from uv import find_uv_bin

    out = tmp_path_factory.mktemp("dist")
    subprocess.run(  # noqa: S603 - uv with our own arguments
        [find_uv_bin(), "build", "--package", "hackattic", "--out-dir", str(out), "--quiet"],
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    return out


def test_the_core_wheel_ships_every_template_and_module(built: Path) -> None:
    (wheel,) = built.glob("hackattic-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for source in [*TEMPLATE_FILES, *README_TEMPLATES.values()]:
        assert f"hackattic_core/templates/plugin/{source}.tmpl" in names
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "hackattic_core").rglob("*.py")}
    assert modules <= names
    assert "hackattic_core/py.typed" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "hackattic = hackattic_core.cli:main" in text
    assert "hackattic = hackattic_core.pytest_plugin" in text


def test_the_core_sdist_is_the_core_alone(built: Path) -> None:
    (sdist,) = built.glob("hackattic-*.tar.gz")
    with tarfile.open(sdist) as archive:
        tops = {name.split("/")[1] for name in archive.getnames() if name.count("/")}
    assert tops <= {"hackattic_core", "README.md", "pyproject.toml", "PKG-INFO", ".gitignore"}
    assert "hackattic_core" in tops


def test_the_check_expects_the_core_and_every_plugin() -> None:
    expected = install_check.workspace_distributions()
    plugins = sorted(
        p.name for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").is_file()
    )
    assert expected[0] == install_check.Distribution("hackattic", hackattic_core.__version__)
    assert len(expected) == 1 + len(plugins)
    assert expected[1].stem.startswith("hackattic_")


def test_the_check_fails_on_a_missing_file(tmp_path: Path) -> None:
    expected = [install_check.Distribution("hackattic-x", "1.0")]
    (tmp_path / "hackattic_x-1.0-py3-none-any.whl").touch()
    with pytest.raises(install_check.CheckFailed, match=r"hackattic_x-1\.0\.tar\.gz is missing"):
        install_check.check_dist(tmp_path, expected)
    (tmp_path / "hackattic_x-1.0.tar.gz").touch()
    assert install_check.check_dist(tmp_path, expected) == [
        tmp_path / "hackattic_x-1.0-py3-none-any.whl"
    ]


def test_the_quick_sandbox_options_are_still_declared() -> None:
    """A renamed option would be skipped silently, and the check would turn slow."""
    registry = load_registry()
    for slug, options in install_check.FAST_OPTIONS.items():
        challenge = registry.challenges.get(slug)
        if challenge is None:
            continue  # not installed here
        declared = (describe_emulation(challenge) or {}).get("options", {})
        assert set(options) <= set(declared), (slug, sorted(declared))
        arguments = install_check.sandbox_arguments(
            {"slug": slug, "sandbox": {"options": declared}}
        )
        assert arguments[:2] == ["--seed", install_check.SEED]
        assert all(f"{key}={value}" in arguments for key, value in options.items())

"""``hackattic new``: a new challenge plugin, generated from ``templates/plugin/``.

The plugin is a distribution of its own (import package ``hackattic_<slug>``) with a stub
challenge, a stub sandbox emulation and a test, consistent with each other so that the
test passes as generated; its README says what to replace. It comes in two layouts:

- ``workspace``: inside this repository, ``plugins/<slug>/``, a member of its uv workspace
  (``hackattic`` comes from the workspace);
- ``standalone``: anywhere else, ``./hackattic-<slug>/``, a project of its own that depends
  on the installed ``hackattic`` and is installed editable next to it.

Templates are :class:`string.Template` files (``$name`` placeholders, so the Python in them
needs no brace escaping) with a ``.tmpl`` suffix that keeps linters and pytest off them.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Literal

from hackattic_core.errors import ConfigError
from hackattic_core.plugins import SLUG_PATTERN

TITLE_MAX_LENGTH = 72
SLUG_MAX_LENGTH = 64
NEW_SLUG_PATTERN = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
"""hackattic's slugs are short; a long one would make file names the system refuses."""

Layout = Literal["workspace", "standalone"]

# Template (under templates/plugin/, without ".tmpl") → the generated file (a Template).
TEMPLATE_FILES = {
    "pyproject.toml": "pyproject.toml",
    "package/__init__.py": "$package/__init__.py",
    "package/py.typed": "$package/py.typed",
    "package/plugin.py": "$package/plugin.py",
    "package/challenge.py": "$package/challenge.py",
    "package/emulation.py": "$package/emulation.py",
    "tests/test_plugin.py": "tests/test_$slug.py",
}
# The README says how to install and test, which is not the same in both layouts.
README_TEMPLATES: dict[Layout, str] = {
    "workspace": "README.md",
    "standalone": "README.standalone.md",
}

# What each layout adds to pyproject.toml ($layout_toml).
_LAYOUT_TOML: dict[Layout, str] = {
    "workspace": """
[tool.uv.sources]
hackattic = { workspace = true }
""",
    "standalone": """
[dependency-groups]
dev = ["pytest>=8"]

[tool.pytest.ini_options]
testpaths = ["tests"]
""",
}


def class_prefix(slug: str) -> str:
    """``my_challenge`` → ``MyChallenge``: the prefix of the generated class names."""
    prefix = "".join(part[:1].upper() + part[1:] for part in slug.split("_"))
    return prefix if prefix[:1].isalpha() else f"Challenge{prefix}"


def distribution_name(slug: str) -> str:
    """``my_challenge`` → ``hackattic-my-challenge``: the plugin's distribution."""
    return f"hackattic-{slug.replace('_', '-')}"


def _is_repository_root(directory: Path) -> bool:
    """This repository's root: the ``hackattic`` project, a uv workspace with ``plugins/``."""
    try:
        data = tomllib.loads((directory / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    project, tool = data.get("project"), data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    return (
        isinstance(project, dict)
        and project.get("name") == "hackattic"
        and isinstance(uv, dict)
        and "workspace" in uv
        and (directory / "plugins").is_dir()
    )


def find_repository(start: Path) -> Path | None:
    """The root of the hackattic checkout that holds ``start``, or None outside one."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if _is_repository_root(directory):
            return directory
    return None


def layout_for(directory: Path) -> Layout:
    """``workspace`` for a directory right under a hackattic checkout's ``plugins/``."""
    parent = directory.resolve().parent
    root = find_repository(parent)
    return "workspace" if root is not None and parent == root / "plugins" else "standalone"


def default_directory(slug: str, cwd: Path | None = None) -> Path:
    """``plugins/<slug>`` at this repository's root, ``hackattic-<slug>`` outside it.

    Raises :class:`ConfigError` elsewhere inside the repository, where neither is right.
    """
    cwd = cwd or Path.cwd()
    root = find_repository(cwd)
    if root is None:
        return Path(distribution_name(slug))
    if root == cwd.resolve():
        return Path("plugins") / slug
    raise ConfigError(
        f"this is inside the hackattic repository ({root}): run hackattic new from its root "
        f"to write plugins/{slug}, or give the directory (hackattic new --directory)"
    )


def _placeholders(slug: str, title: str, layout: Layout) -> dict[str, str]:
    # json.dumps gives a double-quoted literal that is valid Python and valid TOML alike.
    return {
        "slug": slug,
        "upper": slug.upper(),
        "package": f"hackattic_{slug}",
        "distribution": distribution_name(slug),
        "classes": class_prefix(slug),
        "title": title,
        "title_python": json.dumps(title, ensure_ascii=False),
        "description_toml": json.dumps(f"hackattic plugin: {title}", ensure_ascii=False),
        "layout_toml": _LAYOUT_TOML[layout],
    }


def _check_names(slug: str, title: str) -> None:
    if len(slug) > SLUG_MAX_LENGTH:
        raise ConfigError(
            f"invalid slug: {len(slug)} characters, at most {SLUG_MAX_LENGTH} "
            "(use the challenge's slug from its hackattic.com address, e.g. my_challenge)"
        )
    # Stricter than what the core accepts: the slug also names a Python package and a
    # distribution (hackattic-my-challenge), which must start with a letter.
    if not SLUG_PATTERN.fullmatch(slug) or not NEW_SLUG_PATTERN.fullmatch(slug):
        raise ConfigError(
            f"invalid slug {slug!r}: use the challenge's slug from its hackattic.com address: "
            "a lowercase letter, then letters, digits and single underscores (e.g. my_challenge)"
        )
    if not title.strip() or not title.isprintable() or len(title) > TITLE_MAX_LENGTH:
        raise ConfigError(
            f"invalid title {title!r}: give one printable line of at most "
            f"{TITLE_MAX_LENGTH} characters"
        )


def _cannot_write(directory: Path, exc: OSError) -> ConfigError:
    return ConfigError(f"cannot create {directory}: {exc.strerror or exc}")


def create_plugin(slug: str, directory: Path | None = None, *, title: str | None = None) -> Path:
    """Write a new plugin distribution for ``slug`` into ``directory`` and return it.

    ``directory`` defaults to :func:`default_directory`; its :func:`layout_for` decides
    between a workspace member and a standalone project. ``title`` (one line, for
    ``hackattic list``) defaults to the slug in words. Raises :class:`ConfigError` for a
    bad slug or title, or if the directory exists.
    """
    if title is None:
        title = slug.replace("_", " ").strip().capitalize() or slug
    _check_names(slug, title)
    if directory is None:
        directory = default_directory(slug)
    try:
        exists = directory.exists()
    except OSError as exc:  # a name too long, say
        raise _cannot_write(directory, exc) from None
    if exists:
        raise ConfigError(
            f"{directory} exists already: choose another slug or directory, or remove it first"
        )
    layout = layout_for(directory)
    values = _placeholders(slug, title, layout)
    sources = {**TEMPLATE_FILES, README_TEMPLATES[layout]: "README.md"}
    templates = files("hackattic_core").joinpath("templates", "plugin")
    try:
        directory.mkdir(parents=True)
    except OSError as exc:
        raise _cannot_write(directory, exc) from None
    try:
        for source, target in sources.items():
            text = templates.joinpath(f"{source}.tmpl").read_text(encoding="utf-8")
            path = directory / Template(target).substitute(values)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(Template(text).substitute(values), encoding="utf-8")
    except OSError as exc:
        shutil.rmtree(directory, ignore_errors=True)
        raise _cannot_write(directory, exc) from None
    except BaseException:
        # Half a plugin would be refused next time ("exists already"): leave nothing.
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return directory

"""``hackattic new``: a new challenge plugin, generated from ``templates/plugin/``.

The plugin is a distribution of its own (``plugins/<slug>/``, import package
``hackattic_<slug>``) with a stub challenge, a stub sandbox emulation and a test, consistent
with each other so that the test passes as generated; its README says what to replace.
Templates are :class:`string.Template` files (``$name`` placeholders, so the Python in them
needs no brace escaping) with a ``.tmpl`` suffix that keeps linters and pytest off them.
"""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path
from string import Template

from hackattic_core.errors import ConfigError
from hackattic_core.plugins import SLUG_PATTERN

TITLE_MAX_LENGTH = 72

# Template (under templates/plugin/, without ".tmpl") → the generated file (a Template).
TEMPLATE_FILES = {
    "pyproject.toml": "pyproject.toml",
    "README.md": "README.md",
    "package/__init__.py": "$package/__init__.py",
    "package/py.typed": "$package/py.typed",
    "package/plugin.py": "$package/plugin.py",
    "package/challenge.py": "$package/challenge.py",
    "package/emulation.py": "$package/emulation.py",
    "tests/test_plugin.py": "tests/test_$slug.py",
}


def class_prefix(slug: str) -> str:
    """``help_me_unpack`` → ``HelpMeUnpack``: the prefix of the generated class names."""
    prefix = "".join(part[:1].upper() + part[1:] for part in slug.split("_"))
    return prefix if prefix[:1].isalpha() else f"Challenge{prefix}"


def _placeholders(slug: str, title: str) -> dict[str, str]:
    # json.dumps gives a double-quoted literal that is valid Python and valid TOML alike.
    return {
        "slug": slug,
        "upper": slug.upper(),
        "package": f"hackattic_{slug}",
        "distribution": f"hackattic-{slug.replace('_', '-')}",
        "classes": class_prefix(slug),
        "title": title,
        "title_python": json.dumps(title, ensure_ascii=False),
        "description_toml": json.dumps(f"hackattic plugin: {title}", ensure_ascii=False),
    }


def _check(slug: str, title: str, directory: Path) -> None:
    if not SLUG_PATTERN.fullmatch(slug):
        raise ConfigError(
            f"invalid slug {slug!r}: use the challenge's slug from its hackattic.com address, "
            "lowercase letters, digits and underscores (e.g. help_me_unpack)"
        )
    if not title.strip() or not title.isprintable() or len(title) > TITLE_MAX_LENGTH:
        raise ConfigError(
            f"invalid title {title!r}: give one printable line of at most "
            f"{TITLE_MAX_LENGTH} characters"
        )
    if directory.exists():
        raise ConfigError(
            f"{directory} exists already: choose another slug or directory, or remove it first"
        )


def create_plugin(slug: str, directory: Path | None = None, *, title: str | None = None) -> Path:
    """Write a new plugin distribution for ``slug`` into ``directory`` and return it.

    ``directory`` defaults to ``plugins/<slug>`` under the current directory (the root of
    the repository); ``title`` (one line, for ``hackattic list``) to the slug in words.
    Raises :class:`ConfigError` for a bad slug or title, or if the directory exists.
    """
    if directory is None:
        if not Path("plugins").is_dir():
            raise ConfigError(
                "no plugins/ directory here: run hackattic new from the root of the "
                "repository, or give its directory (hackattic new --directory)"
            )
        directory = Path("plugins") / slug
    if title is None:
        title = slug.replace("_", " ").strip().capitalize() or slug
    _check(slug, title, directory)
    values = _placeholders(slug, title)
    templates = files("hackattic_core").joinpath("templates", "plugin")
    directory.mkdir(parents=True)
    try:
        for source, target in TEMPLATE_FILES.items():
            text = templates.joinpath(f"{source}.tmpl").read_text(encoding="utf-8")
            path = directory / Template(target).substitute(values)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(Template(text).substitute(values), encoding="utf-8")
    except BaseException:
        # Half a plugin would be refused next time ("exists already"): leave nothing.
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return directory

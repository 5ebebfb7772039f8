"""What must hold across the repository: generated files are current, plugins use only
the public API, and the public API is listed once."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import hackattic_core
from hackattic_core.env_example import render
from hackattic_core.plugins import load_registry

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_IMPORT = re.compile(r"^\s*(from|import)\s+hackattic_core(\.[\w.]+)?", re.MULTILINE)
ALLOWED_MODULES = {"", ".testing"}
"""Plugins import ``hackattic_core`` itself, and tests also ``hackattic_core.testing``."""


def test_env_example_is_generated_from_the_models() -> None:
    expected = render(dict(load_registry().challenges))
    actual = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert actual == expected, "stale .env.example: run make env-example"


def test_plugins_import_only_the_public_api() -> None:
    offenders = []
    for path in sorted((ROOT / "plugins").glob("*/**/*.py")):
        for match in PUBLIC_IMPORT.finditer(path.read_text(encoding="utf-8")):
            if (match.group(2) or "") not in ALLOWED_MODULES:
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0).strip()}")
    assert offenders == [], "plugins must import only hackattic_core (and .testing in tests)"


def test_the_readme_lists_the_public_api() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- public-api -->", 1)[1].split("<!-- /public-api -->", 1)[0]
    listed = set(re.findall(r"`(\w+)`", block))
    assert listed == set(hackattic_core.__all__) - {"__version__"}


def test_every_public_name_resolves() -> None:
    for name in hackattic_core.__all__:
        assert getattr(hackattic_core, name) is not None, name


HEAVY_MODULES = (
    "cv2",
    "numpy",
    "scipy",
    "PIL",
    "zxingcpp",
    "sklearn",
    "jwt",
    "dnslib",
    "asyncssh",
    "cryptography",
    "uvicorn",
    "starlette",
    "httpx",
)
"""What ``hackattic list`` must not import: plugins load their heavy dependencies when they
solve, not when they are listed."""


def test_listing_the_plugins_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from hackattic_core.plugins import load_registry\n"
        "registry = load_registry()\n"
        f"print(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stdout

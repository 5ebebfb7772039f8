"""``.env.example``, written from the settings and condition models themselves.

Every setting of the core, of each installed challenge (``HACKATTIC_<SLUG>_*``), of the
sandbox (``HACKATTIC_SANDBOX_*``) and of each emulation (``HACKATTIC_SANDBOX_<SLUG>_*``),
with its description and its real default, so that the file cannot drift from the code::

    python -m hackattic_core.env_example > .env.example      # make env-example
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, SecretStr

from hackattic_core.challenge import AnyChallenge
from hackattic_core.sandbox.build import emulation_class
from hackattic_core.sandbox.conditions import SandboxConditions
from hackattic_core.settings import NoSettings, Settings

WIDTH = 92
HEADER = """\
# Copy to .env and fill in. Environment variables override .env. Never commit .env.
# Generated from the settings models (make env-example); a test fails when it is stale."""


def _value(default: Any) -> str:
    if default is None or isinstance(default, SecretStr):
        return ""
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, list | tuple | frozenset | set):
        return ",".join(_value(item) for item in default)
    return str(default)


def _comment(text: str) -> Iterator[str]:
    for line in textwrap.wrap(" ".join(text.split()), WIDTH - 2):
        yield f"# {line}"


def model_lines(model: type[BaseModel], prefix: str) -> Iterator[str]:
    """One commented ``PREFIX_FIELD=default`` per field of ``model``."""
    for name, field in model.model_fields.items():
        yield from _comment(field.description or name.replace("_", " "))
        default = field.get_default(call_default_factory=True)
        yield f"{prefix}{name.upper()}={_value(default)}"


def render(challenges: dict[str, type[AnyChallenge]]) -> str:
    """The whole file for these challenges (by slug)."""
    lines = [HEADER, "", "# --- hackattic ---"]
    lines += model_lines(Settings, "HACKATTIC_")
    for slug, challenge in sorted(challenges.items()):
        model = challenge.settings_model
        if model is None or model is NoSettings or not model.model_fields:
            continue
        lines += ["", f"# --- {slug} ---"]
        lines += model_lines(model, f"HACKATTIC_{slug.upper()}_")
    lines += ["", "# --- the offline sandbox (hackattic sandbox, hackattic run --sandbox) ---"]
    lines += model_lines(SandboxConditions, "HACKATTIC_SANDBOX_")
    for slug, challenge in sorted(challenges.items()):
        emulation = emulation_class(challenge)
        if emulation is None or not emulation.conditions_model.model_fields:
            continue
        lines += ["", f"# --- the sandbox's {slug} (or -o KEY=VALUE) ---"]
        lines += model_lines(emulation.conditions_model, f"HACKATTIC_SANDBOX_{slug.upper()}_")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Print the file for every installed challenge."""
    from hackattic_core.plugins import load_registry

    print(render(dict(load_registry().challenges)), end="")


if __name__ == "__main__":
    main()

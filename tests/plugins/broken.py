"""A plugin whose hook raises: it must be recorded as broken, not break the others."""

from __future__ import annotations

from hackattic_core.challenge import Challenge
from hackattic_core.hookspecs import hookimpl

ERROR_TEXT = "broken plugin exploded on purpose"


@hookimpl
def hackattic_register_challenges() -> list[type[Challenge]]:
    raise RuntimeError(ERROR_TEXT)

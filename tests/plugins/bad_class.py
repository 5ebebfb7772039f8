"""A plugin that returns something that is not a Challenge subclass."""

from __future__ import annotations

from typing import Any

from hackattic_core.hookspecs import hookimpl


class NotAChallenge:
    name = "not_a_challenge"
    title = "looks like one, is not"


@hookimpl
def hackattic_register_challenges() -> list[Any]:
    return [NotAChallenge]

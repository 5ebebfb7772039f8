"""pluggy markers and the hook specifications of the ``hackattic`` project."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from hackattic_core.challenge import AnyChallenge

PROJECT_NAME = "hackattic"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def hackattic_register_challenges() -> list[type[AnyChallenge]]:  # type: ignore[empty-body]
    """Return the challenge classes this plugin provides.

    Each must subclass :class:`hackattic_core.challenge.Challenge` and carry a unique
    ``name`` (the hackattic slug). Results of all plugins are collected (not firstresult).
    """

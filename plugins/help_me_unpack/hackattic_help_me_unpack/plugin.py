"""The entry point of the plugin: registers its challenge with hackattic."""

from __future__ import annotations

from hackattic_core import AnyChallenge, hookimpl

from .challenge import HelpMeUnpackChallenge


@hookimpl
def hackattic_register_challenges() -> list[type[AnyChallenge]]:
    return [HelpMeUnpackChallenge]

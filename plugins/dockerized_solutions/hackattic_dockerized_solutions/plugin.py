"""The entry point of the plugin: registers its challenge with hackattic."""

from __future__ import annotations

from typing import Any

from hackattic_core import Challenge, hookimpl

from .challenge import DockerizedSolutionsChallenge


@hookimpl
def hackattic_register_challenges() -> list[type[Challenge[Any, Any, Any]]]:
    return [DockerizedSolutionsChallenge]

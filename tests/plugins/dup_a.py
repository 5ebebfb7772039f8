"""One of two plugins that both claim the slug ``dup_slug``."""

from __future__ import annotations

from hackattic_core.challenge import Challenge, Problem, Solution
from hackattic_core.hookspecs import hookimpl


class DupA(Challenge):
    name = "dup_slug"
    title = "dup_slug as provided by dup_a"
    problem_model = Problem
    solution_model = Solution


@hookimpl
def hackattic_register_challenges() -> list[type[Challenge]]:
    return [DupA]

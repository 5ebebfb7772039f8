"""The sandbox's default problem against the facts file: ``{"include": "<32 lowercase
hex>"}``, a fresh random value each time."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

from hackattic_collision_course.challenge import CollisionCourseChallenge

PROBLEMS = 200


def test_default_problems_look_like_real_ones(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(CollisionCourseChallenge)
    includes = [asyncio.run(emulation.new_problem()).problem for _ in range(PROBLEMS)]
    assert all(list(problem) == ["include"] for problem in includes)
    values = [problem["include"] for problem in includes]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in values)
    assert len(set(values)) == PROBLEMS
    digits = Counter("".join(values))
    assert set(digits) == set("0123456789abcdef")  # every hex digit, none favoured much
    assert max(digits.values()) < 2 * min(digits.values())

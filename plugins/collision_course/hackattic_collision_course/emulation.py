"""The offline sandbox's stand-in for collision_course: issues an ``include``, checks the files.

Problems are ``{"include": <32 random lowercase hex>}`` as on hackattic.com. The check is
:func:`.checker.check_files` (its own base64 and MD5, not the solver's), plus the time the
page allows between the problem and the answer, scaled by the sandbox's time scale.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from hackattic_core import Emulation, EmulationConditions, Issued

from .checker import check_files

MIB = 1024 * 1024


class CollisionCourseConditions(EmulationConditions):
    max_file_bytes: int = Field(
        default=MIB,
        ge=1,
        le=64 * MIB,
        description="Largest decoded file accepted (hackattic's limit is not published).",
    )
    time_limit: float = Field(
        default=15.0,
        gt=0,
        description="Seconds allowed from the problem to the answer (the page says about 15).",
    )


@dataclass(frozen=True)
class IssuedInclude:
    """What ``check`` needs: the include string and when it was issued."""

    include: str
    issued_at: float
    """``time.monotonic()`` when the problem was issued."""


class CollisionCourseEmulation(Emulation[CollisionCourseConditions, IssuedInclude]):
    conditions_model = CollisionCourseConditions

    async def new_problem(self) -> Issued[IssuedInclude]:
        include = f"{self.env.rng.getrandbits(128):032x}"
        return Issued(
            problem={"include": include},
            state=IssuedInclude(include=include, issued_at=time.monotonic()),
        )

    async def check(self, issued: Issued[IssuedInclude], solution: dict[str, Any]) -> str | None:
        conditions = self.env.conditions
        state = issued.state
        elapsed = time.monotonic() - state.issued_at
        limit = conditions.time_limit * self.env.time_scale
        if elapsed > limit:
            return f"too slow: answered {elapsed:.1f} s after the problem, the limit is {limit:g} s"
        return check_files(state.include, solution, conditions.max_file_bytes)

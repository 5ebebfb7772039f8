"""The sandbox started inside ``hackattic run <slug> --sandbox``: that challenge's only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from hackattic_core.challenge import AnyChallenge, Progress
from hackattic_core.errors import ConfigError
from hackattic_core.runner import RunResult, run_challenge
from hackattic_core.sandbox.build import build_emulations
from hackattic_core.sandbox.conditions import SandboxConditions
from hackattic_core.settings import Settings


async def run_in_sandbox(
    challenge: type[AnyChallenge],
    settings: Settings,
    conditions: SandboxConditions,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    playground: bool = False,
    dry_run: bool = False,
    attempts: int = 3,
    progress: Progress | None = None,
    result: RunResult | None = None,
) -> RunResult:
    """Serve ``challenge``'s emulation alone on a free loopback port and run it there.

    ``options`` are emulation conditions by slug (``-o key=value``), which may name only
    this challenge; the time scale reaches the solver with each problem. ``result`` is
    :func:`~hackattic_core.runner.run_challenge`'s.
    """
    from hackattic_core.sandbox.server import serve_sandbox

    emulations = build_emulations({challenge.name: challenge}, conditions, options)
    if challenge.name not in emulations.built:
        raise ConfigError(
            f"challenge {challenge.name!r} has no sandbox emulation; run it without --sandbox"
        )
    async with serve_sandbox(emulations, conditions) as handle:
        local = settings.model_copy(
            update={"base_url": handle.base_url, "access_token": SecretStr(handle.access_token)}
        )
        return await run_challenge(
            challenge,
            local,
            playground=playground,
            dry_run=dry_run,
            attempts=attempts,
            progress=progress,
            sandbox=True,
            result=result,
        )

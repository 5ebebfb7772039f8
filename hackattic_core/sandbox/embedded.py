"""The sandbox started inside ``hackattic run <slug> --sandbox``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr, ValidationError

from hackattic_core.challenge import Challenge, Progress
from hackattic_core.errors import ConfigError
from hackattic_core.runner import RunResult, run_challenge
from hackattic_core.sandbox.conditions import Conditions
from hackattic_core.settings import Settings


def build_conditions(options: Mapping[str, Any]) -> Conditions:
    """Conditions from ``HACKATTIC_SANDBOX_*`` settings overridden by command-line options."""
    try:
        return Conditions(**options)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "conditions"
        raise ConfigError(
            f"invalid sandbox option --{name.replace('_', '-')}: {first['msg']}"
        ) from None


async def run_in_sandbox(
    challenge: type[Challenge],
    challenges: Mapping[str, type[Challenge]],
    settings: Settings,
    options: Mapping[str, Any],
    *,
    playground: bool = False,
    dry_run: bool = False,
    attempts: int = 3,
    progress: Progress | None = None,
) -> RunResult:
    """Start the sandbox on a free loopback port and run ``challenge`` against it."""
    from hackattic_core.sandbox.server import serve_sandbox

    if challenge.emulation() is None:
        raise ConfigError(
            f"challenge {challenge.name!r} has no sandbox emulation; run it without --sandbox"
        )
    conditions = build_conditions(options)
    async with serve_sandbox(challenges, conditions) as handle:
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
            time_scale=conditions.time_scale,
        )

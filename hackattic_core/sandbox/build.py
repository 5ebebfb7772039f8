"""Building the emulations a sandbox serves, each with its own conditions and faults.

``hackattic run SLUG --sandbox`` builds only SLUG's emulation, and any failure is that
run's error (``strict``). ``hackattic sandbox`` builds every installed one: an emulation
that fails to load or to build is left out and named, and the others are served. A bad
option or fault given by the user is an error either way.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hackattic_core.errors import PLUGIN_FAILURES, ConfigError, describe_exception
from hackattic_core.sandbox.conditions import (
    Fault,
    SandboxConditions,
    emulation_conditions,
    split_faults,
)
from hackattic_core.sandbox.downloads import Downloads
from hackattic_core.sandbox.emulation import AnyEmulation, Emulation, EmulationEnv

if TYPE_CHECKING:
    from hackattic_core.challenge import AnyChallenge


@dataclass
class Emulations:
    """The emulations built, by slug, and why the others were left out."""

    built: dict[str, AnyEmulation] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def emulation_rng(seed: int | None, slug: str) -> random.Random:
    """Each emulation's own generator: reproducible per slug when a seed is set."""
    return random.Random() if seed is None else random.Random(f"{seed}/{slug}")


def emulation_class(challenge: type[AnyChallenge]) -> type[AnyEmulation] | None:
    """The challenge's emulation class, None if it has none; a broken one, or one whose
    ``slug`` names another challenge, raises ConfigError."""
    try:
        found = challenge.emulation()
    except (Exception, SystemExit) as exc:  # a plugin's sys.exit must not end hackattic
        raise ConfigError(
            f"{challenge.name}: its emulation failed to load: {describe_exception(exc)}"
        ) from None
    if found is None:
        return None
    if not (isinstance(found, type) and issubclass(found, Emulation)):
        raise ConfigError(f"{challenge.name}: its emulation is {found!r}, not an Emulation")
    clash = sorted(set(found.faults) & {fault.value for fault in Fault})
    if clash:
        raise ConfigError(
            f"{challenge.name}: its emulation's fault {clash[0]!r} is also one of the "
            "sandbox's own faults: rename it"
        )
    if found.slug and found.slug != challenge.name:
        raise ConfigError(
            f"{challenge.name}: its emulation {found.__name__} says it is {found.slug!r}; "
            "remove its slug (the sandbox takes the challenge's) or make them agree"
        )
    return found


def _instantiate(
    emulation_cls: type[AnyEmulation],
    slug: str,
    conditions: SandboxConditions,
    own: Any,
    faults: frozenset[str],
    downloads: Downloads,
) -> AnyEmulation:
    env: EmulationEnv[Any] = EmulationEnv(
        conditions=own,
        rng=emulation_rng(conditions.seed, slug),
        time_scale=conditions.time_scale,
        faults=faults,
        fault_count=conditions.fault_count,
        slug=slug,
        downloads=downloads,
    )
    return emulation_cls(env)


def build_emulation(
    emulation_cls: type[AnyEmulation],
    conditions: SandboxConditions,
    options: Mapping[str, Any] | None = None,
    *,
    slug: str | None = None,
    read_env: bool = True,
) -> AnyEmulation:
    """One emulation from its class, as :func:`build_emulations` builds it (for tests)."""
    slug = slug or emulation_cls.slug or emulation_cls.__name__
    own_faults = split_faults(conditions.faults, {slug: list(emulation_cls.faults)})
    own = emulation_conditions(slug, emulation_cls.conditions_model, options, read_env=read_env)
    downloads = Downloads(time_scale=conditions.time_scale)
    return _instantiate(emulation_cls, slug, conditions, own, own_faults[slug], downloads)


def build_emulations(
    challenges: Mapping[str, type[AnyChallenge]],
    conditions: SandboxConditions,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    strict: bool = True,
    read_env: bool = True,
) -> Emulations:
    """One emulation per challenge that has one, keyed by slug.

    ``options`` holds each slug's ``-o`` values. With ``strict``, any failure raises a
    :class:`ConfigError` naming the challenge; otherwise a challenge whose emulation fails to
    load or build is recorded in ``failed``. Unknown options and faults always raise.
    ``read_env=False`` ignores ``HACKATTIC_SANDBOX_<SLUG>_*`` (tests).
    """
    options = dict(options or {})
    stray = sorted(set(options) - set(challenges))
    if stray:
        served = ", ".join(sorted(challenges)) or "none"
        raise ConfigError(
            f"sandbox options for {stray[0]!r}, which this sandbox does not serve "
            f"(it serves: {served})"
        )
    result = Emulations()
    classes: dict[str, type[AnyEmulation]] = {}
    for slug, challenge in challenges.items():
        try:
            found = emulation_class(challenge)
        except ConfigError as exc:
            if strict:
                raise
            result.failed[slug] = str(exc)
            continue
        if found is not None:
            classes[slug] = found
        elif slug in options:
            raise ConfigError(f"{slug} has no sandbox emulation, so no sandbox options")
    own_faults = split_faults(
        conditions.faults, {slug: list(cls.faults) for slug, cls in classes.items()}
    )
    downloads = Downloads(time_scale=conditions.time_scale)  # one for the whole sandbox
    for slug, emulation_cls in classes.items():
        own = emulation_conditions(
            slug, emulation_cls.conditions_model, options.get(slug), read_env=read_env
        )
        try:
            result.built[slug] = _instantiate(
                emulation_cls,
                slug,
                conditions,
                own,
                own_faults.get(slug, frozenset()),
                downloads,
            )
        except PLUGIN_FAILURES as exc:
            message = f"{slug}: its emulation failed to start: {describe_exception(exc)}"
            if strict:
                raise ConfigError(message) from None
            result.failed[slug] = message
    return result


def describe_emulation(challenge: type[AnyChallenge]) -> dict[str, Any] | None:
    """A challenge's sandbox options and faults (None: no emulation), for ``list --json``."""
    from hackattic_core.sandbox.conditions import describe_model

    try:
        found = emulation_class(challenge)
    except ConfigError as exc:
        return {"error": str(exc)}
    if found is None:
        return None
    return {"options": describe_model(found.conditions_model), "faults": dict(found.faults)}

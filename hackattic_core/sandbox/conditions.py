"""The sandbox's conditions: the core's own, and each emulation's.

The core owns what its HTTP side uses: the seed, the time scale, the HTTP faults and their
counts (:class:`SandboxConditions`, ``HACKATTIC_SANDBOX_*``). Every emulation declares its
own options as a subclass of :class:`EmulationConditions`, read from
``HACKATTIC_SANDBOX_<SLUG>_*`` and overridden by ``-o key=value`` on the command line, and
its own fault names; :func:`emulation_conditions` validates them for one emulation, and
:func:`split_faults` tells whose each ``--fault`` is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from hackattic_core.errors import ConfigError
from hackattic_core.settings import SettingsT, dotenv_error, first_error, with_env_prefix


class Fault(StrEnum):
    HTTP_503 = "http_503"
    HTTP_502 = "http_502"
    HTTP_429 = "http_429"
    RESET = "reset"
    SLOW = "slow"
    MALFORMED_PROBLEM = "malformed_problem"
    INCOMPLETE_PROBLEM = "incomplete_problem"
    HUGE_BODY = "huge_body"
    ALWAYS_REJECT = "always_reject"


FAULT_DESCRIPTIONS: dict[str, str] = {
    Fault.HTTP_503: "the first fault_count API requests get 503",
    Fault.HTTP_502: "the first fault_count API requests get 502",
    Fault.HTTP_429: "the first fault_count API requests get 429 with Retry-After",
    Fault.RESET: "the first fault_count API requests have their connection reset",
    Fault.SLOW: "the first fault_count API requests are answered after slow_seconds",
    Fault.MALFORMED_PROBLEM: "problems are sent as broken JSON",
    Fault.INCOMPLETE_PROBLEM: "problems miss their first field",
    Fault.HUGE_BODY: "problems are padded to about 20 MB",
    Fault.ALWAYS_REJECT: "every solve is rejected",
}
"""The core's faults, as ``hackattic list --json`` shows them."""


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return value


class SandboxConditions(BaseSettings):
    """How the sandbox's HTTP side behaves (``HACKATTIC_SANDBOX_*``).

    ``faults`` holds names of the core's faults (:class:`Fault`) and of the emulations';
    each is checked against the emulations being built (see :func:`split_faults`).
    """

    model_config = SettingsConfigDict(
        env_prefix="HACKATTIC_SANDBOX_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    seed: int | None = Field(default=None, description="Seed for reproducible problems and delays.")
    time_scale: float = Field(
        default=1.0,
        gt=0,
        le=1000,
        allow_inf_nan=False,
        description="Multiplies every interval and delay of every emulation (0.1 = ten "
        "times faster); the sandbox tells solvers in a header.",
    )
    faults: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Faults to inject, comma-separated: the core's and the emulations'.",
    )
    fault_count: int = Field(default=2, ge=0, description="How many requests a counted fault hits.")
    retry_after: float = Field(default=1.0, ge=0, description="Retry-After seconds sent with 429.")
    slow_seconds: float = Field(default=5.0, ge=0, description="Delay of a slow answer.")

    @field_validator("faults", mode="before")
    @classmethod
    def _split_faults(cls, value: object) -> object:
        return _split_commas(value)

    def has(self, fault: Fault) -> bool:
        """Whether the core's ``fault`` is switched on."""
        return fault.value in self.faults


class EmulationConditions(BaseSettings):
    """Base of an emulation's own conditions: subclass it and declare fields with defaults.

    The core reads them from ``HACKATTIC_SANDBOX_<SLUG>_<FIELD>`` (environment or
    ``.env``) and from ``-o field=value``; a bad value is a one-line error naming the
    challenge and its valid options. Give every field a ``description``: ``hackattic list
    --json`` shows it.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)


CORE_OPTIONS = ("seed", "time_scale", "fault_count", "retry_after", "slow_seconds")
"""The core conditions ``-o`` may set besides ``--seed``/``--time-scale``."""


def parse_options(
    assignments: Sequence[str], *, default_slug: str | None
) -> dict[str | None, dict[str, str]]:
    """``["count=3", "my_challenge.count=3", "seed=1"]`` by owner.

    A key without a ``slug.`` belongs to ``default_slug`` (the challenge of ``run``), or to
    the core when it is one of :data:`CORE_OPTIONS`; the owner ``None`` is the core.
    """
    by_owner: dict[str | None, dict[str, str]] = {}
    for assignment in assignments:
        key, equals, value = assignment.partition("=")
        key = key.strip()
        if not equals or not key:
            raise ConfigError(
                f"sandbox option {assignment!r} is not KEY=VALUE: write e.g. -o count=5"
            )
        owner: str | None
        if "." in key:
            owner, _, key = key.partition(".")
        elif key in CORE_OPTIONS:
            owner = None
        elif default_slug is not None:
            owner = default_slug
        else:
            raise ConfigError(
                f"sandbox option {key!r} needs its challenge: write -o SLUG.{key}={value} "
                f"(the sandbox's own options: {', '.join(CORE_OPTIONS)})"
            )
        by_owner.setdefault(owner, {})[key] = value
    return by_owner


def sandbox_conditions(
    options: Mapping[str, Any] | None = None, *, read_env: bool = True
) -> SandboxConditions:
    """The core's conditions from the environment, overridden by ``options``."""
    options = dict(options or {})
    unknown = sorted(set(options) - set(SandboxConditions.model_fields))
    if unknown:
        raise ConfigError(
            f"unknown sandbox option {unknown[0]!r}: the sandbox's own options are "
            f"{', '.join(CORE_OPTIONS)}"
        )
    try:
        return _build(SandboxConditions, options, read_env=read_env)
    except ValidationError as exc:
        field, message = first_error(exc, "conditions")
        raise ConfigError(f"invalid sandbox option {field}: {message}") from None


def _build(model: type[SettingsT], options: Mapping[str, Any], *, read_env: bool) -> SettingsT:
    """``model`` from ``options`` over the environment and ``.env`` (``read_env``) or over
    its field defaults alone; a ``.env`` that is not UTF-8 is a one-line ConfigError."""
    try:
        if read_env:
            return model(**options)
        values = {
            name: field.get_default(call_default_factory=True)
            for name, field in model.model_fields.items()
        }
        return model(_env_file=None, **{**values, **options})
    except UnicodeDecodeError as exc:
        raise dotenv_error(exc) from None


def valid_options_text(model: type[EmulationConditions]) -> str:
    """``count, offset`` or ``none``, for error messages."""
    return ", ".join(model.model_fields) or "none"


def emulation_conditions(
    slug: str,
    model: type[EmulationConditions],
    options: Mapping[str, Any] | None = None,
    *,
    read_env: bool = True,
) -> EmulationConditions:
    """``model`` for ``slug``: ``HACKATTIC_SANDBOX_<SLUG>_*`` overridden by ``options``.

    Raises a :class:`ConfigError` naming the challenge and its valid options for an unknown
    option or a bad value.
    """
    if not (isinstance(model, type) and issubclass(model, EmulationConditions)):
        raise ConfigError(
            f"{slug}: its emulation's conditions_model is not an EmulationConditions subclass"
        )
    options = dict(options or {})
    valid = valid_options_text(model)
    unknown = sorted(set(options) - set(model.model_fields))
    if unknown:
        raise ConfigError(
            f"{slug} has no sandbox option {unknown[0]!r}; its options are: {valid} "
            f"(the sandbox's own: {', '.join(CORE_OPTIONS)})"
        )
    bound = with_env_prefix(model, f"HACKATTIC_SANDBOX_{slug.upper()}_")
    try:
        return _build(bound, options, read_env=read_env)
    except ValidationError as exc:
        field, message = first_error(exc, "conditions")
        raise ConfigError(
            f"invalid sandbox option {field} for {slug}: {message} (its options: {valid})"
        ) from None


def split_faults(
    faults: Iterable[str], declared: Mapping[str, Iterable[str]]
) -> dict[str, frozenset[str]]:
    """Each emulation's faults, from names as given to ``--fault`` (the core's own are read
    from the conditions directly).

    A plain name is the core's if it is one, else it goes to every emulation in
    ``declared`` (slug → its fault names) that declares it; ``slug.name`` to that one.
    A name nobody declares is a :class:`ConfigError` listing the valid ones.
    """
    core_names = {fault.value for fault in Fault}
    own: dict[str, set[str]] = {slug: set() for slug in declared}
    for given in faults:
        slug, dot, name = given.rpartition(".")
        if dot:
            if slug not in declared or name not in set(declared[slug]):
                raise ConfigError(f"unknown fault {given!r}: {_valid_faults(declared)}")
            own[slug].add(name)
            continue
        if name in core_names:
            continue
        owners = [slug for slug, names in declared.items() if name in set(names)]
        if not owners:
            raise ConfigError(f"unknown fault {given!r}: {_valid_faults(declared)}")
        for owner in owners:
            own[owner].add(name)
    return {slug: frozenset(names) for slug, names in own.items()}


def _valid_faults(declared: Mapping[str, Iterable[str]]) -> str:
    parts = [f"the sandbox's: {', '.join(fault.value for fault in Fault)}"]
    for slug, names in sorted(declared.items()):
        listed = sorted(names)
        parts.append(f"{slug}'s: {', '.join(listed) if listed else 'none'}")
    return "valid faults are " + "; ".join(parts)


def conditions_from_command_line(
    assignments: Sequence[str],
    *,
    default_slug: str | None,
    seed: int | None = None,
    time_scale: float | None = None,
    faults: Sequence[str] = (),
) -> tuple[SandboxConditions, dict[str, dict[str, str]]]:
    """The core's conditions and each challenge's ``-o`` options, from the command line.

    Command-line values override ``HACKATTIC_SANDBOX_*`` (``faults`` too, when given).
    """
    by_owner = parse_options(assignments, default_slug=default_slug)
    core: dict[str, Any] = dict(by_owner.pop(None, {}))
    if seed is not None:
        core["seed"] = seed
    if time_scale is not None:
        core["time_scale"] = time_scale
    if faults:
        core["faults"] = list(faults)
    conditions = sandbox_conditions(core)
    return conditions, {slug: values for slug, values in by_owner.items() if slug is not None}


def describe_model(model: type[BaseSettings]) -> dict[str, dict[str, Any]]:
    """Each option of ``model``: its default, type and description (for ``list --json``)."""
    described: dict[str, dict[str, Any]] = {}
    for name, info in model.model_fields.items():
        default = info.get_default(call_default_factory=True)
        annotation = info.annotation
        described[name] = {
            "default": default
            if isinstance(default, str | int | float | bool | None)
            else str(default),
            "type": getattr(annotation, "__name__", None) or str(annotation),
            "description": info.description or "",
        }
    return described

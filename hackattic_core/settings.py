"""Settings from ``HACKATTIC_*`` environment variables and ``.env``.

Settings are built when a command runs (:func:`load_settings`), never at import time, so
tests and the sandbox can build their own. Environment variables override ``.env``.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from hackattic_core.errors import ConfigError
from hackattic_core.redaction import register_secret

DEFAULT_BASE_URL = "https://hackattic.com"

SettingsT = TypeVar("SettingsT", bound=BaseSettings)


class Settings(BaseSettings):
    """Everything the core needs; plugins keep their own settings under their own prefix."""

    model_config = SettingsConfigDict(
        env_prefix="HACKATTIC_",
        env_file=".env",
        extra="ignore",
        validate_default=True,
        env_ignore_empty=True,
    )

    access_token: SecretStr | None = Field(
        default=None, description="Your hackattic access token (from your hackattic profile)."
    )
    base_url: str = Field(default=DEFAULT_BASE_URL, description="Where hackattic lives.")
    # Times must be finite: an infinite timeout lets a silent server hang the client.
    http_timeout: float = Field(
        default=30.0, gt=0, allow_inf_nan=False, description="Seconds per HTTP request."
    )
    retry_attempts: int = Field(
        default=5, ge=1, description="Tries per request, the first one included."
    )
    retry_backoff: float = Field(
        default=0.5,
        ge=0,
        allow_inf_nan=False,
        description="First retry wait in seconds; doubles each time.",
    )
    retry_backoff_max: float = Field(
        default=10.0, ge=0, allow_inf_nan=False, description="Longest single retry wait."
    )
    retry_total: float = Field(
        default=60.0,
        gt=0,
        allow_inf_nan=False,
        description="Give up retrying after this many seconds.",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest HTTP answer accepted."
    )
    disable_plugins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated plugin (entry point) names to skip."
    )
    # Challenges where hackattic connects to a server the solver runs (an HTTP app, DNS…).
    public_host: str | None = Field(
        default=None,
        max_length=253,
        description="The host name or IP address by which hackattic reaches this machine "
        "(a public IP, or a tunnel's host); required by the challenges that run a server.",
    )
    listen_host: str = Field(
        default="127.0.0.1",
        min_length=1,
        max_length=253,
        description="The address the servers of those challenges bind: loopback unless you "
        "expose them on purpose (0.0.0.0, or an interface's address).",
    )
    public_url: str | None = Field(
        default=None,
        max_length=2000,
        description="Public base URL of an HTTP app that hackattic calls (an https tunnel); "
        "unset: http://PUBLIC_HOST:PORT/.",
    )

    @field_validator("disable_plugins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("public_host", "public_url")
    @classmethod
    def _no_blank(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or any(c.isspace() for c in value.strip())):
            raise ValueError("must be a host name, an address or a URL, without spaces")
        return value.strip() if value is not None else None

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        check_base_url(value)
        return value.rstrip("/")

    @property
    def ws_base_url(self) -> str:
        """The WebSocket base: the base URL with ``https`` → ``wss`` and ``http`` → ``ws``."""
        scheme, rest = self.base_url.split("://", 1)
        return ("wss" if scheme.lower() == "https" else "ws") + "://" + rest

    def require_token(self) -> str:
        """The access token, or a :class:`ConfigError` saying how to provide one."""
        if self.access_token is None or not self.access_token.get_secret_value().strip():
            raise ConfigError(
                "no access token: set HACKATTIC_ACCESS_TOKEN (environment or .env), "
                "or use --sandbox to run offline"
            )
        return self.access_token.get_secret_value().strip()


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` names this machine (where plain http is acceptable)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> None:
    """Refuse a malformed base URL, and plain http anywhere but loopback (the token would leak)."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        # Not echoed: it would print the password.
        raise ValueError(
            "the base URL must not carry a user name or password (user:password@host); "
            f"use e.g. {DEFAULT_BASE_URL}"
        )
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ValueError(
            f"base URL {url!r} holds whitespace or a control character (a stray newline?)"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"malformed base URL {url!r}: expected e.g. {DEFAULT_BASE_URL}")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(f"malformed base URL {url!r}: bad port") from None
    if parts.query or parts.fragment:
        raise ValueError(f"base URL {url!r} must not carry a query or fragment")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError(
            f"base URL {url!r} uses plain http: the access token would travel unencrypted; "
            "use https (plain http is allowed only for a loopback sandbox)"
        )


def first_error(exc: ValidationError, whole: str = "settings") -> tuple[str, str]:
    """The first thing pydantic refused: the field's dotted name (``whole`` when it is the
    whole model) and the message, without pydantic's "Value error, " prefix."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or whole
    return field, str(first["msg"]).removeprefix("Value error, ")


def setting_error(exc: ValidationError, prefix: str) -> ConfigError:
    """A refused setting as one line naming its variable: ``invalid setting PREFIX_FIELD: …``."""
    field, message = first_error(exc)
    return ConfigError(f"invalid setting {prefix.upper()}{field.upper()}: {message}")


def dotenv_error(exc: UnicodeDecodeError) -> ConfigError:
    """A ``.env`` that is not UTF-8 text, as a one-line :class:`ConfigError`."""
    return ConfigError(
        f".env is not valid UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
        f"{exc.start}): fix or remove it"
    )


def load_settings(**overrides: object) -> Settings:
    """Build the settings now, turning validation errors into one-line :class:`ConfigError`.

    The access token is registered for redaction at once, so that nothing printed from
    here on (a plugin's error in ``hackattic list``, say) can show it.
    """
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except UnicodeDecodeError as exc:
        raise dotenv_error(exc) from None
    except ValidationError as exc:
        raise setting_error(exc, "HACKATTIC_") from None
    if settings.access_token is not None:
        register_secret(settings.access_token.get_secret_value().strip())
    return settings


class ChallengeSettings(BaseSettings):
    """Base of a challenge's own settings (its ``settings_model``): subclass it and declare
    fields with defaults and descriptions. The core reads them from ``HACKATTIC_<SLUG>_*``
    (environment or ``.env``) when a run starts; a bad value is a one-line error."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)


class NoSettings(ChallengeSettings):
    """The settings of a challenge that declares none."""


def with_env_prefix(model: type[SettingsT], prefix: str) -> type[SettingsT]:
    """``model`` reading its fields from ``PREFIX<FIELD>`` (a subclass; ``model`` is kept)."""
    config = SettingsConfigDict(**{**model.model_config, "env_prefix": prefix})
    return type(model.__name__, (model,), {"__module__": model.__module__, "model_config": config})


def challenge_settings(slug: str, model: type[SettingsT]) -> SettingsT:
    """A challenge's ``settings_model`` built now, from ``HACKATTIC_<SLUG>_*`` unless the
    model names its own prefix; a bad value is a one-line :class:`ConfigError`."""
    prefix = str(model.model_config.get("env_prefix") or f"HACKATTIC_{slug.upper()}_")
    bound = with_env_prefix(model, prefix)
    try:
        return bound()
    except UnicodeDecodeError as exc:
        raise dotenv_error(exc) from None
    except ValidationError as exc:
        raise setting_error(exc, prefix) from None

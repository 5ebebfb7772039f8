"""The sandbox's conditions: rounds, seed, time scale, latency, timer lateness and faults.

Set as ``hackattic sandbox`` options or as ``HACKATTIC_SANDBOX_*`` settings.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Fault(StrEnum):
    """A misbehaviour the sandbox can be told to show."""

    HTTP_503 = "http_503"
    """The first ``fault_count`` HTTP requests get 503."""
    HTTP_502 = "http_502"
    """The first ``fault_count`` HTTP requests get 502."""
    HTTP_429 = "http_429"
    """The first ``fault_count`` HTTP requests get 429 with ``Retry-After: retry_after``."""
    RESET = "reset"
    """The first ``fault_count`` HTTP requests have their connection reset."""
    SLOW = "slow"
    """The first ``fault_count`` HTTP requests are answered after ``slow_seconds``."""
    MALFORMED_PROBLEM = "malformed_problem"
    """Problems are sent as broken JSON."""
    INCOMPLETE_PROBLEM = "incomplete_problem"
    """Problems miss a required field."""
    HUGE_BODY = "huge_body"
    """Problems are padded far beyond any sane size."""
    ALWAYS_REJECT = "always_reject"
    """Every solve is rejected."""
    GARBAGE_FRAME = "garbage_frame"
    """Chit chat: an unknown text frame mid-conversation."""
    BINARY_FRAME = "binary_frame"
    """Chit chat: a binary frame mid-conversation."""
    HUGE_FRAME = "huge_frame"
    """Chit chat: a frame far larger than the protocol needs."""
    DROP = "drop"
    """Chit chat: the socket is dropped mid-conversation (first ``fault_count`` conversations)."""
    NEVER_PING = "never_ping"
    """Chit chat: the server says hello and then never pings."""
    EXPIRED_TOKEN = "expired_token"  # noqa: S105 - a fault name, not a password
    """Chit chat: the first ``fault_count`` problems carry an expired token."""


class Conditions(BaseSettings):
    """How the sandbox behaves."""

    model_config = SettingsConfigDict(
        env_prefix="HACKATTIC_SANDBOX_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    rounds: int = Field(default=10, ge=1, description="Correct answers that earn the secret.")
    seed: int | None = Field(default=None, description="Seed for reproducible problems and delays.")
    time_scale: float = Field(
        default=1.0,
        gt=0,
        description="Multiplies every interval and delay (0.1 = ten times faster).",
    )
    latency: str = Field(
        default="none",
        description="One-way latency profile for chit-chat messages, e.g. none, exp:50, "
        "pareto:20,1.5, lognormal:40,0.8, bursty:20,400,0.05 (ms); add +base:150 for a base.",
    )
    timer_late_ms: float = Field(
        default=0.0, ge=0, description="Each beat's timer fires late by up to this many ms."
    )
    faults: Annotated[list[Fault], NoDecode] = Field(
        default_factory=list, description="Comma-separated faults to inject (see Fault)."
    )
    fault_count: int = Field(default=2, ge=0, description="How many requests a counted fault hits.")
    retry_after: float = Field(default=1.0, ge=0, description="Retry-After seconds sent with 429.")
    slow_seconds: float = Field(default=5.0, ge=0, description="Delay of a slow answer.")

    @field_validator("faults", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    def has(self, fault: Fault) -> bool:
        """Whether ``fault`` is switched on."""
        return fault in self.faults

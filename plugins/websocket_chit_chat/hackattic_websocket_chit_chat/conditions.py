"""The chit-chat emulation's own sandbox conditions and faults.

Set as ``-o rounds=3`` (``hackattic run websocket_chit_chat --sandbox``),
``-o websocket_chit_chat.rounds=3`` (``hackattic sandbox``) or
``HACKATTIC_SANDBOX_WEBSOCKET_CHIT_CHAT_ROUNDS=3``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from pydantic import Field, field_validator

from hackattic_core import EmulationConditions

from .latency import parse_profile


class ChitChatFault(StrEnum):
    """A misbehaviour of the conversation server (``--fault``)."""

    GARBAGE_FRAME = "garbage_frame"
    BINARY_FRAME = "binary_frame"
    HUGE_FRAME = "huge_frame"
    DROP = "drop"
    NEVER_PING = "never_ping"
    EXPIRED_TOKEN = "expired_token"  # noqa: S105 - a fault name, not a password


FAULTS: Final[dict[str, str]] = {
    ChitChatFault.GARBAGE_FRAME: "an unknown text frame right after the first good!",
    ChitChatFault.BINARY_FRAME: "a binary frame right after the first good!",
    ChitChatFault.HUGE_FRAME: "a 1 MiB text frame right after the first good!",
    ChitChatFault.DROP: "the first fault_count conversations' sockets are dropped "
    "(no close frame) after their first good!",
    ChitChatFault.NEVER_PING: "the server says hello and then never pings",
    ChitChatFault.EXPIRED_TOKEN: "the first fault_count problems' conversations get the "
    "expired-token text",
}


class ChitChatConditions(EmulationConditions):
    """How the conversation server behaves."""

    rounds: int = Field(default=10, ge=1, description="Correct answers that earn the secret.")
    latency: str = Field(
        default="none",
        description="One-way latency profile of every message, e.g. none, exp:50, "
        "pareto:20,1.5, lognormal:40,0.8, bursty:20,400,0.05 (ms); add +base:150 for a base.",
    )
    timer_late_ms: float = Field(
        default=2.0,
        ge=0,
        description="Each beat is timed from the previous ping's real send and fires between "
        "a quarter of this and this many ms late, like a sleeping server's timer (the "
        "lateness carries on); 0: an exact absolute schedule from the open.",
    )

    @field_validator("latency")
    @classmethod
    def _check_latency(cls, value: str) -> str:
        parse_profile(value)  # its ValueError names what is wrong with the profile
        return value

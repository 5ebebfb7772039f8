"""What one conversation of the chit chat client did: its beats, its secret or its loss."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from hackattic_core import AttemptLost


class LossKind(StrEnum):
    """Why a conversation was lost."""

    MISSED_BEAT = "missed beat"
    WRONG_ANSWER = "wrong answer"
    EXPIRED_TOKEN = "expired token"  # noqa: S105 - a loss kind, not a password
    OUCH = "ouch"
    """An ``ouch!`` of an unknown kind."""
    CLOSED = "closed"
    """The server closed the connection (with a close frame) before the secret."""
    DROPPED = "dropped"
    """The connection ended without a close frame."""
    OVERSIZED = "oversized frame"
    SILENCE = "silence"
    TOO_MANY_BEATS = "too many beats"
    TOO_LONG = "too long"
    CONNECT = "connect"
    """The connection could not be opened."""
    NO_SECRET = "no secret"  # noqa: S105 - a loss kind, not a password
    """A congratulations message without a quoted secret."""


@dataclass(slots=True)
class Beat:
    """One ping and its answer."""

    index: int
    """1 for the first ping."""
    interval_ms: int
    """The interval decoded and sent as the answer (ms, unscaled)."""
    arrival: float
    """When the ping's frame was received (``time.monotonic()``, seconds)."""
    since_open_ms: float
    """Arrival time after the open (ms, as measured: scaled time)."""
    since_previous_ms: float
    """Arrival time after the previous ping (or the open) (ms, as measured)."""
    late_ms: float | None
    """How late the ping arrived against the decoded schedule (ms, unscaled)."""
    reaction_ms: float
    """From the frame's receipt to the answer's send returning (ms)."""


@dataclass
class ConversationResult:
    """What one conversation did; filled as it goes (also on a loss)."""

    opened: float | None = None
    """When the handshake completed (``time.monotonic()``)."""
    ended: float | None = None
    beats: list[Beat] = field(default_factory=list)
    hello: bool = False
    good: int = 0
    """``good!`` messages received."""
    ignored_text: int = 0
    """Text frames that were none of the known messages."""
    ignored_binary: int = 0
    unknown_texts: list[str] = field(default_factory=list)
    """The first few unknown texts (shortened)."""
    secret: str | None = None
    loss: LossKind | None = None
    reason: str | None = None
    """The loss's one-line reason."""

    @property
    def reaction_times_ms(self) -> list[float]:
        return [beat.reaction_ms for beat in self.beats]

    @property
    def mean_reaction_ms(self) -> float | None:
        times = self.reaction_times_ms
        return math.fsum(times) / len(times) if times else None

    @property
    def max_reaction_ms(self) -> float | None:
        return max(self.reaction_times_ms, default=None)

    @property
    def duration(self) -> float | None:
        """Seconds from the open to the end."""
        if self.opened is None or self.ended is None:
            return None
        return self.ended - self.opened


class ConversationLost(AttemptLost):
    """The conversation is over without a secret; ``kind`` says why, ``result`` what happened."""

    def __init__(self, kind: LossKind, message: str, result: ConversationResult) -> None:
        super().__init__(message)
        self.kind = kind
        self.result = result


BeatCallback = Callable[[Beat, ConversationResult], None]

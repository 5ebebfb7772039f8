"""What the chit chat emulation records of its conversations, and reports at ``/_/stats``.

Each beat is a :class:`PingRecord` (times on the event loop's clock); a conversation's
record and the emulation's totals are built from them here, so that the connection only
records and the emulation only counts.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from .connection import Connection

# Conversation outcomes.
OPEN: Final = "open"
PASSED: Final = "passed"
MISSED: Final = "missed_beat"
WRONG: Final = "wrong_answer"
DROPPED: Final = "dropped"
CLIENT_CLOSED: Final = "client_closed"
ABORTED: Final = "aborted"


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def spread(values: list[float]) -> dict[str, float | None]:
    """min, p50 and max of ``values`` (ms, rounded); None each when there are none."""
    p50 = percentile(values, 0.50)
    return {
        "min": None if not values else round(min(values), 3),
        "p50": None if p50 is None else round(p50, 3),
        "max": None if not values else round(max(values), 3),
    }


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(slots=True, eq=False)
class PingRecord:
    """One beat of a conversation (times on the event loop's clock, seconds)."""

    index: int
    interval_ms: int
    """The interval this ping ends, unscaled: the answer it asks for."""
    scheduled: float
    """When the beat was due (including any injected timer lateness)."""
    fired: float
    """When the beat's timer actually fired (the ping's logical send time)."""
    injected_late_ms: float = 0.0
    """The timer lateness injected into this beat (unscaled ms)."""
    wire: float | None = None
    """When the ping's frame was handed to the socket (after any injected latency)."""
    answered: float | None = None
    """When the client's answer was received from the socket (before injected latency)."""

    def as_dict(self, opened: float) -> dict[str, Any]:
        reaction = None
        if self.answered is not None and self.wire is not None:
            reaction = self.answered - self.wire
        return {
            "index": self.index,
            "interval_ms": self.interval_ms,
            "scheduled_ms": ms(self.scheduled - opened),
            "sent_ms": ms(self.fired - opened),
            "schedule_error_ms": ms(self.fired - self.scheduled),
            "injected_late_ms": round(self.injected_late_ms, 3),
            "wire_ms": ms(None if self.wire is None else self.wire - opened),
            "reaction_ms": ms(reaction),
        }


def gaps_minus_intervals_ms(
    pings: Sequence[PingRecord], scale: float, *, injected_latency: bool
) -> list[float]:
    """For each ping after the first: the time since the previous ping was sent, minus its
    interval (real ms, the interval scaled); negative means a gap came short."""

    def sent(ping: PingRecord) -> float:
        # Without injected latency a ping is sent when its frame is written.
        if not injected_latency and ping.wire is not None:
            return ping.wire
        return ping.fired

    return [
        (sent(ping) - sent(before)) * 1000 - ping.interval_ms * scale
        for before, ping in itertools.pairwise(pings)
    ]


def conversation_record(conversation: Connection) -> dict[str, Any]:
    """One conversation as ``/_/stats`` lists it."""
    opened = conversation.opened
    closed = conversation.closed_at
    return {
        "problem": conversation.slot.number,
        "conversation": conversation.number,
        "outcome": conversation.outcome,
        "correct": conversation.correct,
        "faults": list(conversation.faults),
        "duration_ms": ms(None if closed is None else closed - opened),
        "gap_minus_interval_ms": spread(conversation.gaps_minus_intervals_ms()),
        "pings": [ping.as_dict(opened) for ping in conversation.pings],
    }


def totals(
    conversations: Sequence[Connection], open_now: int, refused: Counter[str]
) -> dict[str, Any]:
    """The totals over every conversation: outcomes, refusals, reaction and schedule."""
    outcomes = Counter(conversation.outcome for conversation in conversations)
    reactions: list[float] = []
    schedule_errors: list[float] = []
    gaps: list[float] = []
    pings = 0
    for conversation in conversations:
        gaps.extend(conversation.gaps_minus_intervals_ms())
        for ping in conversation.pings:
            pings += 1
            schedule_errors.append((ping.fired - ping.scheduled) * 1000)
            if ping.answered is not None and ping.wire is not None:
                reactions.append((ping.answered - ping.wire) * 1000)
    return {
        "conversations": len(conversations),
        "open": open_now,
        "passed": outcomes[PASSED],
        "missed_beats": outcomes[MISSED],
        "wrong_answers": outcomes[WRONG],
        "dropped": outcomes[DROPPED],
        "client_closed": outcomes[CLIENT_CLOSED],
        "aborted": outcomes[ABORTED],
        "refused": {key: refused[key] for key in ("expired", "used", "unknown")},
        "pings": pings,
        "reaction_p50_ms": _rounded(percentile(reactions, 0.50)),
        "reaction_p99_ms": _rounded(percentile(reactions, 0.99)),
        "reaction_max_ms": _rounded(max(reactions, default=None)),
        "schedule_error_p99_ms": _rounded(percentile(schedule_errors, 0.99)),
        "schedule_error_max_ms": _rounded(max(schedule_errors, default=None)),
        "gap_minus_interval_ms": spread(gaps),
    }


def all_records(conversations: Iterable[Connection]) -> list[dict[str, Any]]:
    return [conversation_record(conversation) for conversation in conversations]

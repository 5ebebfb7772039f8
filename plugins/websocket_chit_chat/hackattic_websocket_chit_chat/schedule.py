"""The server side's beat clock: when each ``ping!`` of a conversation is due.

One abstraction, :class:`BeatSchedule`, three clocks:

- :class:`ExactSchedule` (``timer_late_ms=0``): an exact absolute schedule from the open,
  each beat due at the sum of the intervals drawn so far;
- :class:`LateTimerSchedule` (the default, no injected latency): as a server that sleeps
  for each interval, the beat is due an interval plus a timer lateness after the previous
  ping's frame was really written (the first after the hello), the lateness drawn between
  :data:`LATE_FLOOR` of ``timer_late_ms`` and all of it. A gap on the wire is never
  shorter than its interval, and the lateness carries on, as a real event loop's timer
  does;
- :class:`LatencySchedule` (a late timer with injected latency): the same, counted
  from when the beat's timer fired, since the ping leaves then and travels its latency.

A schedule draws the interval first and the lateness second from its own random stream,
so the schedule does not depend on how the conversation goes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import ClassVar, Final

INTERVALS_MS: Final = (700, 1500, 2000, 2500, 3000)
"""The beat intervals hackattic draws from, in ms."""
LATE_FLOOR: Final = 0.25
"""A late timer fires between this share of ``timer_late_ms`` and all of it late: never on
time, as an event loop's timer that wakes a sleeping server."""


@dataclass(frozen=True, slots=True)
class DueBeat:
    """The next beat: the interval it ends, when it is due, and its injected lateness."""

    interval_ms: int
    """Unscaled: the answer it asks for."""
    due: float
    """On the event loop's clock (seconds)."""
    late_ms: float
    """The timer lateness injected into it (unscaled ms)."""


class BeatSchedule:
    """When each beat of one conversation is due (times on the event loop's clock)."""

    from_wire: ClassVar[bool] = False
    """Whether the next beat counts from the previous ping's frame written to the socket
    (then the connection asks for it once written) rather than from its timer firing
    (then it asks right after the beat fires)."""

    def __init__(self, rng: random.Random, scale: float, opened: float) -> None:
        self.rng = rng
        self.scale = scale
        self.opened = opened
        """When the conversation opened: the first beat counts from there."""

    def next_beat(self, previous_sent: float | None) -> DueBeat:
        """The next beat, ``previous_sent`` the previous ping's time (None: the first)."""
        raise NotImplementedError


class ExactSchedule(BeatSchedule):
    """An exact absolute schedule: beat k is due at the open plus the first k intervals."""

    def __init__(self, rng: random.Random, scale: float, opened: float) -> None:
        super().__init__(rng, scale, opened)
        self._nominal_ms = 0

    def next_beat(self, previous_sent: float | None) -> DueBeat:
        interval = self.rng.choice(INTERVALS_MS)
        self._nominal_ms += interval
        return DueBeat(interval, self.opened + self._nominal_ms * self.scale / 1000, 0.0)


class LateTimerSchedule(BeatSchedule):
    """A sleeping server: due an interval plus a lateness after the previous ping's frame
    was written (the first after the open)."""

    from_wire = True

    def __init__(
        self, rng: random.Random, scale: float, opened: float, *, timer_late_ms: float
    ) -> None:
        super().__init__(rng, scale, opened)
        self.timer_late_ms = timer_late_ms

    def next_beat(self, previous_sent: float | None) -> DueBeat:
        interval = self.rng.choice(INTERVALS_MS)
        late = self.rng.uniform(self.timer_late_ms * LATE_FLOOR, self.timer_late_ms)
        since = self.opened if previous_sent is None else previous_sent
        return DueBeat(interval, since + (interval + late) * self.scale / 1000, late)


class LatencySchedule(LateTimerSchedule):
    """A late timer under injected latency: the ping leaves when its timer fires and then
    travels, so the next beat counts from the firing."""

    from_wire = False


def make_schedule(
    rng: random.Random,
    scale: float,
    opened: float,
    *,
    timer_late_ms: float,
    injected_latency: bool,
) -> BeatSchedule:
    """The clock of a conversation under these conditions."""
    if not timer_late_ms:
        return ExactSchedule(rng, scale, opened)
    if injected_latency:
        return LatencySchedule(rng, scale, opened, timer_late_ms=timer_late_ms)
    return LateTimerSchedule(rng, scale, opened, timer_late_ms=timer_late_ms)

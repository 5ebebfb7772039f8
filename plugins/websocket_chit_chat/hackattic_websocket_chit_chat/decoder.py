"""Tell which interval the server waited before each ``ping!``, despite network jitter.

Pure: no I/O, no clock of its own; the caller passes arrival times (seconds on a monotonic
clock). One decoder per conversation::

    decoder = IntervalDecoder()
    decoder.open(time.monotonic())             # the connection opened
    answer = decoder.ping(time.monotonic())    # a ping! arrived: 700, 1500, 2000, 2500 or 3000
    decoder.good()                             # the server said good!

Why not time each ping from the previous one: that measures ``interval + latency_now -
latency_before``, an error of either sign, so rounding to the nearest interval has only half
the gap between two intervals as its margin, and fails as jitter grows.

What this does instead: the server sends ping k at ``S_0 + I_1 + ... + I_k`` and the client
receives it ``latency_k`` later, where latency is a base plus jitter that is never negative.
With the intervals already decoded the decoder knows the server's schedule up to one
unknown constant (when the server started, less the open's own latency), so every ping
gives one sample ``offset_k = arrival_k - schedule_k`` of "that constant + latency_k". The
lowest sample seen is the best estimate of the constant, and measured from it a new ping
can only be *late*: the answer is the largest interval not above the residual, which leaves
the whole gap between two intervals as margin against jitter.

Details, each explained where it is coded:

* The first ping has no earlier sample but the open itself, whose own delay is unknown, so
  it is rounded to the nearest interval (the error has either sign there).
* The lowest sample is taken over a window of recent beats, so that a server timer that
  fires a little late every beat (the lateness accumulates) is followed, not fought.
* A ping *below* the lowest sample (which only overestimates the true floor) still counts
  as the larger interval when it is at most 1/20 of the smallest gap below (25 ms), and
  beyond that only while few samples are known (the lowest of n samples overshoots the
  floor by about 1/n of the jitter) and if that is likelier than the ping being a spike
  on the smaller interval: a Bayesian comparison over a few jitter scales, with spikes as
  outliers. Rounding up whatever is within gap/n would be exact for pure exponential
  jitter, and is fooled by spikes.
* Nothing special for TCP's in-order delivery: a ping held back behind a delayed one is
  just late, which the margin already covers.

Everything scales with the smallest gap between intervals, so a time-scaled server (with
scaled intervals) is decoded exactly alike.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable
from itertools import pairwise

__all__ = ["DEFAULT_INTERVALS", "IntervalDecoder"]

DEFAULT_INTERVALS: tuple[int, ...] = (700, 1500, 2000, 2500, 3000)
"""The beat intervals of hackattic.com, in milliseconds."""

# Tuning, relative to the smallest gap between two intervals (500 ms on hackattic.com).
_TOLERANCE = 1 / 20  # 25 ms: a ping this far below the lowest sample is still "on time".
_SCALES = tuple(0.006 * 100 ** (i / 7) for i in range(8))  # jitter scales 3 ms .. 300 ms
_OUTLIER_SPREAD = 4.0  # spikes are spread over ~2 s
_OUTLIER_SHARE = 0.03  # prior share of messages that are spikes
_WINDOW = 24  # beats whose samples make the lowest one: follows a late timer, still robust


class IntervalDecoder:
    """Decode each ping's interval against the server's own schedule (see module docstring)."""

    __slots__ = (
        "_beats",
        "_confirmed",
        "_intervals",
        "_last_arrival",
        "_last_interval",
        "_last_lateness",
        "_log_scale_weights",
        "_outlier_density",
        "_samples",
        "_scales",
        "_schedule",
        "_tolerance",
    )

    def __init__(self, intervals: Iterable[int] = DEFAULT_INTERVALS, window: int = _WINDOW) -> None:
        """``intervals`` in milliseconds; ``window``: beats over which the lowest sample is kept."""
        values = tuple(sorted(intervals))
        if not values or any(not isinstance(v, int) or v <= 0 for v in values):
            raise ValueError(f"intervals must be positive integers (ms), got {values!r}")
        if len(set(values)) != len(values):
            raise ValueError(f"intervals must be distinct, got {values!r}")
        if window < 2:
            raise ValueError(f"window must be at least 2 beats, got {window}")
        self._intervals = values
        gaps = [b - a for a, b in pairwise(values)]
        unit = float(min(gaps)) if gaps else float(values[0])
        self._tolerance = unit * _TOLERANCE
        self._scales = tuple(unit * s for s in _SCALES)
        # Prior over jitter scales: log-uniform, leaning a little to small ones (real links),
        # times the scale itself, which is what integrating out the unknown floor leaves.
        self._log_scale_weights = tuple(0.5 * math.log(s) for s in self._scales)
        self._outlier_density = _OUTLIER_SHARE / (unit * _OUTLIER_SPREAD)
        self._samples: deque[float] = deque(maxlen=window)
        self._schedule: float | None = None  # ms: open + intervals decoded so far
        self._last_arrival: float | None = None
        self._last_interval: int | None = None
        self._last_lateness: float | None = None
        self._beats = 0
        self._confirmed = 0

    # -- read-only state, for progress displays -------------------------------------------

    @property
    def intervals(self) -> tuple[int, ...]:
        """The intervals this decoder chooses from, ascending (ms)."""
        return self._intervals

    @property
    def beats(self) -> int:
        """Pings decoded so far."""
        return self._beats

    @property
    def confirmed(self) -> int:
        """Answers the server confirmed with ``good!``."""
        return self._confirmed

    @property
    def last_interval(self) -> int | None:
        """The interval decoded for the latest ping (ms)."""
        return self._last_interval

    @property
    def last_lateness_ms(self) -> float | None:
        """How late the latest ping arrived against the decoded schedule plus the lowest
        latency seen (ms; slightly negative when it set a new lowest)."""
        return self._last_lateness

    @property
    def offset_ms(self) -> float | None:
        """The lowest sample in the window: server start + base latency - open time (ms)."""
        return min(self._samples) if self._samples else None

    # -- the conversation -----------------------------------------------------------------

    def open(self, t: float) -> None:
        """The connection opened at ``t`` (seconds, monotonic clock)."""
        if self._schedule is not None:
            raise RuntimeError("open() called twice: a new conversation needs a new decoder")
        if not math.isfinite(t):
            raise ValueError(f"open time must be a finite number of seconds, got {t!r}")
        self._schedule = t * 1000.0
        self._last_arrival = t
        # The open is itself a sample: the server's start plus the handshake's latency.
        self._samples.append(0.0)

    def ping(self, t: float) -> int:
        """A ``ping!`` arrived at ``t`` (seconds, same clock): the interval (ms) to answer."""
        schedule = self._schedule
        last = self._last_arrival
        if schedule is None or last is None:
            raise RuntimeError("ping() before open(): call open(t) when the connection opens")
        if not t >= last:  # also catches NaN
            raise ValueError(f"ping at {t!r} s is earlier than the previous event at {last!r} s")
        arrival = t * 1000.0
        samples = self._samples
        lowest = min(samples)
        # How long after the previous beat (as the server sent it) this ping arrived, less
        # the lowest latency seen: the interval plus this ping's extra delay, never less
        # except by the error of `lowest`.
        residual = arrival - schedule - lowest
        answer = self._choose(residual, lowest)
        self._schedule = schedule + answer
        self._last_arrival = t
        self._last_interval = answer
        self._last_lateness = residual - answer
        self._beats += 1
        samples.append(arrival - self._schedule)
        return answer

    def good(self) -> None:
        """The server confirmed the latest answer."""
        if self._confirmed >= self.beats:
            raise RuntimeError(
                f"good() without an unconfirmed answer ({self.beats} pings, "
                f"{self._confirmed} already confirmed)"
            )
        self._confirmed += 1

    # -- the decision ---------------------------------------------------------------------

    def _choose(self, residual: float, lowest: float) -> int:
        intervals = self._intervals
        i = bisect_right(intervals, residual)
        if i == 0:
            return intervals[0]  # earlier than the shortest interval: nothing else fits
        if i == len(intervals):
            return intervals[-1]  # later than the longest: it was the longest, delayed
        lower, upper = intervals[i - 1], intervals[i]
        gap = upper - lower
        # If the answer were `upper`, this ping's sample would lie `below` under the lowest.
        below = upper - residual
        if self._beats == 0:
            # First ping: timed from the open, whose own delay is unknown, so the error has
            # either sign: round to the nearest.
            return upper if below < gap / 2 else lower
        if below <= self._tolerance:
            return upper  # a little earlier than the lowest: latency wobbles, timers don't
        count = len(self._samples) + 1  # samples including this one
        if below >= gap / count:
            # For exponential jitter of any scale, `upper` is the likelier answer exactly
            # when `below` < gap/n; spikes only favour `lower` further, so stop here.
            return lower
        # In between: the lowest sample may overshoot the floor (few samples), or this ping
        # may be a spike. Weigh both against what the samples say about the jitter.
        upper_sample = lowest - below
        lower_sample = upper_sample + gap
        if self._log_likelihood(upper_sample, lowest) > self._log_likelihood(lower_sample, lowest):
            return upper
        return lower

    def _log_likelihood(self, new_sample: float, lowest: float) -> float:
        """Log-likelihood of the window's samples plus ``new_sample``.

        Each sample is the floor plus jitter: exponential of an unknown scale (summed over
        a few scales with a prior), or now and then a spike (uniform, far wider). The floor
        is taken at the lowest sample; integrating it out leaves a factor of the scale.
        """
        floor = min(lowest, new_sample)
        outlier = self._outlier_density
        body_share = 1.0 - _OUTLIER_SHARE
        per_scale: list[float] = []
        for scale, log_weight in zip(self._scales, self._log_scale_weights, strict=True):
            density = body_share / scale
            total = log_weight
            for sample in self._samples:
                total += math.log(density * math.exp((floor - sample) / scale) + outlier)
            total += math.log(density * math.exp((floor - new_sample) / scale) + outlier)
            per_scale.append(total)
        top = max(per_scale)
        return top + math.log(math.fsum(math.exp(v - top) for v in per_scale))

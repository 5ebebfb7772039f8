"""The best a decoder can do from arrival times alone: Bayes with the jitter's true density.

This reference knows the profile's jitter distribution exactly, which no real decoder does,
and nothing else: like a real decoder it sees only the open's and the pings' arrival times,
so the floor (the server's start plus the base latency, on the client's clock) is unknown
and gets a flat prior. With the answers so far taken as right (a conversation ends at its
first mistake), every earlier ping is one sample of ``floor + jitter``; for a new ping each
interval makes one more sample, and the floor is integrated out on a 1 ms grid. The answer
is the interval of highest posterior.

It decides one ping at a time. The exactly optimal rule would also weigh how each answer
changes the decisions still to come, and that is nearly the same for both candidates, so
this is the ceiling for any decoder up to a fraction of a percent. On exponential jitter it
reduces to "the larger interval when the ping is less than gap/(n+1) below the lowest of
the n samples so far", whatever the mean: no decoder can know more there.

Vectorised over conversations with NumPy (a benchmark-only dependency).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from hackattic_websocket_chit_chat.latency import Bursty, Exponential, Jitter, LogNormal, Pareto

__all__ = ["decode", "log_density"]

Array = npt.NDArray[np.float64]
LogDensity = Callable[[Array], Array]

FINE_MS, FINE_SPAN_MS, COARSE_MS = 1.0, 1000.0, 4.0
"""The floor grid: 1 ms steps for the first second below the open, 4 ms beyond (a floor
that far down means a huge delay on the open; the posterior is then as wide as the jitter)."""
TAIL = 1e-6
"""The grid reaches the jitter's 1 - TAIL quantile below the open (capped at MAX_SPAN_MS)."""
MAX_SPAN_MS = 6000.0
CANDIDATE_OFFSETS = (-2, -1, 0)
"""Intervals weighed per ping, relative to the first one above the ping's lateness: that
one, the one below it (on time) and the next one down."""
BATCH = 250
"""Conversations decoded together (memory: BATCH x grid x 8 bytes per array)."""


def _log_exponential(x: Array, mean: float) -> Array:
    value: Array = np.where(x >= 0, -math.log(mean) - np.maximum(x, 0.0) / mean, -np.inf)
    return value


def log_density(jitter: Jitter) -> tuple[LogDensity, float] | None:
    """The jitter's log-density (of ms) and the span (ms) its grid needs; None if unknown."""
    if isinstance(jitter, Exponential) and jitter.mean_ms > 0:
        mean = jitter.mean_ms
        return (lambda x: _log_exponential(x, mean)), -mean * math.log(TAIL)
    if isinstance(jitter, Pareto) and jitter.scale_ms > 0:
        scale, shape = jitter.scale_ms, jitter.shape

        def pareto(x: Array) -> Array:
            tail = -(shape + 1) * np.log1p(np.maximum(x, 0.0) / scale)
            return np.where(x >= 0, math.log(shape / scale) + tail, -np.inf)

        return pareto, scale * (TAIL ** (-1 / shape) - 1)
    if isinstance(jitter, LogNormal) and jitter.median_ms > 0 and jitter.sigma > 0:
        mu, sigma = math.log(jitter.median_ms), jitter.sigma

        def lognormal(x: Array) -> Array:
            logs = np.log(np.maximum(x, 1e-12))
            value = (
                -logs - math.log(sigma * math.sqrt(2 * math.pi)) - (logs - mu) ** 2 / (2 * sigma**2)
            )
            return np.where(x > 0, value, -np.inf)

        return lognormal, math.exp(mu + sigma * 4.75)  # 4.75 sd: the 1 - 1e-6 quantile
    if isinstance(jitter, Bursty) and jitter.jitter_ms > 0:
        mean, spike, p = jitter.jitter_ms, jitter.spike_ms, jitter.probability

        def bursty(x: Array) -> Array:
            body = np.log1p(-p) + _log_exponential(x, mean) if p < 1 else np.full_like(x, -np.inf)
            spiked = (
                math.log(p) + _log_exponential(x - spike, mean)
                if p > 0
                else np.full_like(x, -np.inf)
            )
            return np.logaddexp(body, spiked)

        return bursty, spike - mean * math.log(TAIL)
    return None


def _log_sum_exp(values: Array) -> Array:
    """log(sum(exp(values))) along the last axis, -inf where every value is -inf."""
    top = values.max(axis=-1)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        total: Array = safe + np.log(np.exp(values - safe[..., None]).sum(axis=-1))
    return total


def decode(
    arrivals: Sequence[Sequence[float]], intervals: Sequence[int], jitter: Jitter
) -> list[list[int]] | None:
    """Answers for each conversation (``arrivals``: open then pings, seconds); None when the
    jitter's density is not known here."""
    known = log_density(jitter)
    if known is None:
        return None
    density, span = known
    span = min(span, MAX_SPAN_MS)
    floors = -np.concatenate(
        [np.arange(0.0, min(span, FINE_SPAN_MS), FINE_MS), np.arange(FINE_SPAN_MS, span, COARSE_MS)]
    )
    # Integration weights: the spacing around each grid point, as a log.
    spacing = np.gradient(-floors) if len(floors) > 1 else np.ones(1)
    log_weights = np.log(spacing)
    choices = np.asarray(sorted(intervals), dtype=float)
    last = len(choices) - 1
    answers: list[list[int]] = []
    for start in range(0, len(arrivals), BATCH):
        times = np.asarray(arrivals[start : start + BATCH], dtype=float) * 1000.0
        times -= times[:, :1]  # every conversation's clock starts at its open
        # Log-likelihood of the samples so far at each floor; the open is a sample of 0.
        rows = np.arange(len(times))
        evidence = np.broadcast_to(density(-floors) + log_weights, (len(rows), len(floors)))
        lowest = np.zeros(len(rows))  # the lowest sample so far (ms since the open)
        schedule = np.zeros(len(rows))
        decided = np.empty((len(rows), times.shape[1] - 1), dtype=int)
        with np.errstate(divide="ignore", invalid="ignore"):
            for k in range(1, times.shape[1]):
                since = times[:, k] - schedule
                # The interval the ping would be on time for against the lowest sample, the
                # next one up and the next one down: candidates x conversations.
                top = np.clip(np.searchsorted(choices, since - lowest, side="right"), 1, last)
                offsets = np.asarray(CANDIDATE_OFFSETS)[:, None]
                picks = np.clip(top[None, :] + offsets, 0, last)
                likelihood = evidence[None] + density(
                    (since[None, :] - choices[picks])[..., None] - floors
                )
                best = picks[_log_sum_exp(likelihood).argmax(axis=0), rows]
                evidence = likelihood[(picks == best).argmax(axis=0), rows]
                schedule += choices[best]
                lowest = np.minimum(lowest, times[:, k] - schedule)
                decided[:, k - 1] = choices[best]
        answers.extend(decided.tolist())
    return answers

"""The benchmark's Bayes ceiling: right where it can be checked in closed form, and above
any decoder that does not know the jitter's distribution where that knowledge helps."""

from __future__ import annotations

import random
from bisect import bisect_right

import pytest
from hackattic_websocket_chit_chat.decoder import DEFAULT_INTERVALS
from hackattic_websocket_chit_chat.latency import parse_profile

from bench import bayes_ceiling
from bench.decoder_quality import Conversation, Profile, decode_ours, simulate


def exponential_rule(arrivals: list[float]) -> list[int]:
    """The exact Bayes decision for exponential jitter of any mean and an unknown floor: the
    larger interval when the ping is less than gap/(n+1) below the lowest of n samples (the
    first ping: the nearest)."""
    schedule, lowest, answers = arrivals[0] * 1000, 0.0, []
    for k, t in enumerate(arrivals[1:], start=1):
        residual = t * 1000 - schedule - lowest
        i = min(max(bisect_right(DEFAULT_INTERVALS, residual), 1), len(DEFAULT_INTERVALS) - 1)
        lower, upper = DEFAULT_INTERVALS[i - 1], DEFAULT_INTERVALS[i]
        answer = upper if upper - residual < (upper - lower) / (k + 1) else lower
        schedule += answer
        lowest = min(lowest, t * 1000 - schedule)
        answers.append(answer)
    return answers


def conversations(spec: str, count: int) -> list[Conversation]:
    profile = Profile(spec, spec)
    return [simulate(profile, random.Random(f"ceiling/{spec}/{i}")) for i in range(count)]


def flawless(drawn: list[Conversation], answers: list[list[int]]) -> int:
    return sum(c.beats == a for c, a in zip(drawn, answers, strict=True))


@pytest.mark.parametrize("spec", ["exp:40", "exp:150"])
def test_on_exponential_jitter_it_is_the_closed_form_rule(spec: str) -> None:
    drawn = conversations(spec, 200)
    ceiling = bayes_ceiling.decode(
        [c.arrivals for c in drawn], DEFAULT_INTERVALS, parse_profile(spec).jitter
    )
    assert ceiling is not None
    # Up to each conversation's first mistake (after it the answers no longer matter); the
    # 1 ms grid may flip a decision that is within a hair of the threshold.
    agree = 0
    for c, numeric in zip(drawn, ceiling, strict=True):
        exact = exponential_rule(c.arrivals)
        right = [b == a for b, a in zip(c.beats, exact, strict=True)]
        upto = right.index(False) + 1 if False in right else len(right)
        agree += numeric[:upto] == exact[:upto]
    assert agree >= 198


def test_knowing_the_spikes_beats_a_decoder_that_does_not() -> None:
    spec = "bursty:20,400,0.05"
    drawn = conversations(spec, 300)
    ceiling = bayes_ceiling.decode(
        [c.arrivals for c in drawn], DEFAULT_INTERVALS, parse_profile(spec).jitter
    )
    assert ceiling is not None
    # Benchmark (2,000 conversations): ours 88%, the ceiling 95%.
    assert flawless(drawn, ceiling) >= flawless(drawn, [decode_ours(c) for c in drawn]) + 10


def test_an_unknown_distribution_has_no_ceiling() -> None:
    no_jitter = parse_profile("base:150").jitter
    assert bayes_ceiling.decode([[0.0, 0.85]], DEFAULT_INTERVALS, no_jitter) is None

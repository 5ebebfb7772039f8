"""The decoder benchmark's parts: the Bayes ceiling is right where it can be checked in
closed form and above any decoder that does not know the jitter's distribution where that
knowledge helps; the simulated line holds a ping back behind a delayed good!."""

from __future__ import annotations

import random
from bisect import bisect_right
from pathlib import Path
from typing import Any

import pytest
from hackattic_websocket_chit_chat.decoder import DEFAULT_INTERVALS
from hackattic_websocket_chit_chat.latency import parse_profile

from bench.common import load

# The benchmark lives beside the plugin (benchmarks/), run by `python -m bench`: loaded
# from its file, as the runner loads it (its helper bayes_ceiling with it).
BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
decoder_quality = load(BENCHMARKS / "bench_decoder_quality.py")
bayes_ceiling = load(BENCHMARKS / "bayes_ceiling.py")
Conversation = decoder_quality.Conversation
Profile = decoder_quality.Profile
arrivals_with_replies = decoder_quality.arrivals_with_replies
decode_ours = decoder_quality.decode_ours
simulate = decoder_quality.simulate


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


def conversations(spec: str, count: int) -> list[Any]:
    profile = Profile(spec, spec)
    return [simulate(profile, random.Random(f"ceiling/{spec}/{i}")) for i in range(count)]


def flawless(drawn: list[Any], answers: list[list[int]]) -> int:
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


def test_a_delayed_good_holds_the_next_ping_back() -> None:
    # Open at 0, pings sent at 0.7 and 1.4 s, 250 ms one way. The answer to ping 1 arrives
    # at 1.2 s and its good! is stalled 300 ms: it reaches the client at 1.75 s, after the
    # moment ping 2 would have (1.65 s), and ping 2 waits behind it.
    arrivals = arrivals_with_replies([0.0, 0.7, 1.4], [0.25, 0.25, 0.25], [0.25, 0.55, 0.25, 0.25])
    assert arrivals[:2] == pytest.approx([0.25, 0.95])
    assert arrivals[2] == pytest.approx(1.75, abs=1e-5)


def test_without_replies_a_ping_is_only_its_own_delay_late() -> None:
    profile = Profile("exp:50", "exp:50")
    drawn = [simulate(profile, random.Random(i)) for i in range(50)]
    assert sum(c.held_back for c in drawn) == 0  # 700 ms beats never overtake each other
    replies = Profile("r", "bursty:20,400,0.05+base:150", replies=True)
    assert sum(simulate(replies, random.Random(i)).held_back for i in range(300)) > 0

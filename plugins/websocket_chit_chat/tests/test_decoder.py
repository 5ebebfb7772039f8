"""The interval decoder, driven by simulated conversations (no sockets, no sleeping)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import pairwise

import pytest
from hackattic_websocket_chit_chat.decoder import DEFAULT_INTERVALS, IntervalDecoder
from hackattic_websocket_chit_chat.latency import in_order_arrivals, parse_profile
from hypothesis import given, settings
from hypothesis import strategies as st

OPEN_AT = 81_234.567  # an arbitrary monotonic clock reading, in seconds


def arrivals(
    intervals: Sequence[int],
    delays_ms: Sequence[float],
    late_ms: Sequence[float] | None = None,
) -> list[float]:
    """Arrival times (s) of the open and each ping: ``delays_ms[0]`` is the handshake's."""
    assert len(delays_ms) == len(intervals) + 1
    late = late_ms if late_ms is not None else [0.0] * len(intervals)
    sent = [OPEN_AT]
    for interval, lateness in zip(intervals, late, strict=True):
        sent.append(sent[-1] + (interval + lateness) / 1000)
    return in_order_arrivals(sent, [d / 1000 for d in delays_ms])


def decode(times: Sequence[float], decoder: IntervalDecoder | None = None) -> list[int]:
    """Answers of a fresh decoder (or ``decoder``) to an open at ``times[0]`` and pings."""
    decoder = decoder if decoder is not None else IntervalDecoder()
    decoder.open(times[0])
    return [decoder.ping(t) for t in times[1:]]


def first_mistake(expected: Sequence[int], answers: Sequence[int]) -> int | None:
    return next((k for k, (e, a) in enumerate(zip(expected, answers, strict=True)) if e != a), None)


def nearest_interval(ms: float) -> int:
    return min(DEFAULT_INTERVALS, key=lambda interval: abs(interval - ms))


def random_intervals(rng: random.Random, count: int) -> list[int]:
    return [rng.choice(DEFAULT_INTERVALS) for _ in range(count)]


# -- conditions one at a time -------------------------------------------------------------


def test_no_jitter() -> None:
    intervals = random_intervals(random.Random(1), 40)
    decoder = IntervalDecoder()
    assert decode(arrivals(intervals, [0.0] * 41), decoder) == intervals
    assert decoder.beats == 40
    assert decoder.last_interval == intervals[-1]
    assert decoder.last_lateness_ms == pytest.approx(0.0, abs=1e-6)
    assert decoder.offset_ms == pytest.approx(0.0, abs=1e-6)


def test_constant_base_latency_cancels_out() -> None:
    intervals = random_intervals(random.Random(2), 30)
    decoder = IntervalDecoder()
    assert decode(arrivals(intervals, [300.0] * 31), decoder) == intervals
    # The open took 300 ms too, so against the open the schedule is exactly on time.
    assert decoder.offset_ms == pytest.approx(0.0, abs=1e-6)


def test_base_latency_with_jitter_that_breaks_the_nearest_from_last_arrival() -> None:
    # Ping 2 is 240 ms late, ping 3 on time: from the previous arrival ping 3 looks 240 ms
    # short (1760 ms, nearest 1500); against the schedule it is on time.
    intervals = [1500, 2000, 2000, 1500]
    delays = [300.0, 300.0, 540.0, 300.0, 300.0]
    times = arrivals(intervals, delays)
    assert round((times[3] - times[2]) * 1000) == 1760
    assert decode(times) == intervals


@pytest.mark.parametrize(
    ("handshake_ms", "ping_ms", "expected"),
    [
        (200.0, 0.0, 2000),  # the open was slow: timed from it, ping 1 looks 200 ms early
        (0.0, 240.0, 2000),  # ping 1 was slow: it looks 240 ms late
        (0.0, 260.0, 2500),  # beyond half the gap the first ping is ambiguous, by design
        (260.0, 0.0, 1500),
    ],
)
def test_first_ping_is_rounded_to_the_nearest(
    handshake_ms: float, ping_ms: float, expected: int
) -> None:
    assert decode(arrivals([2000], [handshake_ms, ping_ms])) == [expected]


def test_later_ping_may_be_late_by_most_of_the_gap() -> None:
    # The open and ping 1 show the floor; then ping 2 is 320 ms late: more than half the
    # 500 ms gap, still read as 2000 because, against the schedule, lateness only adds.
    intervals = [700, 2000, 1500]
    assert decode(arrivals(intervals, [50.0, 50.0, 370.0, 50.0])) == intervals


def test_latency_that_drops_a_little_is_no_mistake() -> None:
    # 20 beats at a steady latency, then the link gets 24 ms faster for good: the pings
    # now arrive below every sample so far, and not by a spike's worth.
    rng = random.Random(7)
    beats = random_intervals(rng, 30)
    assert decode(arrivals(beats, [60.0] * 21 + [36.0] * 10)) == beats


def test_in_order_hold_back_after_a_spike() -> None:
    # Ping 1 (3000) is held up 1200 ms; ping 2, sent 700 ms after it, arrives right behind
    # it (TCP keeps order), i.e. 500 ms late itself; ping 3 arrives normally.
    intervals = [3000, 700, 700, 1500, 2500]
    times = arrivals(intervals, [20.0, 1200.0, 20.0, 20.0, 20.0, 20.0])
    assert times[2] == pytest.approx(times[1], abs=1e-5)  # held back
    assert decode(times) == intervals


@pytest.mark.parametrize("position", [3, 5, 12])
def test_a_spike_is_not_taken_for_the_next_interval(position: int) -> None:
    # Steady latency, then a 400 ms spike on a 2500 ms beat: it arrives 100 ms short of
    # 3000 but far above every sample so far. Accepting anything within gap/n below the
    # lowest sample (right for exponential jitter) would answer 3000 at beat 3 (n = 4).
    rng = random.Random(position)
    beats = random_intervals(rng, 15)
    beats[position - 1] = 2500
    delays = [30.0 + rng.uniform(0, 8) for _ in range(16)]
    delays[position] += 400
    assert decode(arrivals(beats, delays)) == beats


def test_accumulating_timer_lateness_is_followed() -> None:
    # The server's timer fires 10 ms late every beat and the lateness carries on: after
    # 60 beats its schedule is 600 ms behind, more than a gap.
    rng = random.Random(4)
    intervals = random_intervals(rng, 60)
    delays = [rng.uniform(0, 20) for _ in range(61)]
    times = arrivals(intervals, delays, late_ms=[10.0] * 60)
    decoder = IntervalDecoder()
    assert decode(times, decoder) == intervals
    # It followed the drift (600 ms in all), lagging by at most its window (24 beats).
    assert decoder.offset_ms is not None
    assert 600 - 24 * 10 - 20 <= decoder.offset_ms <= 600 + 20
    # Without the window (the lowest sample ever), the drift is eventually taken for jitter.
    assert first_mistake(intervals, decode(times, IntervalDecoder(window=10_000))) is not None


def test_custom_intervals() -> None:
    intervals = (100, 250, 400)
    rng = random.Random(5)
    beats = [rng.choice(intervals) for _ in range(30)]
    delays = [rng.uniform(0, 3) for _ in range(31)]
    assert decode(arrivals(beats, delays), IntervalDecoder(intervals=intervals)) == beats


def test_a_single_interval_is_always_the_answer() -> None:
    assert decode(arrivals([900, 900], [0.0, 500.0, 0.0]), IntervalDecoder(intervals=[900])) == [
        900,
        900,
    ]


def test_scaling_intervals_and_latency_together_changes_nothing() -> None:
    # A time-scaled server (intervals and delays x 0.1) is decoded exactly alike.
    rng = random.Random(6)
    profile = parse_profile("bursty:40,300,0.1")
    beats = random_intervals(rng, 40)
    delays = [profile.sample(rng) * 1000 for _ in range(41)]
    answers = decode(arrivals(beats, delays))
    scaled = IntervalDecoder(intervals=[i // 10 for i in DEFAULT_INTERVALS])
    scaled_answers = decode(arrivals([b // 10 for b in beats], [d / 10 for d in delays]), scaled)
    assert [a // 10 for a in answers] == scaled_answers


def test_beats_ahead_of_the_baseline_under_jitter() -> None:
    # Seeded, 300 conversations of 30 beats with exponential jitter of mean 50 ms.
    profile = parse_profile("exp:50")
    ours = nearest = 0
    for seed in range(300):
        rng = random.Random(seed)
        beats = random_intervals(rng, 30)
        times = arrivals(beats, [profile.sample(rng) * 1000 for _ in range(31)])
        ours += decode(times) == beats
        guesses = [nearest_interval((b - a) * 1000) for a, b in pairwise(times)]
        nearest += guesses == beats
    assert ours >= 290  # ~99% over the benchmark
    assert nearest <= 285  # ~91%


# -- misuse -------------------------------------------------------------------------------


def test_ping_before_open_is_an_error() -> None:
    with pytest.raises(RuntimeError, match=r"ping\(\) before open\(\)"):
        IntervalDecoder().ping(1.0)


def test_open_twice_is_an_error() -> None:
    decoder = IntervalDecoder()
    decoder.open(1.0)
    with pytest.raises(RuntimeError, match="new decoder"):
        decoder.open(2.0)


@pytest.mark.parametrize("t", [0.5, float("nan")])
def test_ping_earlier_than_the_previous_event_is_an_error(t: float) -> None:
    decoder = IntervalDecoder()
    decoder.open(1.0)
    with pytest.raises(ValueError, match="earlier than the previous"):
        decoder.ping(t)


def test_open_at_an_impossible_time_is_an_error() -> None:
    with pytest.raises(ValueError, match="finite"):
        IntervalDecoder().open(float("inf"))


def test_good_counts_confirmed_answers_and_refuses_extra_ones() -> None:
    decoder = IntervalDecoder()
    decoder.open(10.0)
    with pytest.raises(RuntimeError, match="without an unconfirmed answer"):
        decoder.good()
    decoder.ping(11.5)
    decoder.good()
    assert decoder.confirmed == 1
    with pytest.raises(RuntimeError, match="without an unconfirmed answer"):
        decoder.good()


@pytest.mark.parametrize("intervals", [[], [0, 700], [700, 700], [700.5, 1500]])
def test_bad_intervals_are_refused(intervals: list[int]) -> None:
    with pytest.raises(ValueError, match="intervals"):
        IntervalDecoder(intervals=intervals)


def test_progress_properties() -> None:
    decoder = IntervalDecoder()
    assert (decoder.beats, decoder.last_interval, decoder.last_lateness_ms) == (0, None, None)
    assert decoder.offset_ms is None
    decoder.open(100.0)
    assert decoder.ping(101.540) == 1500
    assert decoder.last_lateness_ms == pytest.approx(40.0)
    assert decoder.ping(104.000) == 2500  # 2500 ms after the 1500 ms beat was due
    assert decoder.last_lateness_ms == pytest.approx(0.0, abs=1e-6)  # on time: ping 1 was late
    assert decoder.intervals == DEFAULT_INTERVALS
    assert decoder.beats == 2


# -- properties ---------------------------------------------------------------------------
#
# What the decoder guarantees, whatever the intervals (u = a message's extra latency over
# the lowest of the conversation, the open's included):
#
# * The first ping is timed from the open, whose own delay is unknown: right whenever
#   |u_ping - u_open| < 250 ms, half the smallest gap (500 ms), the best any rule can do.
# * Later pings: always right while every u < 25 ms (the decoder's unconditional
#   tolerance, 1/20 of the smallest gap), even with the timer fired up to 8 ms late every
#   beat, accumulating. A bound this small is the price of not being fooled by spikes: a
#   ping further below the lowest sample than that is weighed against being a spike.
# * Lateness alone is harmless up to 2/3 of the gap: once the floor has been seen (the open
#   and ping 1 on time), later pings may each be up to 330 ms late, where rounding to the
#   nearest would allow 250 ms less the previous ping's lateness.

beats_strategy = st.lists(st.sampled_from(DEFAULT_INTERVALS), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), beats=beats_strategy)
def test_property_small_latency_and_late_timer_never_mislead(
    data: st.DataObject, beats: list[int]
) -> None:
    # Extremes mixed in: a steady latency that then drops is the hard case.
    delay = st.one_of(st.sampled_from([0.0, 24.9]), st.floats(min_value=0.0, max_value=24.9))
    delays = data.draw(st.lists(delay, min_size=len(beats) + 1, max_size=len(beats) + 1))
    late = data.draw(
        st.lists(st.floats(min_value=0.0, max_value=8.0), min_size=len(beats), max_size=len(beats))
    )
    assert decode(arrivals(beats, delays, late)) == beats


@settings(max_examples=200, deadline=None)
@given(
    first=st.sampled_from(DEFAULT_INTERVALS),
    handshake=st.floats(min_value=0.0, max_value=249.0),
    ping=st.floats(min_value=0.0, max_value=249.0),
    base=st.floats(min_value=0.0, max_value=500.0),
)
def test_property_first_ping_within_half_the_gap(
    first: int, handshake: float, ping: float, base: float
) -> None:
    assert decode(arrivals([first], [base + handshake, base + ping])) == [first]


@settings(max_examples=200, deadline=None)
@given(data=st.data(), beats=st.lists(st.sampled_from(DEFAULT_INTERVALS), min_size=2, max_size=24))
def test_property_lateness_only_adds(data: st.DataObject, beats: list[int]) -> None:
    late = st.floats(min_value=0.0, max_value=330.0)
    delays = [
        0.0,
        0.0,
        *data.draw(st.lists(late, min_size=len(beats) - 1, max_size=len(beats) - 1)),
    ]
    assert decode(arrivals(beats, delays)) == beats


@settings(max_examples=200, deadline=None)
@given(gaps=st.lists(st.floats(min_value=0.0, max_value=10.0), min_size=1, max_size=40))
def test_property_any_arrival_times_give_a_valid_answer(gaps: list[float]) -> None:
    decoder = IntervalDecoder()
    decoder.open(5.0)
    t = 5.0
    for gap in gaps:
        t += gap
        assert decoder.ping(t) in DEFAULT_INTERVALS
    assert decoder.beats == len(gaps)

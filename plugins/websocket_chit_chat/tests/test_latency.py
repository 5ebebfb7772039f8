"""Latency profiles: the spec parser, the samplers and in-order delivery."""

from __future__ import annotations

import random
import statistics
from itertools import pairwise

import pytest
from hackattic_websocket_chit_chat.latency import (
    SPEC_FORMS,
    Bursty,
    Exponential,
    InOrderDelivery,
    LatencyProfile,
    LogNormal,
    NoJitter,
    Pareto,
    in_order_arrivals,
    parse_profile,
)

# -- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("none", LatencyProfile(NoJitter())),
        ("exp:50", LatencyProfile(Exponential(50))),
        ("pareto:20,1.5", LatencyProfile(Pareto(20, 1.5))),
        ("lognormal:40,0.8", LatencyProfile(LogNormal(40, 0.8))),
        ("bursty:20,400,0.05", LatencyProfile(Bursty(20, 400, 0.05))),
        ("exp:50+base:150", LatencyProfile(Exponential(50), base_ms=150)),
        ("base:150+exp:50", LatencyProfile(Exponential(50), base_ms=150)),
        ("base:150", LatencyProfile(NoJitter(), base_ms=150)),
        ("none+base:0", LatencyProfile(NoJitter())),
        (" Exp: 50 + BASE: 150 ", LatencyProfile(Exponential(50), base_ms=150)),
    ],
)
def test_parse_accepts(spec: str, expected: LatencyProfile) -> None:
    assert parse_profile(spec) == expected


@pytest.mark.parametrize(
    "spec",
    [
        *("none", "exp:50", "pareto:20,1.5", "lognormal:40,0.8", "bursty:20,400,0.05"),
        *("base:150", "exp:12.5+base:150", "bursty:20,400,0.05+base:75"),
    ],
)
def test_spec_round_trips(spec: str) -> None:
    profile = parse_profile(spec)
    assert profile.spec == spec
    assert str(profile) == spec
    assert parse_profile(profile.spec) == profile


@pytest.mark.parametrize(
    ("spec", "names"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("gauss:50", "'gauss:50'"),
        ("exp", "'exp' needs MEAN"),
        ("exp:", "'exp:' needs MEAN"),
        ("exp:fifty", "'fifty' is not a number"),
        ("exp:50,2", "'exp:50,2' needs MEAN"),
        ("exp:-5", "mean must be >= 0"),
        ("exp:inf", "not a finite number"),
        ("exp:nan", "not a finite number"),
        ("none:3", "'none:3' needs no parameters"),
        ("pareto:20", "'pareto:20' needs SCALE,SHAPE"),
        ("pareto:20,0", "shape must be > 0"),
        ("lognormal:40,-1", "sigma must be >= 0"),
        ("bursty:20,400", "needs JITTER,SPIKE,PROB"),
        ("bursty:20,400,1.5", "probability must be in [0, 1]"),
        ("exp:50+pareto:20,1.5", "more than one jitter"),
        ("exp:50+base:1+base:2", "base twice"),
        ("exp:50+base:-1", "base must be >= 0"),
        ("exp:50+", "''"),
        ("exp:50+base", "'base' needs MS"),
    ],
)
def test_parse_rejects_naming_the_bad_part(spec: str, names: str) -> None:
    with pytest.raises(ValueError, match="latency spec") as caught:
        parse_profile(spec)
    assert names in str(caught.value)


def test_parse_errors_list_the_accepted_forms() -> None:
    with pytest.raises(ValueError, match="accepted: ") as caught:
        parse_profile("uniform:1,2")
    assert SPEC_FORMS in str(caught.value)
    for form in ("none", "exp:MEAN", "pareto:SCALE,SHAPE", "lognormal:MEDIAN,SIGMA", "+base:MS"):
        assert form in SPEC_FORMS


@pytest.mark.parametrize(
    "make",
    [
        lambda: Exponential(-1),
        lambda: Pareto(10, -1),
        lambda: LogNormal(-3, 1),
        lambda: Bursty(1, 2, 2),
        lambda: LatencyProfile(base_ms=float("nan")),
    ],
)
def test_constructors_validate(make: object) -> None:
    assert callable(make)
    with pytest.raises(ValueError, match="must be"):
        make()


# -- sampling -----------------------------------------------------------------------------

ALL_SPECS = [
    "none",
    "exp:50",
    "pareto:20,1.5",
    "pareto:20,0.8",
    "lognormal:40,0.8",
    "bursty:20,400,0.05",
    "exp:50+base:150",
    "base:150",
    "exp:0",
    "lognormal:0,1",
]


@pytest.mark.parametrize("spec", ALL_SPECS)
def test_samples_are_seconds_never_below_the_base(spec: str) -> None:
    profile = parse_profile(spec)
    samples = profile.samples(random.Random(1), 5000)
    assert len(samples) == 5000
    assert min(samples) >= profile.base_ms / 1000
    assert all(isinstance(s, float) for s in samples)


@pytest.mark.parametrize("spec", ALL_SPECS)
def test_samples_are_reproducible_with_a_seed(spec: str) -> None:
    profile = parse_profile(spec)
    first = profile.samples(random.Random(42), 200)
    assert profile.samples(random.Random(42), 200) == first
    if profile.spec not in {"none", "base:150", "exp:0", "lognormal:0,1"}:
        assert profile.samples(random.Random(43), 200) != first


def test_no_jitter_is_exactly_the_base() -> None:
    assert parse_profile("base:150").samples(random.Random(1), 3) == [0.15, 0.15, 0.15]
    assert parse_profile("none").sample(random.Random(1)) == 0.0


def test_distributions_have_their_documented_shape() -> None:
    rng = random.Random(7)
    n = 40_000
    exp = parse_profile("exp:50").samples(rng, n)
    assert statistics.fmean(exp) == pytest.approx(0.050, rel=0.05)
    pareto = parse_profile("pareto:20,1.5").samples(rng, n)
    assert statistics.median(pareto) == pytest.approx(0.020 * (2 ** (1 / 1.5) - 1), rel=0.05)
    tail = sum(s > 0.5 for s in pareto) / n
    assert tail == pytest.approx((1 + 500 / 20) ** -1.5, rel=0.2)  # heavy: ~0.75 %
    lognormal = parse_profile("lognormal:40,0.8").samples(rng, n)
    assert statistics.median(lognormal) == pytest.approx(0.040, rel=0.05)
    bursty = parse_profile("bursty:20,400,0.05").samples(rng, n)
    spikes = sum(s >= 0.4 for s in bursty) / n
    assert spikes == pytest.approx(0.05, rel=0.15)
    assert statistics.median(bursty) == pytest.approx(0.020 * 0.693, rel=0.1)
    based = parse_profile("exp:50+base:150").samples(rng, n)
    assert statistics.fmean(based) == pytest.approx(0.200, rel=0.03)


# -- in-order delivery --------------------------------------------------------------------


def test_in_order_arrivals_hold_back_what_is_behind_a_spike() -> None:
    sent = [0.0, 0.7, 1.4, 3.4]
    delays = [0.02, 1.5, 0.02, 0.02]  # the second message is held up 1.5 s
    arrivals = in_order_arrivals(sent, delays, epsilon=0.001)
    assert arrivals[0] == pytest.approx(0.02)
    assert arrivals[1] == pytest.approx(2.2)
    assert arrivals[2] == pytest.approx(2.201)  # would have been 1.42: held back
    assert arrivals[3] == pytest.approx(3.42)  # after the backlog: its own delay again


def test_in_order_arrivals_never_go_backwards() -> None:
    rng = random.Random(3)
    profile = parse_profile("bursty:20,900,0.2")
    sent = [i * 0.7 for i in range(500)]
    arrivals = in_order_arrivals(sent, profile.samples(rng, 500))
    assert all(b > a for a, b in pairwise(arrivals))
    assert all(a >= s for a, s in zip(arrivals, sent, strict=True))


def test_in_order_arrivals_check_their_input() -> None:
    with pytest.raises(ValueError, match="2 send times but 1 delays"):
        in_order_arrivals([0.0, 1.0], [0.1])
    with pytest.raises(ValueError, match="delay must be >= 0"):
        in_order_arrivals([0.0], [-0.1])
    assert in_order_arrivals([], []) == []


def test_in_order_delivery_is_stateful_for_a_live_server() -> None:
    delivery = InOrderDelivery(epsilon=0.0)
    assert delivery.last is None
    assert delivery.arrival(10.0, 0.5) == 10.5
    assert delivery.arrival(10.2, 0.1) == 10.5  # behind the first: same instant (epsilon 0)
    assert delivery.arrival(11.0, 0.1) == pytest.approx(11.1)
    assert delivery.last == pytest.approx(11.1)
    with pytest.raises(ValueError, match="epsilon"):
        InOrderDelivery(epsilon=-1)

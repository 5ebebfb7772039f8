"""One-way latency profiles: pure samplers of a message's delay, and in-order delivery.

Used by the decoder's tests and benchmark to simulate conversations, and by the sandbox to
inject real delays. Every sampler draws from a ``random.Random`` it is given (seed it for
reproducible runs) and returns **seconds**; parameters are in milliseconds because that is
how people think about network jitter.

A profile is a jitter distribution plus a constant base latency::

    profile = parse_profile("exp:50+base:150")
    delay = profile.sample(rng)            # seconds, always >= 0.150

Spec strings (``parse_profile``), milliseconds throughout:

=========================  ====================================================================
``none``                   no jitter
``exp:MEAN``               exponential jitter of mean ``MEAN``
``pareto:SCALE,SHAPE``     heavy-tailed Pareto (Lomax, floor 0): P(X > x) = (1 + x/SCALE)^-SHAPE
``lognormal:MEDIAN,SIGMA`` log-normal jitter of median ``MEDIAN``, log-space deviation ``SIGMA``
``bursty:JIT,SPIKE,P``     exponential jitter of mean ``JIT``; with probability ``P`` a message
                           is also held ``SPIKE`` ms more (a stall, a retransmission)
``base:MS``                a constant latency ``MS`` with no jitter
=========================  ====================================================================

Any jitter form takes an optional ``+base:MS`` (``exp:50+base:150``); whitespace is ignored.

A real connection (TCP) delivers in order, so a message delayed by a spike holds back the
ones sent after it: ``InOrderDelivery`` and ``in_order_arrivals`` turn send times and sampled
delays into arrival times that never go backwards.
"""

from __future__ import annotations

import math
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "SPEC_FORMS",
    "Bursty",
    "Exponential",
    "InOrderDelivery",
    "Jitter",
    "LatencyProfile",
    "LogNormal",
    "NoJitter",
    "Pareto",
    "in_order_arrivals",
    "parse_profile",
]

SPEC_FORMS = (
    "none, exp:MEAN, pareto:SCALE,SHAPE, lognormal:MEDIAN,SIGMA, bursty:JITTER,SPIKE,PROB "
    "or base:MS, each optionally followed by +base:MS (all times in ms)"
)
"""The accepted spec forms, as quoted in parse errors."""

_MS = 1e-3


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


def _finite(value: float) -> bool:
    return math.isfinite(value)


class Jitter(ABC):
    """A distribution of extra one-way delay, never negative."""

    @abstractmethod
    def sample(self, rng: random.Random) -> float:
        """One delay in seconds (>= 0), drawn from ``rng``."""

    @property
    @abstractmethod
    def spec(self) -> str:
        """The spec string that ``parse_profile`` turns back into this jitter."""


@dataclass(frozen=True)
class NoJitter(Jitter):
    """No jitter at all: every message takes exactly the base latency."""

    def sample(self, rng: random.Random) -> float:
        """Always 0."""
        return 0.0

    @property
    def spec(self) -> str:
        """``none``."""
        return "none"


@dataclass(frozen=True)
class Exponential(Jitter):
    """Exponential jitter: mostly small, memoryless tail (mean ``mean_ms``)."""

    mean_ms: float

    def __post_init__(self) -> None:
        _check(
            _finite(self.mean_ms) and self.mean_ms >= 0,
            f"exp: mean must be >= 0 ms, got {self.mean_ms}",
        )

    def sample(self, rng: random.Random) -> float:
        """An exponential draw of mean ``mean_ms``, in seconds."""
        if self.mean_ms == 0:
            return 0.0
        return rng.expovariate(1.0 / self.mean_ms) * _MS

    @property
    def spec(self) -> str:
        """``exp:MEAN``."""
        return f"exp:{self.mean_ms:g}"


@dataclass(frozen=True)
class Pareto(Jitter):
    """Heavy-tailed jitter, Pareto type II (Lomax) so the floor is 0.

    P(X > x) = (1 + x / scale_ms) ** -shape; the median is scale_ms * (2 ** (1/shape) - 1),
    the mean scale_ms / (shape - 1) when shape > 1 (infinite otherwise).
    """

    scale_ms: float
    shape: float

    def __post_init__(self) -> None:
        _check(
            _finite(self.scale_ms) and self.scale_ms >= 0,
            f"pareto: scale must be >= 0 ms, got {self.scale_ms}",
        )
        _check(
            _finite(self.shape) and self.shape > 0, f"pareto: shape must be > 0, got {self.shape}"
        )

    def sample(self, rng: random.Random) -> float:
        """A Lomax draw, in seconds."""
        return self.scale_ms * (rng.paretovariate(self.shape) - 1.0) * _MS

    @property
    def spec(self) -> str:
        """``pareto:SCALE,SHAPE``."""
        return f"pareto:{self.scale_ms:g},{self.shape:g}"


@dataclass(frozen=True)
class LogNormal(Jitter):
    """Log-normal jitter: median ``median_ms``, ``sigma`` the deviation of its logarithm."""

    median_ms: float
    sigma: float

    def __post_init__(self) -> None:
        _check(
            _finite(self.median_ms) and self.median_ms >= 0,
            f"lognormal: median must be >= 0 ms, got {self.median_ms}",
        )
        _check(
            _finite(self.sigma) and self.sigma >= 0,
            f"lognormal: sigma must be >= 0, got {self.sigma}",
        )

    def sample(self, rng: random.Random) -> float:
        """A log-normal draw, in seconds."""
        if self.median_ms == 0:
            return 0.0
        return rng.lognormvariate(math.log(self.median_ms), self.sigma) * _MS

    @property
    def spec(self) -> str:
        """``lognormal:MEDIAN,SIGMA``."""
        return f"lognormal:{self.median_ms:g},{self.sigma:g}"


@dataclass(frozen=True)
class Bursty(Jitter):
    """Usually small exponential jitter; now and then a spike (a stall, a retransmission).

    Each message independently gets ``spike_ms`` extra with probability ``probability``.
    With in-order delivery a spike longer than the gap to the next message holds it back.
    """

    jitter_ms: float
    spike_ms: float
    probability: float

    def __post_init__(self) -> None:
        _check(
            _finite(self.jitter_ms) and self.jitter_ms >= 0,
            f"bursty: jitter must be >= 0 ms, got {self.jitter_ms}",
        )
        _check(
            _finite(self.spike_ms) and self.spike_ms >= 0,
            f"bursty: spike must be >= 0 ms, got {self.spike_ms}",
        )
        _check(
            _finite(self.probability) and 0 <= self.probability <= 1,
            f"bursty: probability must be in [0, 1], got {self.probability}",
        )

    def sample(self, rng: random.Random) -> float:
        """Small jitter, plus a spike with probability ``probability``, in seconds."""
        # Draw both every time so the stream of random numbers does not depend on outcomes.
        small = rng.expovariate(1.0 / self.jitter_ms) if self.jitter_ms > 0 else 0.0
        spike = self.spike_ms if rng.random() < self.probability else 0.0
        return (small + spike) * _MS

    @property
    def spec(self) -> str:
        """``bursty:JITTER,SPIKE,PROB``."""
        return f"bursty:{self.jitter_ms:g},{self.spike_ms:g},{self.probability:g}"


@dataclass(frozen=True)
class LatencyProfile:
    """A one-way latency: a constant ``base_ms`` plus a ``jitter`` that only ever adds."""

    jitter: Jitter = field(default_factory=NoJitter)
    base_ms: float = 0.0

    def __post_init__(self) -> None:
        _check(
            _finite(self.base_ms) and self.base_ms >= 0, f"base must be >= 0 ms, got {self.base_ms}"
        )

    @property
    def base(self) -> float:
        """The base latency in seconds."""
        return self.base_ms * _MS

    def sample(self, rng: random.Random) -> float:
        """One message's delay in seconds: base plus jitter, never below the base."""
        return self.base + self.jitter.sample(rng)

    def samples(self, rng: random.Random, count: int) -> list[float]:
        """``count`` independent delays in seconds."""
        return [self.sample(rng) for _ in range(count)]

    @property
    def spec(self) -> str:
        """The spec string that ``parse_profile`` turns back into this profile."""
        if self.base_ms == 0:
            return self.jitter.spec
        if isinstance(self.jitter, NoJitter):
            return f"base:{self.base_ms:g}"
        return f"{self.jitter.spec}+base:{self.base_ms:g}"

    def __str__(self) -> str:
        return self.spec


# name -> (parameter names, constructor)
_FORMS: dict[str, tuple[tuple[str, ...], Callable[..., Jitter]]] = {
    "none": ((), NoJitter),
    "exp": (("MEAN",), Exponential),
    "pareto": (("SCALE", "SHAPE"), Pareto),
    "lognormal": (("MEDIAN", "SIGMA"), LogNormal),
    "bursty": (("JITTER", "SPIKE", "PROB"), Bursty),
}


def _numbers(part: str, text: str, names: Sequence[str]) -> list[float]:
    """The comma-separated numbers of one spec part, exactly as many as ``names``."""
    items = [item.strip() for item in text.split(",")] if text else []
    if len(items) != len(names):
        expected = ",".join(names) if names else "no parameters"
        raise ValueError(f"latency spec part {part!r} needs {expected}; accepted: {SPEC_FORMS}")
    values: list[float] = []
    for item in items:
        try:
            value = float(item)
        except ValueError:
            raise ValueError(
                f"latency spec part {part!r}: {item!r} is not a number; accepted: {SPEC_FORMS}"
            ) from None
        if not math.isfinite(value):
            raise ValueError(f"latency spec part {part!r}: {item!r} is not a finite number")
        values.append(value)
    return values


def parse_profile(spec: str) -> LatencyProfile:
    """Parse a spec such as ``exp:50+base:150`` (forms in the module docstring).

    Raises ``ValueError`` naming the offending part and listing the accepted forms.
    """
    text = "".join(spec.split()).lower()
    if not text:
        raise ValueError(f"empty latency spec; accepted: {SPEC_FORMS}")
    jitter: Jitter | None = None
    base_ms: float | None = None
    for part in text.split("+"):
        name, _, args = part.partition(":")
        if name == "base":
            if base_ms is not None:
                raise ValueError(f"latency spec {spec!r} gives base twice; accepted: {SPEC_FORMS}")
            (base_ms,) = _numbers(part, args, ("MS",))
            continue
        if name not in _FORMS:
            raise ValueError(f"unknown latency spec part {part!r}; accepted: {SPEC_FORMS}")
        if jitter is not None:
            raise ValueError(
                f"latency spec {spec!r} gives more than one jitter; accepted: {SPEC_FORMS}"
            )
        names, kind = _FORMS[name]
        values = _numbers(part, args, names)
        try:
            jitter = kind(*values)
        except ValueError as exc:
            raise ValueError(f"latency spec part {part!r}: {exc}") from None
    try:
        return LatencyProfile(jitter or NoJitter(), base_ms or 0.0)
    except ValueError as exc:
        raise ValueError(f"latency spec {spec!r}: {exc}") from None


class InOrderDelivery:
    """Arrival times of messages on one in-order connection (TCP holds back what is behind).

    Feed messages in sending order; each arrives ``delay`` after it was sent, but never
    before the previous one (plus ``epsilon``, so arrival order stays strict).
    """

    def __init__(self, epsilon: float = 1e-6) -> None:
        _check(epsilon >= 0, f"epsilon must be >= 0, got {epsilon}")
        self.epsilon = epsilon
        self.last: float | None = None
        """The arrival time of the previous message, if any."""

    def arrival(self, sent: float, delay: float) -> float:
        """When a message sent at ``sent`` with one-way ``delay`` arrives (seconds)."""
        _check(delay >= 0, f"delay must be >= 0 s, got {delay}")
        arrives = sent + delay
        if self.last is not None and arrives < self.last + self.epsilon:
            arrives = self.last + self.epsilon
        self.last = arrives
        return arrives


def in_order_arrivals(
    sent: Sequence[float], delays: Sequence[float], epsilon: float = 1e-6
) -> list[float]:
    """Arrival times for messages ``sent`` (in order) with sampled ``delays``, held in order."""
    _check(len(sent) == len(delays), f"{len(sent)} send times but {len(delays)} delays")
    delivery = InOrderDelivery(epsilon)
    return [delivery.arrival(s, d) for s, d in zip(sent, delays, strict=True)]

"""How often the chit-chat decoder gets a whole conversation right, under simulated latency.

No sockets: each conversation is drawn from a latency profile (beats, the server's send
times with its timer lateness, one-way delays for the open and every ping, in-order
delivery) and replayed, arrival time by arrival time, to four decoders:

* ``nearest``: the usual public solver, the interval nearest to the time since the
  previous arrival (the first ping timed from the open). Its error is the difference of
  two latencies, of either sign.
* ``ours``: ``IntervalDecoder``, which only sees the open and ping arrival times.
* ``oracle``: knows the true send times and the base latency, and answers the largest
  interval not above ``arrival - base - previous send``. No decoder can do better.
* ``exp_map``: the Bayes decision when jitter is exponential (of any scale) and the floor
  unknown: the largest interval not above the residual against the lowest sample so far,
  plus gap/n (the first ping: the nearest). On the exponential profiles this is the best a
  decoder that sees only arrival times can do, i.e. the ceiling for ``ours`` there.

A conversation counts when every answer is right (hackattic.com ends it at the first
mistake). ``closed`` is how much of the distance from ``nearest`` to ``oracle`` a decoder
covers. Run ``python -m bench.decoder_quality``: prints the table and writes
``bench/decoder_quality.png`` (``python -m bench`` runs it with the other benchmarks).
"""

from __future__ import annotations

import argparse
import math
import pathlib
import random
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hackattic_websocket_chit_chat.decoder import DEFAULT_INTERVALS, IntervalDecoder
from hackattic_websocket_chit_chat.latency import in_order_arrivals, parse_profile
from rich.console import Console
from rich.table import Table

TARGET_CLOSED = 0.80
"""On every profile, ours must cover this much of the distance from nearest to oracle."""
TARGET_MEAN_SHARE = 0.92
"""Ours must get this share of conversations right, averaged over the profiles."""
NOISE = 0.005
"""Where nearest and oracle are this close, ``closed`` is noise: being this close to the
oracle counts as meeting the target."""

DECODERS = ("nearest", "ours", "oracle", "exp_map")
LABELS = {"nearest": "nearest", "ours": "ours", "oracle": "oracle", "exp_map": "exp-MAP"}
LEGEND = {
    "nearest": "nearest from last arrival",
    "ours": "ours (IntervalDecoder)",
    "oracle": "oracle (knows send times, base)",
    "exp_map": "exp-MAP (best from arrivals, exp jitter)",
}
PLOT = pathlib.Path(__file__).parent / "decoder_quality.png"


@dataclass(frozen=True)
class Profile:
    """A simulated condition: a latency spec, rounds per conversation, timer lateness."""

    name: str
    spec: str
    rounds: int = 30
    timer_late_ms: float = 0.0

    @property
    def exp_mean_ms(self) -> float | None:
        """The mean of a plain exponential profile (for the plot), else None."""
        if self.spec.startswith("exp:") and "+" not in self.spec and not self.timer_late_ms:
            return float(self.spec.removeprefix("exp:"))
        return None


PROFILES: tuple[Profile, ...] = (
    Profile("exp:20", "exp:20"),
    Profile("exp:50", "exp:50"),
    Profile("exp:80", "exp:80"),
    Profile("exp:120", "exp:120"),
    Profile("exp:150", "exp:150"),
    Profile("pareto:20,1.5", "pareto:20,1.5"),
    Profile("lognormal:40,0.8", "lognormal:40,0.8"),
    Profile("bursty:20,400,0.05", "bursty:20,400,0.05"),
    Profile("exp:50+base:150", "exp:50+base:150"),
    Profile("exp:50 late<=8ms", "exp:50", rounds=60, timer_late_ms=8.0),
)


@dataclass(frozen=True)
class Conversation:
    """One simulated conversation: beats (ms), send times and arrivals (s), index 0 = open."""

    beats: list[int]
    sent: list[float]
    arrivals: list[float]
    base: float


def simulate(profile: Profile, rng: random.Random) -> Conversation:
    """Draw one conversation: the open's delay comes from the same profile as the pings'."""
    latency = parse_profile(profile.spec)
    beats = [rng.choice(DEFAULT_INTERVALS) for _ in range(profile.rounds)]
    sent = [0.0]
    for beat in beats:
        # The timer fires late by up to timer_late_ms, and the next beat counts from there.
        sent.append(sent[-1] + (beat + rng.uniform(0.0, profile.timer_late_ms)) / 1000)
    delays = latency.samples(rng, profile.rounds + 1)
    return Conversation(beats, sent, in_order_arrivals(sent, delays), latency.base)


# Each reference decoder returns its answers to a whole conversation.
Decoder = Callable[[Conversation], list[int]]


def _nearest(value: float) -> int:
    return min(DEFAULT_INTERVALS, key=lambda interval: abs(interval - value))


def _largest_not_above(value: float) -> int:
    i = bisect_right(DEFAULT_INTERVALS, value)
    return DEFAULT_INTERVALS[max(i - 1, 0)]


def decode_nearest(c: Conversation) -> list[int]:
    """Nearest interval to the time since the previous arrival."""
    r = c.arrivals
    return [_nearest((r[k] - r[k - 1]) * 1000) for k in range(1, len(r))]


def decode_oracle(c: Conversation) -> list[int]:
    """Largest interval not above the arrival less the base and the previous true send."""
    r, s = c.arrivals, c.sent
    return [_largest_not_above((r[k] - c.base - s[k - 1]) * 1000) for k in range(1, len(r))]


def decode_exp_map(c: Conversation) -> list[int]:
    """The Bayes rule for exponential jitter and an unknown floor (see module docstring)."""
    intervals = DEFAULT_INTERVALS
    schedule = c.arrivals[0] * 1000
    lowest = 0.0
    answers: list[int] = []
    for k, t in enumerate(c.arrivals[1:], start=1):
        arrival = t * 1000
        residual = arrival - schedule - lowest
        i = bisect_right(intervals, residual)
        if i == 0:
            answer = intervals[0]
        elif i == len(intervals):
            answer = intervals[-1]
        else:
            lower, upper = intervals[i - 1], intervals[i]
            tolerance = (upper - lower) / (2 if k == 1 else k + 1)
            answer = upper if upper - residual < tolerance else lower
        schedule += answer
        lowest = min(lowest, arrival - schedule)
        answers.append(answer)
    return answers


def decode_ours(c: Conversation) -> list[int]:
    """The project's decoder, driven exactly as the plugin drives it."""
    decoder = IntervalDecoder()
    decoder.open(c.arrivals[0])
    return [decoder.ping(t) for t in c.arrivals[1:]]


REFERENCES: dict[str, Decoder] = {
    "nearest": decode_nearest,
    "ours": decode_ours,
    "oracle": decode_oracle,
    "exp_map": decode_exp_map,
}


def _first_mistake(beats: Sequence[int], answers: Sequence[int]) -> int:
    """1-based index of the first wrong answer, 0 when all are right."""
    for k, (beat, answer) in enumerate(zip(beats, answers, strict=True), start=1):
        if beat != answer:
            return k
    return 0


def _closed(value: float, nearest: float, oracle: float) -> float | None:
    gap = oracle - nearest
    return None if gap < NOISE else (value - nearest) / gap


def _meets(value: float, nearest: float, oracle: float) -> bool:
    closed = _closed(value, nearest, oracle)
    return value >= oracle - NOISE if closed is None else closed >= TARGET_CLOSED


def run_profile(profile: Profile, conversations: int, seed: int) -> dict[str, Any]:
    """Shares of flawless conversations for every decoder on one profile."""
    flawless = dict.fromkeys(DECODERS, 0)
    lost_at_first = dict.fromkeys(DECODERS, 0)
    for i in range(conversations):
        # A string seed per conversation: every profile and decoder sees the same draws
        # whatever ran before, and the stream is stable across Python versions.
        conversation = simulate(profile, random.Random(f"{seed}/{profile.spec}/{i}"))
        for name, decode in REFERENCES.items():
            mistake = _first_mistake(conversation.beats, decode(conversation))
            flawless[name] += mistake == 0
            lost_at_first[name] += mistake == 1
    shares = {name: flawless[name] / conversations for name in DECODERS}
    nearest, oracle = shares["nearest"], shares["oracle"]
    return {
        "name": profile.name,
        "spec": profile.spec,
        "rounds": profile.rounds,
        "timer_late_ms": profile.timer_late_ms,
        "exp_mean_ms": profile.exp_mean_ms,
        "shares": shares,
        "lost_at_first_ping": {n: lost_at_first[n] / conversations for n in DECODERS},
        "closed": _closed(shares["ours"], nearest, oracle),
        "closed_exp_map": _closed(shares["exp_map"], nearest, oracle),
        "meets_closed": _meets(shares["ours"], nearest, oracle),
    }


def run(conversations: int = 2000, seed: int = 1) -> dict[str, Any]:
    """Every profile, ``conversations`` each, seeded: a JSON-serialisable result."""
    started = time.perf_counter()
    rows = [run_profile(profile, conversations, seed) for profile in PROFILES]
    mean_share = {n: math.fsum(r["shares"][n] for r in rows) / len(rows) for n in DECODERS}
    closed = [r["closed"] for r in rows if r["closed"] is not None]
    return {
        "conversations": conversations,
        "seed": seed,
        "intervals": list(DEFAULT_INTERVALS),
        "targets": {"closed": TARGET_CLOSED, "mean_share": TARGET_MEAN_SHARE},
        "profiles": rows,
        "mean_share": mean_share,
        "mean_closed": math.fsum(closed) / len(closed) if closed else None,
        "meets_closed_everywhere": all(r["meets_closed"] for r in rows),
        "profiles_missing_closed": [r["name"] for r in rows if not r["meets_closed"]],
        "meets_mean_share": mean_share["ours"] >= TARGET_MEAN_SHARE,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def table(results: dict[str, Any]) -> Table:
    """The results as a rich table: one row a profile, then the means and the targets."""
    out = Table(
        title=f"Chit-chat decoder: conversations without a mistake "
        f"({results['conversations']} per profile, seed {results['seed']})",
        caption=(
            f"nearest: nearest interval from the last arrival; oracle: knows send times and "
            f"base latency; exp-MAP: the best possible from arrival times alone on the "
            f"exponential profiles. closed = (ours - nearest) / (oracle - nearest), target >= "
            f"{TARGET_CLOSED:.0%} on every profile; mean share of ours, target >= "
            f"{TARGET_MEAN_SHARE:.0%}. Profiles: latency specs in ms, 'late' = the server's "
            f"timer fires up to 8 ms late each beat, accumulating. Ran in {results['seconds']} s."
        ),
    )
    out.add_column("profile")
    out.add_column("rounds", justify="right")
    for name in ("nearest", "ours", "oracle", "exp_map"):
        out.add_column(LABELS[name], justify="right")
    out.add_column("closed", justify="right")
    out.add_column("closed exp-MAP", justify="right")
    out.add_column("target", justify="center")
    for row in results["profiles"]:
        shares = row["shares"]
        out.add_row(
            row["name"],
            str(row["rounds"]),
            *(_percent(shares[n]) for n in ("nearest", "ours", "oracle", "exp_map")),
            _percent(row["closed"]),
            _percent(row["closed_exp_map"]),
            "[green]met[/]" if row["meets_closed"] else "[red]missed[/]",
        )
    mean = results["mean_share"]
    out.add_section()
    out.add_row(
        "mean",
        "",
        *(_percent(mean[n]) for n in ("nearest", "ours", "oracle", "exp_map")),
        _percent(results["mean_closed"]),
        "",
        "[green]met[/]" if results["meets_mean_share"] else "[red]missed[/]",
    )
    return out


def plot(results: dict[str, Any], path: pathlib.Path) -> None:
    """PNG: share vs exponential jitter mean, and the other profiles side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["profiles"]
    exp_rows = sorted((r for r in rows if r["exp_mean_ms"] is not None), key=_exp_mean)
    other = [r for r in rows if r["exp_mean_ms"] is None]
    styles = {"nearest": "o-", "ours": "s-", "oracle": "^-", "exp_map": "x--"}
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [1, 1.3]}
    )
    means = [r["exp_mean_ms"] for r in exp_rows]
    for name in DECODERS:
        left.plot(
            means, [100 * r["shares"][name] for r in exp_rows], styles[name], label=LEGEND[name]
        )
    left.set_xlabel("exponential jitter mean (ms)")
    left.set_ylabel(f"conversations without a mistake (%), {rows[0]['rounds']} rounds")
    left.set_ylim(0, 102)
    left.grid(alpha=0.3)
    left.legend(loc="lower left")
    left.set_title("Share vs jitter")
    width = 0.8 / len(DECODERS)
    for j, name in enumerate(DECODERS):
        positions = [i + (j - (len(DECODERS) - 1) / 2) * width for i in range(len(other))]
        right.bar(positions, [100 * r["shares"][name] for r in other], width, label=LEGEND[name])
    right.set_xticks(range(len(other)))
    right.set_xticklabels([r["name"].replace(":", "\n", 1) for r in other])
    right.set_ylim(0, 102)
    right.grid(alpha=0.3, axis="y")
    right.set_title("Other profiles")
    figure.suptitle(
        f"Chit-chat decoders, {results['conversations']} conversations per profile "
        f"(seed {results['seed']})"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _exp_mean(row: dict[str, Any]) -> float:
    return float(row["exp_mean_ms"])


def main(argv: Sequence[str] | None = None) -> None:
    """Print the table and write the plot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plot", type=pathlib.Path, default=PLOT)
    args = parser.parse_args(argv)
    results = run(args.conversations, args.seed)
    console = Console(width=max(Console().width, 110))
    console.print(table(results))
    plot(results, args.plot)
    console.print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()

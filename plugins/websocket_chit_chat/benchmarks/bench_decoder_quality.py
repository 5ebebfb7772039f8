"""How often the chit-chat decoder gets a whole conversation right, under simulated latency.

No sockets: each conversation is drawn from a latency profile (beats, the server's send
times with its timer lateness, one-way delays for the open and every ping, in-order
delivery, and on one profile the ``good!`` replies sharing the line with the pings) and
replayed, arrival time by arrival time, to four decoders:

* ``nearest``: the usual public solver, the interval nearest to the time since the
  previous arrival (the first ping timed from the open). Its error is the difference of
  two latencies, of either sign.
* ``ours``: ``IntervalDecoder``, which only sees the open and ping arrival times.
* ``oracle``: knows the true send times and the base latency, and answers the largest
  interval not above ``arrival - base - previous send``. No decoder can do better.
* ``ceiling``: the Bayes decision from arrival times alone, knowing the jitter's true
  distribution but not the base latency or the open's delay (``bayes_ceiling.py`` beside
  this file):
  the best any decoder that sees only arrival times can do. Not computed for a late timer
  (it would have to know the timer's lateness too) or with replies (a ping held back
  behind a good! makes the delays depend on each other).

A conversation counts when every answer is right (hackattic.com ends it at the first
mistake). ``closed`` is how much of the distance from ``nearest`` to ``oracle`` a decoder
covers (the issue's target), ``closed of reachable`` the same towards ``ceiling``.
``python -m bench --only decoder_quality`` runs it (as ``python -m bench`` does with the
others): prints the table and writes ``decoder_quality.png`` beside this file (a quick run:
``bench/out/decoder_quality-quick.png``). This file run as a script takes options.
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

import bayes_ceiling  # this benchmark's own helper, beside it
from hackattic_websocket_chit_chat.decoder import DEFAULT_INTERVALS, IntervalDecoder
from hackattic_websocket_chit_chat.latency import InOrderDelivery, in_order_arrivals, parse_profile
from rich.console import Console
from rich.table import Table

from bench.common import QUICK_DIR, REPO, markdown, target

TARGET_CLOSED = 0.80
"""On every profile, ours must cover this much of the distance from nearest to oracle."""
TARGET_MEAN_SHARE = 0.92
"""Ours must get this share of conversations right, averaged over the profiles."""
NOISE = 0.005
"""Where nearest and oracle are this close, ``closed`` is noise: being this close to the
oracle counts as meeting the target."""

DECODERS = ("nearest", "ours", "oracle", "ceiling")
LABELS = {"nearest": "nearest", "ours": "ours", "oracle": "oracle", "ceiling": "ceiling"}
LEGEND = {
    "nearest": "nearest from last arrival",
    "ours": "ours (IntervalDecoder)",
    "oracle": "oracle (knows send times, base)",
    "ceiling": "ceiling (Bayes from arrivals, knows the jitter)",
}
PLOT = pathlib.Path(__file__).parent / "decoder_quality.png"
QUICK_PLOT = QUICK_DIR / "decoder_quality-quick.png"
TITLE = "Decoder quality (websocket_chit_chat)"


@dataclass(frozen=True)
class Profile:
    """A simulated condition: a latency spec, rounds per conversation, timer lateness, and
    whether the server's ``good!`` replies share the line with the pings."""

    name: str
    spec: str
    rounds: int = 30
    timer_late_ms: float = 0.0
    timer_late_min_ms: float = 0.0
    """Each beat fires between ``timer_late_min_ms`` and ``timer_late_ms`` late."""
    replies: bool = False
    """Simulate each ``good!``: it leaves when the answer arrives (uplink delay from the same
    profile) and can hold the next ping back behind it, as on a real connection."""

    @property
    def exp_mean_ms(self) -> float | None:
        """The mean of a plain exponential profile (for the plot), else None."""
        plain = not self.timer_late_ms and not self.replies
        if self.spec.startswith("exp:") and "+" not in self.spec and plain:
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
    # The sandbox's default server: it sleeps for each interval, waking 0.5-2 ms late.
    Profile("exp:50 sandbox timer", "exp:50", timer_late_ms=2.0, timer_late_min_ms=0.5),
    # The same 400 ms spikes on a 300 ms round trip, with the good! replies on the line: a
    # spike on an answer or its good! holds the ping after a 700 ms beat back behind it.
    Profile("bursty:20,400,0.05+base:150 +good!", "bursty:20,400,0.05+base:150", replies=True),
)


@dataclass(frozen=True)
class Conversation:
    """One simulated conversation: beats (ms), send times and arrivals (s), index 0 = open."""

    beats: list[int]
    sent: list[float]
    arrivals: list[float]
    base: float
    held_back: int
    """Pings that arrived later than their own delay: held back behind an earlier message."""


def simulate(profile: Profile, rng: random.Random) -> Conversation:
    """Draw one conversation: the open's delay comes from the same profile as the pings'."""
    latency = parse_profile(profile.spec)
    beats = [rng.choice(DEFAULT_INTERVALS) for _ in range(profile.rounds)]
    sent = [0.0]
    for beat in beats:
        # The timer fires late (up to timer_late_ms), and the next beat counts from there.
        late = rng.uniform(profile.timer_late_min_ms, profile.timer_late_ms)
        sent.append(sent[-1] + (beat + late) / 1000)
    delays = latency.samples(rng, profile.rounds + 1)
    if profile.replies:
        arrivals = arrivals_with_replies(sent, delays, latency.samples(rng, 2 * profile.rounds))
    else:
        arrivals = in_order_arrivals(sent, delays)
    held_back = sum(a > s + d + 1e-9 for a, s, d in zip(arrivals, sent, delays, strict=True))
    return Conversation(beats, sent, arrivals, latency.base, held_back)


def arrivals_with_replies(
    sent: Sequence[float], delays: Sequence[float], more: Sequence[float]
) -> list[float]:
    """Arrivals of the open and the pings when a good! follows each ping on the same line:
    it leaves the server when the answer arrives (``more``: uplink and downlink delays)."""
    line = InOrderDelivery()
    arrivals = [line.arrival(sent[0], delays[0])]
    reply: tuple[float, float] | None = None  # the good! not on the line yet: (sent, delay)
    for k in range(1, len(sent)):
        if reply is not None and reply[0] <= sent[k]:
            line.arrival(*reply)
            reply = None
        arrivals.append(line.arrival(sent[k], delays[k]))
        if reply is not None:  # the answer came after the next ping left (a missed beat)
            line.arrival(*reply)
        reply = (arrivals[-1] + more[2 * k - 2], more[2 * k - 1])
    return arrivals


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


def decode_ours(c: Conversation) -> list[int]:
    """The project's decoder, driven exactly as the plugin drives it."""
    decoder = IntervalDecoder()
    decoder.open(c.arrivals[0])
    return [decoder.ping(t) for t in c.arrivals[1:]]


REFERENCES: dict[str, Decoder] = {
    "nearest": decode_nearest,
    "ours": decode_ours,
    "oracle": decode_oracle,
}
"""The decoders run one conversation at a time; the ceiling runs on all at once."""


def decode_ceiling(
    profile: Profile, conversations: Sequence[Conversation]
) -> list[list[int]] | None:
    """The Bayes ceiling's answers, or None where it is not defined: a late timer, or replies
    that hold pings back (delays that are no longer independent)."""
    if profile.timer_late_ms or profile.replies:
        return None
    jitter = parse_profile(profile.spec).jitter
    return bayes_ceiling.decode([c.arrivals for c in conversations], DEFAULT_INTERVALS, jitter)


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
    # A string seed per conversation: every profile and decoder sees the same draws
    # whatever ran before, and the stream is stable across Python versions.
    drawn = [
        simulate(profile, random.Random(f"{seed}/{profile.spec}/{i}")) for i in range(conversations)
    ]
    answers = {name: [decode(c) for c in drawn] for name, decode in REFERENCES.items()}
    ceiling = decode_ceiling(profile, drawn)
    if ceiling is not None:
        answers["ceiling"] = ceiling
    mistakes = {
        name: [_first_mistake(c.beats, a) for c, a in zip(drawn, given, strict=True)]
        for name, given in answers.items()
    }
    shares = {name: found.count(0) / conversations for name, found in mistakes.items()}
    ours, nearest, oracle = shares["ours"], shares["nearest"], shares["oracle"]
    reachable = shares.get("ceiling")
    return {
        "name": profile.name,
        "spec": profile.spec,
        "rounds": profile.rounds,
        "timer_late_ms": profile.timer_late_ms,
        "exp_mean_ms": profile.exp_mean_ms,
        "replies": profile.replies,
        "held_back_pings": math.fsum(c.held_back for c in drawn) / (conversations * profile.rounds),
        "shares": {name: shares.get(name) for name in DECODERS},
        "lost_at_first_ping": {
            name: mistakes[name].count(1) / conversations if name in mistakes else None
            for name in DECODERS
        },
        "closed": _closed(ours, nearest, oracle),
        "closed_of_reachable": None if reachable is None else _closed(ours, nearest, reachable),
        "ceiling_closed": None if reachable is None else _closed(reachable, nearest, oracle),
        "meets_closed": _meets(ours, nearest, oracle),
    }


def measure(conversations: int = 2000, seed: int = 1) -> dict[str, Any]:
    """Every profile, ``conversations`` each, seeded: a JSON-serialisable result."""
    started = time.perf_counter()
    rows = [run_profile(profile, conversations, seed) for profile in PROFILES]
    mean_share = {n: _mean([r["shares"][n] for r in rows]) for n in DECODERS}
    closed = [r["closed"] for r in rows if r["closed"] is not None]
    return {
        "conversations": conversations,
        "seed": seed,
        "intervals": list(DEFAULT_INTERVALS),
        "goals": {"closed": TARGET_CLOSED, "mean_share": TARGET_MEAN_SHARE},
        "profiles": rows,
        "mean_share": mean_share,
        "mean_closed": math.fsum(closed) / len(closed) if closed else None,
        "meets_closed_everywhere": all(r["meets_closed"] for r in rows),
        "profiles_missing_closed": [r["name"] for r in rows if not r["meets_closed"]],
        "meets_mean_share": (mean_share["ours"] or 0.0) >= TARGET_MEAN_SHARE,
        # Where even the ceiling misses the target, no decoder can meet it.
        "profiles_out_of_reach": [
            r["name"]
            for r in rows
            if r["ceiling_closed"] is not None and r["ceiling_closed"] < TARGET_CLOSED
        ],
        "seconds": round(time.perf_counter() - started, 2),
    }


def _mean(values: Sequence[float | None]) -> float | None:
    """The mean, or None unless every value is there."""
    known = [v for v in values if v is not None]
    return math.fsum(known) / len(known) if known and len(known) == len(values) else None


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def table(results: dict[str, Any]) -> Table:
    """The results as a rich table: one row a profile, then the means and the targets."""
    out = Table(
        title=f"Chit-chat decoder: conversations without a mistake "
        f"({results['conversations']} per profile, seed {results['seed']})",
        caption=(
            f"nearest: nearest interval from the last arrival; oracle: knows send times and "
            f"base latency; ceiling: Bayes from arrival times alone, knowing the jitter's "
            f"distribution (the best any decoder can do). closed = (ours - nearest) / (oracle - "
            f"nearest), target >= {TARGET_CLOSED:.0%} on every profile; of reachable: the same "
            f"towards the ceiling; ceiling closed: how much the ceiling itself closes. Mean "
            f"share of ours, target >= {TARGET_MEAN_SHARE:.0%}. Profiles: latency specs in ms, "
            f"'late' = the server's timer fires up to 8 ms late each beat, accumulating. Ran in "
            f"{results['seconds']} s."
        ),
    )
    out.add_column("profile")
    out.add_column("rounds", justify="right")
    for name in DECODERS:
        out.add_column(LABELS[name], justify="right")
    for column in ("closed", "of reachable", "ceiling closed", "target"):
        out.add_column(column, justify="center" if column == "target" else "right")
    for row in results["profiles"]:
        shares = row["shares"]
        out.add_row(
            row["name"],
            str(row["rounds"]),
            *(_percent(shares[n]) for n in DECODERS),
            _percent(row["closed"]),
            _percent(row["closed_of_reachable"]),
            _percent(row["ceiling_closed"]),
            "[green]met[/]" if row["meets_closed"] else "[red]missed[/]",
        )
    mean = results["mean_share"]
    out.add_section()
    out.add_row(
        "mean",
        "",
        *(_percent(mean[n]) for n in DECODERS),
        _percent(results["mean_closed"]),
        "",
        "",
        "[green]met[/]" if results["meets_mean_share"] else "[red]missed[/]",
    )
    return out


def _missing_closed(results: dict[str, Any]) -> str:
    """Where ours misses the closed target, and where no decoder could meet it."""
    if not results["profiles_missing_closed"]:
        return f"mean closed {100 * (results['mean_closed'] or 0):.1f}%"
    text = "missed on: " + ", ".join(results["profiles_missing_closed"])
    out_of_reach = results.get("profiles_out_of_reach") or []
    if out_of_reach:
        text += " (beyond the Bayes ceiling on: " + ", ".join(out_of_reach) + ")"
    return text


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    goals = results["goals"]
    return [
        target(
            "decoder quality",
            f"closed ≥ {goals['closed']:.0%} on every profile",
            _missing_closed(results),
            results["meets_closed_everywhere"],
        ),
        target(
            "decoder quality",
            f"mean share of ours ≥ {goals['mean_share']:.0%}",
            f"{100 * (results['mean_share']['ours'] or 0):.1f}% (the oracle itself: "
            f"{100 * (results['mean_share']['oracle'] or 0):.1f}%)",
            results["meets_mean_share"],
        ),
    ]


def run(quick: bool = False) -> dict[str, Any]:
    """The benchmark as ``python -m bench`` runs it, with its plot (quick: 200
    conversations a profile, the plot under ``bench/out/``)."""
    results = measure(conversations=200 if quick else 2000, seed=1)
    path = QUICK_PLOT if quick else PLOT
    plot(results, path)
    return {
        "title": TITLE,
        "markdown": markdown(table(results)) + f"\n\nplot: {path.relative_to(REPO)}",
        "targets": targets(results),
        "plot": str(path.relative_to(REPO)),
        **results,
    }


def plot(results: dict[str, Any], path: pathlib.Path) -> None:
    """PNG: share vs exponential jitter mean, and the other profiles side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["profiles"]
    exp_rows = sorted((r for r in rows if r["exp_mean_ms"] is not None), key=_exp_mean)
    other = [r for r in rows if r["exp_mean_ms"] is None]
    styles = {"nearest": "o-", "ours": "s-", "oracle": "^-", "ceiling": "x--"}
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [1, 1.3]}
    )
    means = [r["exp_mean_ms"] for r in exp_rows]
    for name in DECODERS:
        left.plot(
            means, [_plotted(r["shares"][name]) for r in exp_rows], styles[name], label=LEGEND[name]
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
        heights = [_plotted(r["shares"][name]) for r in other]
        right.bar(positions, heights, width, label=LEGEND[name])
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


def _plotted(share: float | None) -> float:
    """A share in percent; NaN (not drawn) where a decoder has none."""
    return math.nan if share is None else 100 * share


def _exp_mean(row: dict[str, Any]) -> float:
    return float(row["exp_mean_ms"])


def main(argv: Sequence[str] | None = None) -> None:
    """Print the table and write the plot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plot", type=pathlib.Path, default=PLOT)
    args = parser.parse_args(argv)
    results = measure(args.conversations, args.seed)
    console = Console(width=max(Console().width, 110))
    console.print(table(results))
    plot(results, args.plot)
    console.print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()

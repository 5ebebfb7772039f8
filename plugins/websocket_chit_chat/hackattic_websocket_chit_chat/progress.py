"""What a chit chat conversation shows while it runs: a live line and a summary.

The live line is updated after each answer has been sent (never before: the answer is the
hot path), at most once every ``min_interval`` seconds::

    beat 4: 2500 ms, +3.2 ms late, answered in 0.21 ms (3 good)

and the end of each attempt prints one permanent line::

    chit chat: secret after 10 beats on attempt 1; reaction mean 0.19 ms, max 0.42 ms
    chit chat: attempt 1 lost after 3 beats (missed beat); reaction mean 0.20 ms, max 0.30 ms
"""

from __future__ import annotations

from typing import Final

from hackattic_core.challenge import Progress

from .conversation import Beat, ConversationResult

MIN_UPDATE_INTERVAL: Final = 0.1
"""Seconds between two live-line updates (beats of a time-scaled sandbox come fast)."""


def beat_line(beat: Beat, result: ConversationResult) -> str:
    """The live line for ``beat``."""
    late = "" if beat.late_ms is None else f", {beat.late_ms:+.1f} ms late"
    return (
        f"beat {beat.index}: {beat.interval_ms} ms{late}, "
        f"answered in {beat.reaction_ms:.2f} ms ({result.good} good)"
    )


def summary_line(result: ConversationResult, attempt: int = 1) -> str:
    """The permanent line closing an attempt, won or lost."""
    beats = len(result.beats)
    if result.secret is not None:
        head = f"chit chat: secret after {beats} beat(s) on attempt {attempt}"
    else:
        why = result.loss.value if result.loss is not None else "no secret"
        head = f"chit chat: attempt {attempt} lost after {beats} beat(s) ({why})"
    parts = [head]
    mean, top = result.mean_reaction_ms, result.max_reaction_ms
    if mean is not None and top is not None:
        parts.append(f"reaction mean {mean:.2f} ms, max {top:.2f} ms")
    ignored = result.ignored_text + result.ignored_binary
    if ignored:
        parts.append(f"{ignored} unknown frame(s) ignored")
    return "; ".join(parts)


class ConversationProgress:
    """Feeds a :class:`Progress` from :func:`~.conversation.converse`'s callbacks."""

    def __init__(
        self, progress: Progress, *, attempt: int = 1, min_interval: float = MIN_UPDATE_INTERVAL
    ) -> None:
        self.progress = progress
        self.attempt = attempt
        self.min_interval = min_interval
        self._last_update: float | None = None

    def on_open(self, result: ConversationResult) -> None:
        """The handshake completed."""
        self.progress.update(f"attempt {self.attempt}: connected, counting from the open")

    def on_beat(self, beat: Beat, result: ConversationResult) -> None:
        """A ping was answered (called after the answer went out)."""
        last = self._last_update
        if last is not None and beat.arrival - last < self.min_interval:
            return
        self._last_update = beat.arrival
        self.progress.update(beat_line(beat, result))

    def finish(self, result: ConversationResult) -> None:
        """The attempt ended, with or without the secret."""
        self.progress.done(summary_line(result, self.attempt))

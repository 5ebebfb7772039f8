"""What a chit chat conversation shows while it runs: progress and a summary.

Progress is reported after each answer has been sent (never before: the answer is the hot
path), as a description and the count of beats answered; the core draws and throttles it::

    beat 4: 2500 ms, +3.2 ms late, answered in 0.21 ms          3

and the end of each attempt prints one permanent line::

    chit chat: secret after 10 beats on attempt 1; reaction mean 0.19 ms, max 0.42 ms
    chit chat: attempt 1 lost after 3 beats (missed beat); reaction mean 0.20 ms, max 0.30 ms
"""

from __future__ import annotations

from hackattic_core import Progress

from .conversation import Beat, ConversationResult


def beat_line(beat: Beat, result: ConversationResult) -> str:
    """The progress description for ``beat``."""
    late = "" if beat.late_ms is None else f", {beat.late_ms:+.1f} ms late"
    return f"beat {beat.index}: {beat.interval_ms} ms{late}, answered in {beat.reaction_ms:.2f} ms"


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

    def __init__(self, progress: Progress, *, attempt: int = 1) -> None:
        self.progress = progress
        self.attempt = attempt

    def on_open(self, result: ConversationResult) -> None:
        """The handshake completed."""
        self.progress.update(f"attempt {self.attempt}: connected, counting from the open")

    def on_beat(self, beat: Beat, result: ConversationResult) -> None:
        """A ping was answered (called after the answer went out)."""
        self.progress.update(beat_line(beat, result), completed=beat.index)

    def finish(self, result: ConversationResult) -> None:
        """The attempt ended, with or without the secret."""
        self.progress.done(summary_line(result, self.attempt))

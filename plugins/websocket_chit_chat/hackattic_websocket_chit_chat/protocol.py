"""The chit-chat protocol's texts, shared by the client and the sandbox's emulation.

Exact texts are hackattic's own (see ``shared/hackattic-facts.md``); where only a part is
known, the client matches that part and the emulation makes up the rest.
"""

from __future__ import annotations

from typing import Final

WS_PATH: Final = "/_/ws/"
"""The WebSocket path before the one-time token."""

HELLO: Final = (
    "hello! start counting the time between the pings "
    "(start from the moment you opened this connection)"
)
HELLO_PREFIX: Final = "hello!"
PING: Final = "ping!"
GOOD: Final = "good!"
OUCH_PREFIX: Final = "ouch!"
MISSED_BEAT: Final = (
    "ouch! seems like you missed a beat... sorry, this conversation is over. closing socket."
)
MISSED_BEAT_PREFIX: Final = "ouch! seems like you missed a beat"
WRONG_ANSWER_PREFIX: Final = "ouch! no! that was a"
"""The only known part of hackattic's wrong-answer text."""
EXPIRED_MARKER: Final = "expired challenge token"
"""Hackattic's used-or-expired text is only known to contain this."""
CONGRATULATIONS: Final = 'congratulations! the solution to this challenge is "{secret}"'
CONGRATULATIONS_PREFIX: Final = "congratulations!"


# ----------------------------------------------------------------------------- the sandbox's
# What the emulation says beyond the known texts (made up where hackattic's are unknown).

WRONG_PREFIX: Final = WRONG_ANSWER_PREFIX
EXPIRED_TOKEN: Final = f"ouch! {EXPIRED_MARKER}. closing socket."
"""Made up around the known part ``expired challenge token``."""

GARBAGE_TEXT: Final = "psst... this is not a ping! (sandbox garbage frame)"
"""The ``garbage_frame`` fault's text: unknown, and a ping only to a careless matcher."""
BINARY_PAYLOAD: Final = b"ping!"
"""The ``binary_frame`` fault's payload: a ping's bytes, in a binary frame."""

CLOSE_NORMAL: Final = 1000
CLOSE_GOING_AWAY: Final = 1001
SHOWN_CHARS: Final = 40
"""How much of a client's text a message or a reason quotes."""


def shown(text: str) -> str:
    """A client's text as quoted back: one line, at most ``SHOWN_CHARS`` characters."""
    one_line = text.replace("\r", "\\r").replace("\n", "\\n")
    if len(one_line) > SHOWN_CHARS:
        return one_line[:SHOWN_CHARS] + "…"
    return one_line


def wrong_answer_text(interval_ms: int, text: str | None) -> str:
    """The ouch sent for a wrong answer (``text`` None: a binary frame)."""
    answer = "a binary frame" if text is None else shown(text)
    return f"{WRONG_PREFIX} {interval_ms}ms interval, not {answer}. closing socket."


def unasked_answer_text(text: str | None, last_interval_ms: int | None) -> str:
    """The ouch sent for a message while no ping awaits an answer."""
    answer = "a binary frame" if text is None else shown(text)
    if last_interval_ms is None:
        return f"{WRONG_PREFIX} message before any ping ({answer}). closing socket."
    return (
        f"{WRONG_PREFIX} {last_interval_ms}ms interval, already answered, "
        f"not another {answer}. closing socket."
    )

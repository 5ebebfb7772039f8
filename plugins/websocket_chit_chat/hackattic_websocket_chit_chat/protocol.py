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

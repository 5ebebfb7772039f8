"""The offline sandbox's stand-in for websocket_chit_chat: a conversation server with timers.

``GET /challenges/websocket_chit_chat/problem`` issues ``{"token": "<hex>"}``; the WebSocket
at ``/_/ws/<token>`` holds the conversation hackattic holds (exact texts in the shared facts):

- right after the handshake: :data:`HELLO`;
- each beat: :data:`PING`, when the conversation's beat clock says (:mod:`.schedule`: by
  default as a server that sleeps for each interval, a little late each time; exact with
  ``timer_late_ms=0``), intervals drawn from :data:`INTERVALS_MS`, every one multiplied by
  ``time_scale``;
- an answer equal to the last interval (in unscaled ms) before the next beat: :data:`GOOD`;
  another answer: ``ouch! no! that was a <ms>ms interval, not <answer>. closing socket.``;
  no answer by the next beat: :data:`MISSED_BEAT` instead of that ping; either way the
  socket then closes;
- after ``rounds`` correct answers: :data:`CONGRATULATIONS` with a six-word secret, then
  the socket closes (unless :attr:`ChitChatEmulation.close_after_secret` is off: whether
  hackattic closes is not known, so a client must handle both);
- a used or unknown token: :data:`EXPIRED_TOKEN`, then close.

Conditions (:class:`.conditions.ChitChatConditions`): ``rounds``, ``latency`` and
``timer_late_ms``; the time scale is the sandbox's. Latency (``latency``, see
:mod:`.latency`, scaled by the time scale) holds every message in both directions for a
sampled one-way delay, in order (:mod:`.connection`).

Faults (:data:`.conditions.FAULTS`): ``garbage_frame`` / ``binary_frame`` / ``huge_frame`` send
an unknown text frame, a binary frame or a 1 MiB text frame right after the first
``good!``; ``drop`` drops the first ``fault_count`` conversations' sockets (no close frame)
right after their first ``good!``; ``never_ping`` says hello and then nothing;
``expired_token`` answers the first ``fault_count`` problems' conversations with the
expired-token text.

Each conversation is a :class:`.connection.Connection` (timers and two tasks, so a
thousand concurrent conversations are cheap); what ``/_/stats`` reports is :mod:`.stats`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from hackattic_core import Emulation, EmulationEnv, Issued

from .conditions import FAULTS, ChitChatConditions
from .conditions import ChitChatFault as Fault
from .connection import Connection
from .latency import LatencyProfile, NoJitter, parse_profile
from .protocol import (
    BINARY_PAYLOAD,
    CLOSE_NORMAL,
    CONGRATULATIONS,
    EXPIRED_TOKEN,
    GARBAGE_TEXT,
    GOOD,
    HELLO,
    MISSED_BEAT,
    PING,
    WS_PATH,
    shown,
    unasked_answer_text,
    wrong_answer_text,
)
from .schedule import INTERVALS_MS, LATE_FLOOR
from .stats import OPEN, all_records, percentile, totals

__all__ = [
    "BINARY_PAYLOAD",
    "CONGRATULATIONS",
    "EXPIRED_TOKEN",
    "GARBAGE_TEXT",
    "GOOD",
    "HELLO",
    "INTERVALS_MS",
    "LATE_FLOOR",
    "MISSED_BEAT",
    "PING",
    "ChitChatEmulation",
    "percentile",
    "unasked_answer_text",
    "wrong_answer_text",
]

logger = logging.getLogger("hackattic.sandbox.websocket_chit_chat")

ROUTE: Final = WS_PATH + "{token}"
HUGE_FRAME_CHARS: Final = 1024 * 1024
"""The ``huge_frame`` fault's size: far beyond the 64 KiB a sane client accepts."""
TOKEN_BYTES: Final = 16
ACLOSE_WAIT_SECONDS: Final = 3.0


@dataclass(eq=False)
class Slot:
    """One issued problem: its token and what its conversation revealed."""

    number: int
    token: str = field(repr=False)
    seed: int
    expired: bool
    used: bool = False
    secret: str | None = field(default=None, repr=False)
    conversation: Connection | None = None


class ChitChatEmulation(Emulation[ChitChatConditions, Slot]):
    """Hackattic's chit chat conversation server, with latency, late timers and faults."""

    conditions_model = ChitChatConditions
    faults = FAULTS

    close_after_secret: bool = True
    """Close the socket right after the secret (set it on an instance to change one server)."""

    def __init__(self, env: EmulationEnv[ChitChatConditions]) -> None:
        super().__init__(env)
        profile = parse_profile(env.conditions.latency)
        no_latency = isinstance(profile.jitter, NoJitter) and profile.base_ms == 0
        self.latency: LatencyProfile | None = None if no_latency else profile
        self._slots: dict[str, Slot] = {}
        self._problems = 0
        self._conversations: list[Connection] = []
        self._open: set[Connection] = set()
        self._refused: Counter[str] = Counter()
        self._huge_text: str | None = None
        self.faults_injected: Counter[str] = Counter()

    def huge_text(self) -> str:
        """The ``huge_frame`` fault's text (built once)."""
        if self._huge_text is None:
            self._huge_text = "h" * HUGE_FRAME_CHARS
        return self._huge_text

    # ----------------------------------------------------------------- the Emulation API

    async def new_problem(self) -> Issued[Slot]:
        env = self.env
        number = self._problems
        self._problems += 1
        token = secrets.token_hex(TOKEN_BYTES)
        expired = env.has_fault(Fault.EXPIRED_TOKEN) and number < env.fault_count
        slot = Slot(number, token, seed=self.env.rng.getrandbits(64), expired=expired)
        self._slots[token] = slot
        return Issued(problem={"token": token}, state=slot)

    async def check(self, issued: Issued[Slot], solution: dict[str, Any]) -> str | None:
        slot = issued.state
        if not isinstance(slot, Slot):
            return "this problem was not issued by the chit chat emulation"
        if "secret" not in solution:
            return "missing field 'secret'"
        secret = solution["secret"]
        if not isinstance(secret, str):
            return f"secret must be a string, got {type(secret).__name__}"
        if slot.secret is None:
            return (
                f'secret "{shown(secret)}" cannot be right: this problem\'s conversation '
                f"never gave a secret ({self._situation(slot)})"
            )
        if secret != slot.secret:
            return f'secret "{shown(secret)}" is not the one this conversation gave'
        return None

    def routes(self) -> list[BaseRoute]:
        return [WebSocketRoute(ROUTE, self._endpoint, name="websocket_chit_chat")]

    def stats(self) -> dict[str, Any]:
        return {
            "issued": self._problems,
            "conversations": all_records(self._conversations),
            "totals": totals(self._conversations, len(self._open), self._refused),
            "faults_injected": dict(self.faults_injected),
        }

    async def stop(self) -> None:
        open_now = list(self._open)
        for conversation in open_now:
            conversation.abort()
        if open_now:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(ACLOSE_WAIT_SECONDS):
                    for conversation in open_now:
                        await conversation.ended.wait()

    # ----------------------------------------------------------------- conversations

    def _situation(self, slot: Slot) -> str:
        if slot.conversation is not None:
            conversation = slot.conversation
            if conversation.outcome == OPEN:
                return f"its conversation is still going, {conversation.correct} answer(s) in"
            return (
                f"its conversation ended: {conversation.outcome.replace('_', ' ')} "
                f"after {conversation.correct} correct answer(s)"
            )
        if slot.expired:
            return "its token was expired"
        return "nobody connected to /_/ws/<token>"

    async def _endpoint(self, websocket: WebSocket) -> None:
        token = str(websocket.path_params.get("token", ""))
        slot = self._slots.get(token)
        if slot is None or slot.used or slot.expired:
            await self._refuse(websocket, slot)
            return
        slot.used = True
        number = len(self._conversations)
        drop = self.env.has_fault(Fault.DROP) and number < self.env.fault_count
        conversation = Connection(self, websocket, slot, number, drop=drop)
        slot.conversation = conversation
        self._conversations.append(conversation)
        self._open.add(conversation)
        try:
            await conversation.run()
        finally:
            self._open.discard(conversation)

    async def _refuse(self, websocket: WebSocket, slot: Slot | None) -> None:
        """Answer a used, expired or unknown token: the expired-token text, then close."""
        if slot is None:
            self._refused["unknown"] += 1
        elif slot.used:
            self._refused["used"] += 1
        else:
            slot.used = True
            self._refused["expired"] += 1
            self.faults_injected[Fault.EXPIRED_TOKEN.value] += 1
        with contextlib.suppress(OSError, RuntimeError, WebSocketDisconnect):
            await websocket.accept()
            await websocket.send_text(EXPIRED_TOKEN)
            await websocket.close(CLOSE_NORMAL)

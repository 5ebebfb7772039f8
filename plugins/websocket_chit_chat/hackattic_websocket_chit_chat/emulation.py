"""The offline sandbox's stand-in for websocket_chit_chat: a conversation server with timers.

``GET /challenges/websocket_chit_chat/problem`` issues ``{"token": "<hex>"}``; the WebSocket
at ``/_/ws/<token>`` holds the conversation hackattic holds (exact texts in the shared facts):

- right after the handshake: :data:`HELLO`;
- each beat: :data:`PING`, as a server that sleeps for each interval sends it (intervals
  drawn from :data:`INTERVALS_MS`, every one multiplied by ``time_scale``): due an interval
  plus a timer lateness after the previous ping was really sent (the first after the open),
  the lateness drawn between a quarter of ``timer_late_ms`` and all of it (default 2 ms), so
  a gap on the wire is never shorter than its interval and the lateness carries on, as a
  real event loop's timer does. ``timer_late_ms=0`` gives an exact absolute schedule from
  the open instead;
- an answer equal to the last interval (in unscaled ms) before the next beat: :data:`GOOD`;
  another answer: ``ouch! no! that was a <ms>ms interval, not <answer>. closing socket.``;
  no answer by the next beat: :data:`MISSED_BEAT` instead of that ping; either way the
  socket then closes;
- after ``rounds`` correct answers: :data:`CONGRATULATIONS` with a six-word secret, then
  the socket closes (unless :attr:`ChitChatEmulation.close_after_secret` is off: whether
  hackattic closes is not known, so a client must handle both);
- a used or unknown token: :data:`EXPIRED_TOKEN`, then close.

Conditions (:class:`.conditions.ChitChatConditions`): ``rounds``, ``latency`` and
``timer_late_ms``; the time scale is the sandbox's.

Latency (``latency``, see :mod:`.latency`, scaled by the time scale): every
message in both directions is held for a sampled one-way delay, in order (a message never
overtakes the one before it). The handshake answer is held for the profile's base latency,
so that the client's open time lags the server's by the base as it would on a network.
Outgoing messages go through one sender per conversation with absolute due times; incoming
answers count as arriving at their receipt time plus a delay.

Faults (:data:`.conditions.FAULTS`): ``garbage_frame`` / ``binary_frame`` / ``huge_frame`` send
an unknown text frame, a binary frame or a 1 MiB text frame right after the first
``good!``; ``drop`` drops the first ``fault_count`` conversations' sockets (no close frame)
right after their first ``good!``; ``never_ping`` says hello and then nothing;
``expired_token`` answers the first ``fault_count`` problems' conversations with the
expired-token text.

Everything runs on timers (``loop.call_at``) and two tasks per conversation (the endpoint,
which is the sender, and a receiver), so a thousand concurrent conversations are cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import random
import secrets
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Final

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from hackattic_core import Emulation, EmulationEnv, Issued

from .conditions import FAULTS, ChitChatConditions
from .conditions import ChitChatFault as Fault
from .latency import InOrderDelivery, LatencyProfile, NoJitter, parse_profile
from .protocol import (
    CONGRATULATIONS,
    EXPIRED_MARKER,
    GOOD,
    HELLO,
    MISSED_BEAT,
    PING,
    WRONG_ANSWER_PREFIX,
    WS_PATH,
)
from .words import secret_phrase

logger = logging.getLogger("hackattic.sandbox.websocket_chit_chat")

SLUG: Final = "websocket_chit_chat"
ROUTE: Final = WS_PATH + "{token}"

INTERVALS_MS: Final = (700, 1500, 2000, 2500, 3000)
"""The beat intervals hackattic draws from, in ms."""
LATE_FLOOR: Final = 0.25
"""A late timer fires between this share of ``timer_late_ms`` and all of it late: never on
time, as an event loop's timer that wakes a sleeping server."""

WRONG_PREFIX: Final = WRONG_ANSWER_PREFIX
EXPIRED_TOKEN: Final = f"ouch! {EXPIRED_MARKER}. closing socket."
"""Made up around the known part ``expired challenge token``."""

GARBAGE_TEXT: Final = "psst... this is not a ping! (sandbox garbage frame)"
"""The ``garbage_frame`` fault's text: unknown, and a ping only to a careless matcher."""
BINARY_PAYLOAD: Final = b"ping!"
"""The ``binary_frame`` fault's payload: a ping's bytes, in a binary frame."""
HUGE_FRAME_CHARS: Final = 1024 * 1024
"""The ``huge_frame`` fault's size: far beyond the 64 KiB a sane client accepts."""

TOKEN_BYTES: Final = 16
CLOSE_NORMAL: Final = 1000
CLOSE_GOING_AWAY: Final = 1001
ACLOSE_WAIT_SECONDS: Final = 3.0
SHOWN_CHARS: Final = 40
"""How much of a client's text a message or a reason quotes."""

# Conversation outcomes.
OPEN: Final = "open"
PASSED: Final = "passed"
MISSED: Final = "missed_beat"
WRONG: Final = "wrong_answer"
DROPPED: Final = "dropped"
CLIENT_CLOSED: Final = "client_closed"
ABORTED: Final = "aborted"


def _shown(text: str) -> str:
    """A client's text as quoted back: one line, at most ``SHOWN_CHARS`` characters."""
    one_line = text.replace("\r", "\\r").replace("\n", "\\n")
    if len(one_line) > SHOWN_CHARS:
        return one_line[:SHOWN_CHARS] + "…"
    return one_line


def wrong_answer_text(interval_ms: int, text: str | None) -> str:
    """The ouch sent for a wrong answer (``text`` None: a binary frame)."""
    answer = "a binary frame" if text is None else _shown(text)
    return f"{WRONG_PREFIX} {interval_ms}ms interval, not {answer}. closing socket."


def unasked_answer_text(text: str | None, last_interval_ms: int | None) -> str:
    """The ouch sent for a message while no ping awaits an answer."""
    answer = "a binary frame" if text is None else _shown(text)
    if last_interval_ms is None:
        return f"{WRONG_PREFIX} message before any ping ({answer}). closing socket."
    return (
        f"{WRONG_PREFIX} {last_interval_ms}ms interval, already answered, "
        f"not another {answer}. closing socket."
    )


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _spread(values: list[float]) -> dict[str, float | None]:
    """min, p50 and max of ``values`` (ms, rounded); None each when there are none."""
    p50 = percentile(values, 0.50)
    return {
        "min": None if not values else round(min(values), 3),
        "p50": None if p50 is None else round(p50, 3),
        "max": None if not values else round(max(values), 3),
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


@dataclass(slots=True, eq=False)
class PingRecord:
    """One beat of a conversation (times on the event loop's clock, seconds)."""

    index: int
    interval_ms: int
    """The interval this ping ends, unscaled: the answer it asks for."""
    scheduled: float
    """When the beat was due (including any injected timer lateness)."""
    fired: float
    """When the beat's timer actually fired (the ping's logical send time)."""
    injected_late_ms: float = 0.0
    """The timer lateness injected into this beat (unscaled ms)."""
    wire: float | None = None
    """When the ping's frame was handed to the socket (after any injected latency)."""
    answered: float | None = None
    """When the client's answer was received from the socket (before injected latency)."""

    def as_dict(self, opened: float) -> dict[str, Any]:
        reaction = None
        if self.answered is not None and self.wire is not None:
            reaction = self.answered - self.wire
        return {
            "index": self.index,
            "interval_ms": self.interval_ms,
            "scheduled_ms": _ms(self.scheduled - opened),
            "sent_ms": _ms(self.fired - opened),
            "schedule_error_ms": _ms(self.fired - self.scheduled),
            "injected_late_ms": round(self.injected_late_ms, 3),
            "wire_ms": _ms(None if self.wire is None else self.wire - opened),
            "reaction_ms": _ms(reaction),
        }


@dataclass(eq=False)
class _Slot:
    """One issued problem: its token and what its conversation revealed."""

    number: int
    token: str = field(repr=False)
    seed: int
    expired: bool
    used: bool = False
    secret: str | None = field(default=None, repr=False)
    conversation: _Conversation | None = None


@dataclass(frozen=True, slots=True)
class _Close:
    code: int


_DROP: Final = object()
"""Outbox marker: end the conversation without a close frame."""

_Outgoing = str | bytes | PingRecord | _Close | object


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _Conversation:
    """One WebSocket conversation: the beat timer, the sender and the receiver."""

    def __init__(
        self,
        emulation: ChitChatEmulation,
        websocket: WebSocket,
        slot: _Slot,
        number: int,
        *,
        drop: bool,
    ) -> None:
        env = emulation.env
        conditions: ChitChatConditions = env.conditions
        self.emulation = emulation
        self.websocket = websocket
        self.slot = slot
        self.number = number
        self.scale = env.time_scale
        self.rounds = conditions.rounds
        self.timer_late_ms = conditions.timer_late_ms
        self.close_after_secret = emulation.close_after_secret
        self.never_ping = env.has_fault(Fault.NEVER_PING)
        self.drop = drop
        self.mid_faults = [
            fault
            for fault in (Fault.GARBAGE_FRAME, Fault.BINARY_FRAME, Fault.HUGE_FRAME)
            if env.has_fault(fault)
        ]
        # Separate streams: the schedule does not depend on how many delays were drawn.
        self.rng = random.Random(f"{slot.seed}/schedule")
        self.latency: LatencyProfile | None = emulation.latency
        self.latency_rng = (
            random.Random(f"{slot.seed}/latency") if self.latency is not None else self.rng
        )
        self.outgoing = InOrderDelivery()
        self.incoming = InOrderDelivery()

        self.loop = asyncio.get_running_loop()
        self.ended = asyncio.Event()
        self.outbox: deque[tuple[float, _Outgoing]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.beat_handle: asyncio.TimerHandle | None = None

        self.opened = self.loop.time()
        self.closed_at: float | None = None
        self.outcome = OPEN
        self.finished = False
        """No more beats: the outcome is decided (the socket may still be open)."""
        self.gone = False
        """The socket is closed or the client left: nothing more is sent."""
        self.correct = 0
        self.pings: list[PingRecord] = []
        self.awaiting: PingRecord | None = None
        self.faults: list[str] = []
        self._nominal_ms = 0

    # ----------------------------------------------------------------- the whole life

    async def run(self) -> None:
        """Accept, converse until the end, and leave the socket closed or dropped."""
        loop = self.loop
        # The handshake answer travels too: the client opens a base latency after the server.
        handshake_delay = self.latency.base * self.scale if self.latency is not None else 0.0
        started = loop.time()
        try:
            if handshake_delay > 0:
                await asyncio.sleep(handshake_delay)
            await self.websocket.accept()
        except (OSError, RuntimeError, WebSocketDisconnect):
            self._finish(CLIENT_CLOSED)
            self.gone = True
            self.ended.set()
            return
        receiver = loop.create_task(self._receive_loop())
        try:
            if self.latency is None:
                # As a sleeping server: say hello, then count from there. The client saw the
                # open before the hello, so its first gap is never short of the interval.
                try:
                    await self.websocket.send_text(HELLO)
                except (OSError, RuntimeError, WebSocketDisconnect):
                    return  # the client left at once
                self.opened = loop.time()
            else:
                # The server opened a base latency before the client could see it.
                self.opened = started if handshake_delay > 0 else loop.time()
                self._send(HELLO)
            if self.never_ping:
                self._record_fault(Fault.NEVER_PING)
            else:
                self._schedule_beat()
            await self._send_loop()
        finally:
            self._finish(CLIENT_CLOSED)
            self.gone = True
            if self.closed_at is None:
                self.closed_at = loop.time()
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await receiver
            self.ended.set()

    def abort(self) -> None:
        """End the conversation now (the sandbox is stopping): close with 1001."""
        if self.gone:
            return
        self._finish(ABORTED)
        self.outbox.clear()
        self.outbox.append((self.loop.time(), _Close(CLOSE_GOING_AWAY)))
        self._poke()

    # ----------------------------------------------------------------- beats

    def _schedule_beat(self, previous_sent: float | None = None) -> None:
        """Set the timer of the next beat.

        With a timer lateness (the default), as a sleeping server does: the beat is due an
        interval plus a lateness after the previous ping was really sent (its frame written;
        with injected latency, when it left the server), the first after the hello, so no gap
        between two pings is ever shorter than its interval. With ``timer_late_ms=0``: an
        exact absolute schedule from the open.
        """
        interval = self.rng.choice(INTERVALS_MS)
        late = 0.0
        if self.timer_late_ms:
            late = self.rng.uniform(self.timer_late_ms * LATE_FLOOR, self.timer_late_ms)
            since = self.opened if previous_sent is None else previous_sent
            target = since + (interval + late) * self.scale / 1000
        else:
            self._nominal_ms += interval
            target = self.opened + self._nominal_ms * self.scale / 1000
        self.beat_handle = self.loop.call_at(target, self._beat, interval, target, late)

    def _beat(self, interval: int, target: float, late: float) -> None:
        self.beat_handle = None
        if self.finished:
            return
        if self.awaiting is not None:
            self._lose(MISSED, MISSED_BEAT)
            return
        ping = PingRecord(len(self.pings) + 1, interval, target, self.loop.time(), late)
        self.pings.append(ping)
        self.awaiting = ping
        self._send(ping)
        if self.latency is not None or not self.timer_late_ms:
            # With injected latency the ping is sent now and travels: count from now. (Without,
            # the sender counts from when the frame was really written: see _send_loop.)
            self._schedule_beat(ping.fired)

    # ----------------------------------------------------------------- answers

    def _on_message(self, text: str | None, received: float) -> None:
        """A client message takes effect (``text`` None: a binary frame)."""
        if self.finished:
            return
        ping = self.awaiting
        if ping is None:
            last = self.pings[-1].interval_ms if self.pings else None
            self._lose(WRONG, unasked_answer_text(text, last))
            return
        ping.answered = received
        if text is None or text.strip() != str(ping.interval_ms):
            self._lose(WRONG, wrong_answer_text(ping.interval_ms, text))
            return
        self.awaiting = None
        self.correct += 1
        self._send(GOOD)
        if self.correct == 1 and self._mid_conversation_faults():
            return
        if self.correct >= self.rounds:
            self._reveal()

    def _mid_conversation_faults(self) -> bool:
        """Inject the faults due right after the first ``good!``; True if dropped."""
        for fault in self.mid_faults:
            self._record_fault(fault)
            if fault is Fault.GARBAGE_FRAME:
                self._send(GARBAGE_TEXT)
            elif fault is Fault.BINARY_FRAME:
                self._send(BINARY_PAYLOAD)
            else:
                self._send(self.emulation.huge_text())
        if self.drop:
            self._record_fault(Fault.DROP)
            self._send(_DROP)
            self._finish(DROPPED)
            return True
        return False

    def _reveal(self) -> None:
        secret = secret_phrase(self.rng)
        self.slot.secret = secret
        self._send(CONGRATULATIONS.format(secret=secret))
        if self.close_after_secret:
            self._send(_Close(CLOSE_NORMAL))
        self._finish(PASSED)

    def _lose(self, outcome: str, text: str) -> None:
        self._send(text)
        self._send(_Close(CLOSE_NORMAL))
        self._finish(outcome)

    def _finish(self, outcome: str) -> None:
        if self.outcome == OPEN:
            self.outcome = outcome
        self.finished = True
        self.awaiting = None
        if self.beat_handle is not None:
            self.beat_handle.cancel()
            self.beat_handle = None

    def _record_fault(self, fault: Fault) -> None:
        self.faults.append(fault.value)
        self.emulation.faults_injected[fault.value] += 1

    # ----------------------------------------------------------------- sending

    def _send(self, item: _Outgoing) -> None:
        """Queue ``item`` to go out after its one-way latency, behind what is queued."""
        now = self.loop.time()
        if self.latency is None:
            due = now
        else:
            delay = self.latency.sample(self.latency_rng) * self.scale
            due = self.outgoing.arrival(now, delay)
        self.outbox.append((due, item))
        self._poke()

    def _poke(self) -> None:
        if self._waiter is not None:
            _wake(self._waiter)

    async def _wait(self, due: float | None) -> None:
        """Sleep until ``due`` (or forever), or until poked."""
        future: asyncio.Future[None] = self.loop.create_future()
        self._waiter = future
        handle = None if due is None else self.loop.call_at(due, _wake, future)
        try:
            await future
        finally:
            self._waiter = None
            if handle is not None:
                handle.cancel()

    async def _send_loop(self) -> None:
        """Send the outbox in order, each item at its due time, until closed or dropped."""
        loop = self.loop
        outbox = self.outbox
        websocket = self.websocket
        while not self.gone:
            if not outbox:
                await self._wait(None)
                continue
            due, item = outbox[0]
            if due > loop.time():
                await self._wait(due)
                continue
            outbox.popleft()
            try:
                if isinstance(item, PingRecord):
                    await websocket.send_text(PING)
                    item.wire = loop.time()
                    if self.latency is None and self.timer_late_ms and not self.finished:
                        self._schedule_beat(item.wire)
                elif isinstance(item, str):
                    await websocket.send_text(item)
                elif isinstance(item, bytes):
                    await websocket.send_bytes(item)
                elif isinstance(item, _Close):
                    self.closed_at = loop.time()
                    await websocket.close(item.code)
                    return
                else:  # _DROP: return without a close frame; the server drops the socket.
                    self.closed_at = loop.time()
                    return
            except (OSError, RuntimeError, WebSocketDisconnect):
                return

    # ----------------------------------------------------------------- receiving

    async def _receive_loop(self) -> None:
        loop = self.loop
        websocket = self.websocket
        try:
            while True:
                message = await websocket.receive()
                received = loop.time()
                if message["type"] == "websocket.disconnect":
                    break
                text: str | None = message.get("text")
                if self.latency is None:
                    self._on_message(text, received)
                else:
                    delay = self.latency.sample(self.latency_rng) * self.scale
                    arrives = self.incoming.arrival(received, delay)
                    loop.call_at(arrives, self._on_message, text, received)
        except (OSError, RuntimeError, WebSocketDisconnect):
            pass
        finally:
            self._finish(CLIENT_CLOSED)
            self.gone = True
            if self.closed_at is None:
                self.closed_at = loop.time()
            self._poke()

    # ----------------------------------------------------------------- stats

    def gaps_minus_intervals_ms(self) -> list[float]:
        """For each ping after the first: the time since the previous ping was sent, minus
        its interval (real ms, the interval scaled); negative means a gap came short."""

        def sent(ping: PingRecord) -> float:
            # Without injected latency a ping is sent when its frame is written.
            if self.latency is None and ping.wire is not None:
                return ping.wire
            return ping.fired

        return [
            (sent(ping) - sent(before)) * 1000 - ping.interval_ms * self.scale
            for before, ping in itertools.pairwise(self.pings)
        ]

    def as_dict(self) -> dict[str, Any]:
        opened = self.opened
        gaps = self.gaps_minus_intervals_ms()
        return {
            "problem": self.slot.number,
            "conversation": self.number,
            "outcome": self.outcome,
            "correct": self.correct,
            "faults": list(self.faults),
            "duration_ms": _ms(None if self.closed_at is None else self.closed_at - opened),
            "gap_minus_interval_ms": _spread(gaps),
            "pings": [ping.as_dict(opened) for ping in self.pings],
        }


class ChitChatEmulation(Emulation):
    """Hackattic's chit chat conversation server, with latency, late timers and faults."""

    slug = SLUG
    conditions_model = ChitChatConditions
    faults = FAULTS

    close_after_secret: bool = True
    """Close the socket right after the secret (set it on an instance to change one server)."""

    def __init__(self, env: EmulationEnv) -> None:
        super().__init__(env)
        profile = parse_profile(env.conditions.latency)
        no_latency = isinstance(profile.jitter, NoJitter) and profile.base_ms == 0
        self.latency: LatencyProfile | None = None if no_latency else profile
        self._slots: dict[str, _Slot] = {}
        self._problems = 0
        self._conversations: list[_Conversation] = []
        self._open: set[_Conversation] = set()
        self._refused: Counter[str] = Counter()
        self._huge_text: str | None = None
        self.faults_injected: Counter[str] = Counter()

    def huge_text(self) -> str:
        """The ``huge_frame`` fault's text (built once)."""
        if self._huge_text is None:
            self._huge_text = "h" * HUGE_FRAME_CHARS
        return self._huge_text

    # ----------------------------------------------------------------- the Emulation API

    async def new_problem(self) -> Issued:
        env = self.env
        number = self._problems
        self._problems += 1
        token = secrets.token_hex(TOKEN_BYTES)
        expired = env.has_fault(Fault.EXPIRED_TOKEN) and number < env.fault_count
        slot = _Slot(number, token, seed=self.env.rng.getrandbits(64), expired=expired)
        self._slots[token] = slot
        return Issued(problem={"token": token}, state=slot)

    async def check(self, issued: Issued, solution: dict[str, Any]) -> str | None:
        slot = issued.state
        if not isinstance(slot, _Slot):
            return "this problem was not issued by the chit chat emulation"
        if "secret" not in solution:
            return "missing field 'secret'"
        secret = solution["secret"]
        if not isinstance(secret, str):
            return f"secret must be a string, got {type(secret).__name__}"
        if slot.secret is None:
            return (
                f'secret "{_shown(secret)}" cannot be right: this problem\'s conversation '
                f"never gave a secret ({self._situation(slot)})"
            )
        if secret != slot.secret:
            return f'secret "{_shown(secret)}" is not the one this conversation gave'
        return None

    def routes(self) -> list[BaseRoute]:
        return [WebSocketRoute(ROUTE, self._endpoint, name="websocket_chit_chat")]

    def stats(self) -> dict[str, Any]:
        conversations = [conversation.as_dict() for conversation in self._conversations]
        outcomes = Counter(conversation.outcome for conversation in self._conversations)
        reactions: list[float] = []
        schedule_errors: list[float] = []
        gaps: list[float] = []
        pings = 0
        for conversation in self._conversations:
            gaps.extend(conversation.gaps_minus_intervals_ms())
            for ping in conversation.pings:
                pings += 1
                schedule_errors.append((ping.fired - ping.scheduled) * 1000)
                if ping.answered is not None and ping.wire is not None:
                    reactions.append((ping.answered - ping.wire) * 1000)

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        return {
            "issued": self._problems,
            "conversations": conversations,
            "totals": {
                "conversations": len(self._conversations),
                "open": len(self._open),
                "passed": outcomes[PASSED],
                "missed_beats": outcomes[MISSED],
                "wrong_answers": outcomes[WRONG],
                "dropped": outcomes[DROPPED],
                "client_closed": outcomes[CLIENT_CLOSED],
                "aborted": outcomes[ABORTED],
                "refused": {
                    "expired": self._refused["expired"],
                    "used": self._refused["used"],
                    "unknown": self._refused["unknown"],
                },
                "pings": pings,
                "reaction_p50_ms": rounded(percentile(reactions, 0.50)),
                "reaction_p99_ms": rounded(percentile(reactions, 0.99)),
                "reaction_max_ms": rounded(max(reactions, default=None)),
                "schedule_error_p99_ms": rounded(percentile(schedule_errors, 0.99)),
                "schedule_error_max_ms": rounded(max(schedule_errors, default=None)),
                "gap_minus_interval_ms": _spread(gaps),
            },
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

    def _situation(self, slot: _Slot) -> str:
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
        conversation = _Conversation(self, websocket, slot, number, drop=drop)
        slot.conversation = conversation
        self._conversations.append(conversation)
        self._open.add(conversation)
        try:
            await conversation.run()
        finally:
            self._open.discard(conversation)

    async def _refuse(self, websocket: WebSocket, slot: _Slot | None) -> None:
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

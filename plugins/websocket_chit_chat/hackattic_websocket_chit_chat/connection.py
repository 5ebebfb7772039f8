"""One WebSocket conversation of the chit chat emulation: the server's side of it.

A :class:`Connection` runs two tasks (its endpoint, which is the sender, and a receiver)
and one timer at a time (the next beat, set by its :class:`~.schedule.BeatSchedule`).
Everything it sends goes through one outbox with absolute due times, so injected latency
(see :mod:`.latency`) delays each message in order; answers count as arriving at their
receipt time plus a delay. What it records (:class:`~.stats.PingRecord`) is reported by
:mod:`.stats`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from starlette.websockets import WebSocket, WebSocketDisconnect

from .conditions import ChitChatFault as Fault
from .latency import InOrderDelivery, LatencyProfile
from .protocol import (
    BINARY_PAYLOAD,
    CLOSE_GOING_AWAY,
    CLOSE_NORMAL,
    CONGRATULATIONS,
    GARBAGE_TEXT,
    GOOD,
    HELLO,
    MISSED_BEAT,
    PING,
    unasked_answer_text,
    wrong_answer_text,
)
from .schedule import BeatSchedule, make_schedule
from .stats import (
    ABORTED,
    CLIENT_CLOSED,
    DROPPED,
    MISSED,
    OPEN,
    PASSED,
    WRONG,
    PingRecord,
    gaps_minus_intervals_ms,
)
from .words import secret_phrase

if TYPE_CHECKING:
    from .emulation import ChitChatEmulation, Slot


@dataclass(frozen=True, slots=True)
class _Close:
    code: int


_DROP: Final = object()
"""Outbox marker: end the conversation without a close frame."""

_Outgoing = str | bytes | PingRecord | _Close | object

_GONE = (OSError, RuntimeError, WebSocketDisconnect)
"""What a socket raises once the client is gone."""


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Connection:
    """One WebSocket conversation: the beat timer, the sender and the receiver."""

    def __init__(
        self,
        emulation: ChitChatEmulation,
        websocket: WebSocket,
        slot: Slot,
        number: int,
        *,
        drop: bool,
    ) -> None:
        env = emulation.env
        self.emulation = emulation
        self.websocket = websocket
        self.slot = slot
        self.number = number
        self.scale = env.time_scale
        self.rounds = env.conditions.rounds
        self.timer_late_ms = env.conditions.timer_late_ms
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
        self.schedule: BeatSchedule | None = None
        """Set once the conversation opens (its first beat counts from then)."""

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
        self._accepting_since = self.opened
        self._handshake_delay = 0.0

    # ----------------------------------------------------------------- the whole life

    async def run(self) -> None:
        """Accept, converse until the end, and leave the socket closed or dropped."""
        if not await self._accept():
            return
        receiver = self.loop.create_task(self._receive_loop())
        try:
            if not await self._hello():
                return
            self.schedule = make_schedule(
                self.rng,
                self.scale,
                self.opened,
                timer_late_ms=self.timer_late_ms,
                injected_latency=self.latency is not None,
            )
            if self.never_ping:
                self._record_fault(Fault.NEVER_PING)
            else:
                self._schedule_beat()
            await self._send_loop()
        finally:
            self._finish(CLIENT_CLOSED)
            self._mark_gone()
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await receiver
            self.ended.set()

    async def _accept(self) -> bool:
        """Accept the handshake (held for the base latency, if any); False if it failed."""
        # The handshake answer travels too: the client opens a base latency after the server.
        handshake_delay = self.latency.base * self.scale if self.latency is not None else 0.0
        self._accepting_since = self.loop.time()
        try:
            if handshake_delay > 0:
                await asyncio.sleep(handshake_delay)
            await self.websocket.accept()
        except _GONE:
            self._finish(CLIENT_CLOSED)
            self.gone = True
            self.ended.set()
            return False
        self._handshake_delay = handshake_delay
        return True

    async def _hello(self) -> bool:
        """Say hello and set the open time the beats count from; False if the client left."""
        if self.latency is None:
            # As a sleeping server: say hello, then count from there. The client saw the
            # open before the hello, so its first gap is never short of the interval.
            try:
                await self.websocket.send_text(HELLO)
            except _GONE:
                return False  # the client left at once
            self.opened = self.loop.time()
        else:
            # The server opened a base latency before the client could see it.
            self.opened = self._accepting_since if self._handshake_delay > 0 else self.loop.time()
            self._send(HELLO)
        return True

    def _mark_gone(self) -> None:
        self.gone = True
        if self.closed_at is None:
            self.closed_at = self.loop.time()

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
        """Set the timer of the next beat (see :mod:`.schedule`)."""
        assert self.schedule is not None
        beat = self.schedule.next_beat(previous_sent)
        self.beat_handle = self.loop.call_at(
            beat.due, self._beat, beat.interval_ms, beat.due, beat.late_ms
        )

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
        assert self.schedule is not None
        if not self.schedule.from_wire:
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
        schedule = self.schedule
        assert schedule is not None
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
                    if schedule.from_wire and not self.finished:
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
            except _GONE:
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
        except _GONE:
            pass
        finally:
            self._finish(CLIENT_CLOSED)
            self._mark_gone()
            self._poke()

    # ----------------------------------------------------------------- stats

    def gaps_minus_intervals_ms(self) -> list[float]:
        """For each ping after the first: the time since the previous ping was sent, minus
        its interval (real ms, the interval scaled); negative means a gap came short."""
        return gaps_minus_intervals_ms(
            self.pings, self.scale, injected_latency=self.latency is not None
        )

"""The chit chat client: one conversation, from the handshake to the secret.

::

    result = await converse(ws_url(context.ws_base_url, problem.token))
    result.secret                    # 'muddy art winter recipe aged lab'

The open time is taken when the handshake completes, each ping's time the moment its frame
is received, and the answer (decoded by :class:`~.decoder.IntervalDecoder` against the
server's own schedule) goes out at once. Only an exact ``ping!`` text frame is a ping:
``hello!``, ``good!``, unknown texts and binary frames are counted and otherwise ignored.

The conversation is lost (:class:`ConversationLost`, an :class:`AttemptLost`: the runner
fetches a fresh problem, a used token is never reused) on an ``ouch!`` (missed beat, wrong
answer, expired token), a close or a dropped socket, a frame larger than ``max_size``,
no ping for longer than the longest interval plus ``silence_margin``, more than
``max_beats`` pings or more than ``max_seconds`` without the secret (a server that pings
for ever is not answered for ever); all times are multiplied by ``time_scale`` for a
time-scaled sandbox. The congratulations message ends it with the secret, whether or not
the server then closes. The handshake does not follow redirects: the URL carries the
one-time token, which goes nowhere but where the problem said.

The hot path (frame received → answer sent) does no I/O but the answer, no logging and no
formatting; per-ping records and the ``on_beat`` callback (progress) come after the send.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import quote, urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from hackattic_core import is_loopback_host

from .decoder import DEFAULT_INTERVALS, IntervalDecoder
from .protocol import (
    CONGRATULATIONS_PREFIX,
    EXPIRED_MARKER,
    GOOD,
    HELLO_PREFIX,
    MISSED_BEAT_PREFIX,
    OUCH_PREFIX,
    PING,
    WRONG_ANSWER_PREFIX,
    WS_PATH,
)
from .results import (
    Beat,
    BeatCallback,
    ConversationLost,
    ConversationResult,
    LossKind,
)

__all__ = [
    "CLOSE_TIMEOUT",
    "DEFAULT_MAX_BEATS",
    "DEFAULT_MAX_SECONDS",
    "DEFAULT_SILENCE_MARGIN",
    "MAX_FRAME_BYTES",
    "Beat",
    "ConversationLost",
    "ConversationResult",
    "LossKind",
    "classify_ouch",
    "converse",
    "extract_secret",
    "ws_url",
]

MAX_FRAME_BYTES: Final = 64 * 1024
"""Largest frame accepted: the protocol needs a few dozen bytes."""
DEFAULT_SILENCE_MARGIN: Final = 2.0
"""Seconds of silence tolerated beyond the longest interval before giving up."""
DEFAULT_MAX_BEATS: Final = 1000
"""Pings answered before giving up: the real service gives the secret after a few dozen."""
DEFAULT_MAX_SECONDS: Final = 3600.0
"""Longest conversation (times the time scale): the real one lasts a minute or two."""
OPEN_TIMEOUT: Final = 10.0
CLOSE_TIMEOUT: Final = 2.0
"""How long closing our side may wait for the server's close frame."""
CLOSE_MESSAGE_TOO_BIG: Final = 1009
SHOWN_CHARS: Final = 160
"""How much of a server text a loss reason quotes."""
UNKNOWN_KEPT: Final = 5
"""How many unknown texts the result keeps (for diagnostics)."""


def ws_url(ws_base_url: str, token: str) -> str:
    """The conversation's URL: ``<ws base>/_/ws/<token>`` (the token percent-encoded)."""
    return ws_base_url.rstrip("/") + WS_PATH + quote(token, safe="")


def _shown(text: str) -> str:
    one_line = text.replace("\r", "\\r").replace("\n", "\\n")
    if len(one_line) > SHOWN_CHARS:
        return one_line[:SHOWN_CHARS] + "…"
    return one_line


def classify_ouch(text: str) -> LossKind | None:
    """The loss a server text announces (an ``ouch!`` or an expired token), or None."""
    if EXPIRED_MARKER in text:
        return LossKind.EXPIRED_TOKEN
    if text.startswith(MISSED_BEAT_PREFIX):
        return LossKind.MISSED_BEAT
    if text.startswith(WRONG_ANSWER_PREFIX):
        return LossKind.WRONG_ANSWER
    if text.startswith(OUCH_PREFIX):
        return LossKind.OUCH
    return None


def extract_secret(text: str) -> str | None:
    """The secret of a congratulations text: what stands between its first and last quote."""
    first = text.find('"')
    last = text.rfind('"')
    if first < 0 or last <= first + 1:
        return None
    return text[first + 1 : last]


def _closed_reason(exc: ConnectionClosed, beats: int) -> tuple[LossKind, str]:
    where = f"after {beats} beat(s)"
    if exc.sent is not None and exc.sent.code == CLOSE_MESSAGE_TOO_BIG:
        return LossKind.OVERSIZED, f"the server sent a frame larger than we accept, {where}"
    if exc.rcvd is not None:
        code = exc.rcvd.code
        reason = f", reason {_shown(exc.rcvd.reason)!r}" if exc.rcvd.reason else ""
        return (
            LossKind.CLOSED,
            f"the server closed the connection (code {code}{reason}) {where} without a secret",
        )
    return LossKind.DROPPED, f"the connection dropped without a close frame {where}"


class _ConnectWithoutRedirects(connect):
    """websockets' ``connect``, refusing redirects (it follows up to 10 by default)."""

    def process_redirect(self, exc: Exception) -> Exception | str:
        # The answer stays what it is (InvalidStatus: "HTTP 302"), so the handshake fails.
        return exc


async def _open(url: str, max_size: int, open_timeout: float) -> ClientConnection:
    host = urlsplit(url).hostname or ""
    # A loopback sandbox is never reached through a proxy.
    proxy: Any = None if is_loopback_host(host) else True
    return await _ConnectWithoutRedirects(
        url,
        max_size=max_size,
        compression=None,
        ping_interval=None,
        ping_timeout=None,
        open_timeout=open_timeout,
        close_timeout=CLOSE_TIMEOUT,
        proxy=proxy,
    )


async def converse(
    url: str,
    *,
    intervals: Sequence[int] = DEFAULT_INTERVALS,
    time_scale: float = 1.0,
    silence_margin: float = DEFAULT_SILENCE_MARGIN,
    max_size: int = MAX_FRAME_BYTES,
    open_timeout: float = OPEN_TIMEOUT,
    max_beats: int = DEFAULT_MAX_BEATS,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    on_beat: BeatCallback | None = None,
    on_open: Callable[[ConversationResult], None] | None = None,
) -> ConversationResult:
    """Hold one conversation at ``url`` (see :func:`ws_url`) and return it with its secret.

    ``time_scale`` is the server's (1 for hackattic.com; a sandbox's ``time_scale``):
    arrival times are divided by it before decoding, the silence limit and ``max_seconds``
    multiplied. ``on_beat`` runs after each answer has been sent. Raises
    :class:`ConversationLost`.
    """
    if time_scale <= 0 or not math.isfinite(time_scale):
        raise ValueError(f"time_scale must be a positive number, got {time_scale!r}")
    if max_beats < 1 or not (max_seconds > 0 and math.isfinite(max_seconds)):
        raise ValueError(f"bad bounds: max_beats={max_beats!r}, max_seconds={max_seconds!r}")
    client = _Client(intervals, time_scale, silence_margin, max_beats, max_seconds, on_beat)
    try:
        websocket = await _open(url, max_size, open_timeout)
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise client.lost(
            LossKind.CONNECT, f"could not open the conversation: {type(exc).__name__}: {exc}"
        ) from None
    async with websocket:
        client.opened()
        if on_open is not None:
            on_open(client.result)
        return await client.talk(websocket)


class _Client:
    """One conversation's state, and what it does with each kind of message.

    :meth:`talk` is the receive loop; a ping is decoded and answered inline there (the hot
    path), everything else is handled by a small method after the answer is sent.
    """

    def __init__(
        self,
        intervals: Sequence[int],
        time_scale: float,
        silence_margin: float,
        max_beats: int,
        max_seconds: float,
        on_beat: BeatCallback | None,
    ) -> None:
        self.decoder = IntervalDecoder(intervals)
        self.answers = {ms: str(ms) for ms in self.decoder.intervals}
        self.time_scale = time_scale
        self.silence_margin = silence_margin
        self.silence = (max(self.decoder.intervals) / 1000 + silence_margin) * time_scale
        self.max_beats = max_beats
        self.max_seconds = max_seconds
        self.on_beat = on_beat
        self.result = ConversationResult()
        self.beats = self.result.beats
        self.loop = asyncio.get_running_loop()
        self.start = time.monotonic()
        self.previous = self.start
        # However the server paces its pings, the conversation ends by then.
        self.end = self.loop.time() + max_seconds * time_scale

    def opened(self) -> None:
        """The handshake completed: the server's schedule counts from now."""
        self.start = self.previous = time.monotonic()
        self.result.opened = self.start
        self.decoder.open(0.0)
        self.end = self.loop.time() + self.max_seconds * self.time_scale

    def lost(self, kind: LossKind, message: str) -> ConversationLost:
        self.result.ended = time.monotonic()
        self.result.loss = kind
        self.result.reason = message
        return ConversationLost(kind, f"{kind.value}: {message}", self.result)

    def won(self, secret: str) -> ConversationResult:
        self.result.secret = secret
        self.result.ended = time.monotonic()
        return self.result

    def next_deadline(self) -> float:
        return min(self.loop.time() + self.silence, self.end)

    async def talk(self, websocket: ClientConnection) -> ConversationResult:
        """Receive until the secret (returned) or a loss (raised)."""
        decoder = self.decoder
        answers = self.answers
        beats = self.beats
        max_beats = self.max_beats
        opened = self.start
        inverse_scale = 1.0 / self.time_scale
        monotonic = time.monotonic
        recv = websocket.recv
        send = websocket.send
        try:
            async with asyncio.timeout_at(self.next_deadline()) as deadline:
                while True:
                    message = await recv()
                    now = monotonic()
                    if message == PING:
                        if len(beats) >= max_beats:
                            raise self.too_many_beats()
                        # The hot path: decode, answer, then everything else.
                        interval = decoder.ping((now - opened) * inverse_scale)
                        await send(answers[interval])
                        sent = monotonic()
                        deadline.reschedule(self.next_deadline())
                        self.record_beat(interval, now, sent)
                        continue
                    done = self.on_message(message)
                    if done is not None:
                        return done
        except TimeoutError:
            raise self.timed_out() from None
        except ConnectionClosed as exc:
            return await self.closed(websocket, exc)

    def too_many_beats(self) -> ConversationLost:
        return self.lost(
            LossKind.TOO_MANY_BEATS,
            f"the server sent more than {self.max_beats} pings without the secret; given up "
            "(HACKATTIC_WEBSOCKET_CHIT_CHAT_MAX_BEATS)",
        )

    def record_beat(self, interval: int, received: float, sent: float) -> None:
        """Note the beat just answered, and tell ``on_beat``."""
        beat = Beat(
            len(self.beats) + 1,
            interval,
            received,
            (received - self.start) * 1000,
            (received - self.previous) * 1000,
            self.decoder.last_lateness_ms,
            (sent - received) * 1000,
        )
        self.previous = received
        self.beats.append(beat)
        if self.on_beat is not None:
            self.on_beat(beat, self.result)

    def on_message(self, message: str | bytes) -> ConversationResult | None:
        """Any message but a ping: the result once the secret came; raises on a loss."""
        result = self.result
        if not isinstance(message, str):
            result.ignored_binary += 1
        elif message == GOOD:
            result.good += 1
            if self.decoder.confirmed < self.decoder.beats:
                self.decoder.good()
        elif message.startswith(CONGRATULATIONS_PREFIX):
            secret = extract_secret(message)
            if secret is None:
                raise self.lost(
                    LossKind.NO_SECRET, f"no quoted secret in the server's {_shown(message)!r}"
                )
            return self.won(secret)
        elif (kind := classify_ouch(message)) is not None:
            raise self.lost(
                kind,
                f"after {len(self.beats)} beat(s) "
                f"{_last_answer(self.beats)}the server said {_shown(message)!r}",
            )
        elif message.startswith(HELLO_PREFIX):
            result.hello = True
        else:
            result.ignored_text += 1
            if len(result.unknown_texts) < UNKNOWN_KEPT:
                result.unknown_texts.append(_shown(message))
        return None

    def timed_out(self) -> ConversationLost:
        beats = len(self.beats)
        if self.loop.time() >= self.end:
            return self.lost(
                LossKind.TOO_LONG,
                f"no secret after {self.max_seconds * self.time_scale:g} s and {beats} "
                "beat(s); given up (HACKATTIC_WEBSOCKET_CHIT_CHAT_MAX_SECONDS)",
            )
        scale = self.time_scale
        return self.lost(
            LossKind.SILENCE,
            f"no ping for {self.silence:.3g} s (the longest interval plus "
            f"{self.silence_margin:g} s{'' if scale == 1 else f', times {scale:g}'}) "
            f"after {beats} beat(s)",
        )

    async def closed(
        self, websocket: ClientConnection, exc: ConnectionClosed
    ) -> ConversationResult:
        """The connection closed: the secret if the server's last words held it, else the
        loss they (or the close itself) explain, raised."""
        # A late client can find the server's last words (an ouch!, or the secret)
        # buffered behind the close: they explain the close better than its code.
        for text in await _buffered_texts(websocket):
            secret = extract_secret(text) if text.startswith(CONGRATULATIONS_PREFIX) else None
            if secret is not None:
                return self.won(secret)
            ouch = classify_ouch(text)
            if ouch is not None:
                raise self.lost(
                    ouch, f"after {len(self.beats)} beat(s) the server said {_shown(text)!r}"
                ) from None
        kind, message = _closed_reason(exc, len(self.beats))
        raise self.lost(kind, message) from None


async def _buffered_texts(websocket: ClientConnection, limit: int = 8) -> list[str]:
    """Text messages already received but not yet read from a closed connection."""
    texts: list[str] = []
    for _ in range(limit):
        try:
            message = await asyncio.wait_for(websocket.recv(), timeout=0.05)
        except (ConnectionClosed, TimeoutError):
            break
        if isinstance(message, str):
            texts.append(message)
    return texts


def _last_answer(beats: list[Beat]) -> str:
    if not beats:
        return ""
    last = beats[-1]
    return f"(last answer {last.interval_ms} for {last.since_previous_ms:.0f} ms measured), "

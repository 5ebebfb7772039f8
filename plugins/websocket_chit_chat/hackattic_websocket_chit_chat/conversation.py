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
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final
from urllib.parse import quote, urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from hackattic_core import AttemptLost
from hackattic_core.settings import is_loopback_host

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


class LossKind(StrEnum):
    """Why a conversation was lost."""

    MISSED_BEAT = "missed beat"
    WRONG_ANSWER = "wrong answer"
    EXPIRED_TOKEN = "expired token"  # noqa: S105 - a loss kind, not a password
    OUCH = "ouch"
    """An ``ouch!`` of an unknown kind."""
    CLOSED = "closed"
    """The server closed the connection (with a close frame) before the secret."""
    DROPPED = "dropped"
    """The connection ended without a close frame."""
    OVERSIZED = "oversized frame"
    SILENCE = "silence"
    TOO_MANY_BEATS = "too many beats"
    TOO_LONG = "too long"
    CONNECT = "connect"
    """The connection could not be opened."""
    NO_SECRET = "no secret"  # noqa: S105 - a loss kind, not a password
    """A congratulations message without a quoted secret."""


@dataclass(slots=True)
class Beat:
    """One ping and its answer."""

    index: int
    """1 for the first ping."""
    interval_ms: int
    """The interval decoded and sent as the answer (ms, unscaled)."""
    arrival: float
    """When the ping's frame was received (``time.monotonic()``, seconds)."""
    since_open_ms: float
    """Arrival time after the open (ms, as measured: scaled time)."""
    since_previous_ms: float
    """Arrival time after the previous ping (or the open) (ms, as measured)."""
    late_ms: float | None
    """How late the ping arrived against the decoded schedule (ms, unscaled)."""
    reaction_ms: float
    """From the frame's receipt to the answer's send returning (ms)."""


@dataclass
class ConversationResult:
    """What one conversation did; filled as it goes (also on a loss)."""

    opened: float | None = None
    """When the handshake completed (``time.monotonic()``)."""
    ended: float | None = None
    beats: list[Beat] = field(default_factory=list)
    hello: bool = False
    good: int = 0
    """``good!`` messages received."""
    ignored_text: int = 0
    """Text frames that were none of the known messages."""
    ignored_binary: int = 0
    unknown_texts: list[str] = field(default_factory=list)
    """The first few unknown texts (shortened)."""
    secret: str | None = None
    loss: LossKind | None = None
    reason: str | None = None
    """The loss's one-line reason."""

    @property
    def reaction_times_ms(self) -> list[float]:
        return [beat.reaction_ms for beat in self.beats]

    @property
    def mean_reaction_ms(self) -> float | None:
        times = self.reaction_times_ms
        return math.fsum(times) / len(times) if times else None

    @property
    def max_reaction_ms(self) -> float | None:
        return max(self.reaction_times_ms, default=None)

    @property
    def duration(self) -> float | None:
        """Seconds from the open to the end."""
        if self.opened is None or self.ended is None:
            return None
        return self.ended - self.opened


class ConversationLost(AttemptLost):
    """The conversation is over without a secret; ``kind`` says why, ``result`` what happened."""

    def __init__(self, kind: LossKind, message: str, result: ConversationResult) -> None:
        super().__init__(message)
        self.kind = kind
        self.result = result


BeatCallback = Callable[[Beat, ConversationResult], None]


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
    decoder = IntervalDecoder(intervals)
    answers = {ms: str(ms) for ms in decoder.intervals}
    silence = (max(decoder.intervals) / 1000 + silence_margin) * time_scale
    result = ConversationResult()
    beats = result.beats

    def lost(kind: LossKind, message: str) -> ConversationLost:
        result.ended = time.monotonic()
        result.loss = kind
        result.reason = message
        return ConversationLost(kind, f"{kind.value}: {message}", result)

    try:
        websocket = await _open(url, max_size, open_timeout)
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise lost(
            LossKind.CONNECT, f"could not open the conversation: {type(exc).__name__}: {exc}"
        ) from None
    opened = time.monotonic()
    result.opened = opened
    decoder.open(0.0)
    loop = asyncio.get_running_loop()
    monotonic = time.monotonic
    inverse_scale = 1.0 / time_scale
    previous = opened

    # However the server paces its pings, the conversation ends by then.
    end = loop.time() + max_seconds * time_scale

    async with websocket:
        if on_open is not None:
            on_open(result)
        try:
            async with asyncio.timeout_at(min(loop.time() + silence, end)) as deadline:
                while True:
                    message = await websocket.recv()
                    now = monotonic()
                    if message == PING:
                        if len(beats) >= max_beats:
                            raise lost(
                                LossKind.TOO_MANY_BEATS,
                                f"the server sent more than {max_beats} pings without the "
                                "secret; given up (HACKATTIC_WEBSOCKET_CHIT_CHAT_MAX_BEATS)",
                            )
                        # The hot path: decode, answer, then everything else.
                        interval = decoder.ping((now - opened) * inverse_scale)
                        await websocket.send(answers[interval])
                        sent = monotonic()
                        deadline.reschedule(min(loop.time() + silence, end))
                        beat = Beat(
                            len(beats) + 1,
                            interval,
                            now,
                            (now - opened) * 1000,
                            (now - previous) * 1000,
                            decoder.last_lateness_ms,
                            (sent - now) * 1000,
                        )
                        previous = now
                        beats.append(beat)
                        if on_beat is not None:
                            on_beat(beat, result)
                        continue
                    if not isinstance(message, str):
                        result.ignored_binary += 1
                        continue
                    if message == GOOD:
                        result.good += 1
                        if decoder.confirmed < decoder.beats:
                            decoder.good()
                        continue
                    if message.startswith(CONGRATULATIONS_PREFIX):
                        secret = extract_secret(message)
                        if secret is None:
                            raise lost(
                                LossKind.NO_SECRET,
                                f"no quoted secret in the server's {_shown(message)!r}",
                            )
                        result.secret = secret
                        result.ended = monotonic()
                        return result
                    kind = classify_ouch(message)
                    if kind is not None:
                        raise lost(
                            kind,
                            f"after {len(beats)} beat(s) "
                            f"{_last_answer(beats)}the server said {_shown(message)!r}",
                        )
                    if message.startswith(HELLO_PREFIX):
                        result.hello = True
                        continue
                    result.ignored_text += 1
                    if len(result.unknown_texts) < UNKNOWN_KEPT:
                        result.unknown_texts.append(_shown(message))
        except TimeoutError:
            if loop.time() >= end:
                raise lost(
                    LossKind.TOO_LONG,
                    f"no secret after {max_seconds * time_scale:g} s and {len(beats)} beat(s); "
                    "given up (HACKATTIC_WEBSOCKET_CHIT_CHAT_MAX_SECONDS)",
                ) from None
            raise lost(
                LossKind.SILENCE,
                f"no ping for {silence:.3g} s (the longest interval plus {silence_margin:g} s"
                f"{'' if time_scale == 1 else f', times {time_scale:g}'}) "
                f"after {len(beats)} beat(s)",
            ) from None
        except ConnectionClosed as exc:
            # A late client can find the server's last words (an ouch!, or the secret)
            # buffered behind the close: they explain the close better than its code.
            for text in await _buffered_texts(websocket):
                secret = extract_secret(text) if text.startswith(CONGRATULATIONS_PREFIX) else None
                if secret is not None:
                    result.secret = secret
                    result.ended = monotonic()
                    return result
                ouch = classify_ouch(text)
                if ouch is not None:
                    raise lost(
                        ouch, f"after {len(beats)} beat(s) the server said {_shown(text)!r}"
                    ) from None
            kind, message = _closed_reason(exc, len(beats))
            raise lost(kind, message) from None


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

"""``ticker``: a conversation over a WebSocket, written only against the public API.

The problem is ``{"token": "<one-time token>"}``. The solver opens
``<ws base>/_/ticker/<token>`` and answers each ``tick N`` with ``tock N`` until the server
sends ``done <secret>``; the solution is ``{"secret": "<secret>"}``. A frame starting with
``ouch!`` loses the attempt (its text is the reason). The solver's settings
(``HACKATTIC_TICKER_*``) bound a conversation: ``max_ticks`` ticks, ``max_seconds`` seconds.

The emulation serves that WebSocket on the sandbox (``routes``), with its options ``rounds``
(ticks before the secret) and ``interval_ms`` (scaled by the time scale); ``/_/stats``
shows every conversation's outcome (``open``, ``passed``, ``client_closed`` when the client
closed it with a close frame, ``dropped``, ``wrong``, ``missed``) and the totals.

The core's tests use it where a run must hold a connection open (a signal mid-way, a
hostile server's last words); installed for a test as ``hackattic_test_ticker``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import Field

from hackattic_core import (
    AnyChallenge,
    AttemptLost,
    Challenge,
    ChallengeSettings,
    Context,
    Emulation,
    EmulationConditions,
    Issued,
    Problem,
    Solution,
    hookimpl,
)

if TYPE_CHECKING:
    from starlette.routing import BaseRoute
    from starlette.websockets import WebSocket

SLUG = "ticker"
PATH = "/_/ticker/"
REPLY_WAIT = 10.0
"""Seconds the server waits for a ``tock`` before it calls the tick missed."""


class TickerProblem(Problem):
    token: str


class TickerSolution(Solution):
    secret: str


class TickerSettings(ChallengeSettings):
    max_ticks: int = Field(default=1000, ge=1, description="Ticks before giving up.")
    max_seconds: float = Field(
        default=60.0, gt=0, allow_inf_nan=False, description="Seconds before giving up."
    )


class Ticker(Challenge[TickerProblem, TickerSolution, TickerSettings]):
    name = SLUG
    title = "Answer each tick over a WebSocket (test plugin)"
    problem_model = TickerProblem
    solution_model = TickerSolution
    settings_model = TickerSettings
    emulation_class = "hackattic_test_ticker:TickerEmulation"

    async def solve(
        self, problem: TickerProblem, context: Context[TickerSettings]
    ) -> TickerSolution:
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        settings = context.plugin_settings
        url = context.ws_base_url.rstrip("/") + PATH + quote(problem.token, safe="")
        ticks = 0
        try:
            async with (
                asyncio.timeout(settings.max_seconds * context.time_scale),
                connect(url, proxy=None, ping_interval=None, close_timeout=1) as socket,
            ):
                async for message in socket:
                    text = str(message)
                    if text.startswith("done "):
                        return TickerSolution(secret=text.removeprefix("done "))
                    if text.startswith("ouch!"):
                        raise AttemptLost(text)
                    ticks += 1
                    if ticks > settings.max_ticks:
                        raise AttemptLost(
                            f"too many ticks: the server sent more than {settings.max_ticks}"
                            " (HACKATTIC_TICKER_MAX_TICKS)"
                        )
                    context.progress.update("ticking", completed=ticks)
                    await socket.send("tock" + text.removeprefix("tick"))
        except TimeoutError:
            raise AttemptLost(f"too long: no secret after {settings.max_seconds:g} s") from None
        except (OSError, WebSocketException) as exc:
            raise AttemptLost(f"the conversation broke: {exc}") from None
        raise AttemptLost(f"the server closed the conversation after {ticks} tick(s)")


class TickerConditions(EmulationConditions):
    rounds: int = Field(default=3, ge=1, description="Ticks before the secret.")
    interval_ms: float = Field(default=50.0, ge=0, description="Between two ticks, in ms.")


class TickerEmulation(Emulation[TickerConditions, str]):
    conditions_model = TickerConditions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tokens: dict[str, str] = {}
        self.conversations: list[dict[str, Any]] = []

    async def new_problem(self) -> Issued[str]:
        token = secrets.token_hex(8)
        secret = f"secret-{self.env.rng.randrange(10**6)}"
        self.tokens[token] = secret
        return Issued(problem={"token": token}, state=secret)

    async def check(self, issued: Issued[str], solution: dict[str, Any]) -> str | None:
        if solution.get("secret") != issued.state:
            return f"wrong secret: got {solution.get('secret')!r}"
        return None

    def routes(self) -> list[BaseRoute]:
        from starlette.routing import WebSocketRoute

        return [WebSocketRoute(PATH + "{token}", self._endpoint, name=SLUG)]

    def stats(self) -> dict[str, Any]:
        outcomes = [record["outcome"] for record in self.conversations]
        return {
            "conversations": [dict(record) for record in self.conversations],
            "totals": {
                "open": outcomes.count("open"),
                "ticks": sum(record["ticks"] for record in self.conversations),
                "missed": outcomes.count("missed"),
            },
        }

    async def _endpoint(self, websocket: WebSocket) -> None:
        await websocket.accept()
        secret = self.tokens.pop(str(websocket.path_params.get("token")), None)
        if secret is None:
            await websocket.send_text("ouch! unknown or used token")
            await websocket.close()
            return
        record: dict[str, Any] = {"outcome": "open", "ticks": 0}
        self.conversations.append(record)
        inbox: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        receiver = asyncio.create_task(self._receive(websocket, inbox))
        try:
            record["outcome"] = await self._converse(websocket, inbox, record, secret)
        except (OSError, RuntimeError):
            record["outcome"] = "dropped"
        finally:
            receiver.cancel()
        if record["outcome"] not in ("client_closed", "dropped"):
            with contextlib.suppress(OSError, RuntimeError):
                await websocket.close()

    async def _converse(
        self,
        websocket: WebSocket,
        inbox: asyncio.Queue[tuple[str, Any]],
        record: dict[str, Any],
        secret: str,
    ) -> str:
        interval = self.env.conditions.interval_ms / 1000 * self.env.time_scale
        for number in range(1, self.env.conditions.rounds + 1):
            try:  # the interval, listening: the client may close meanwhile
                kind, value = await asyncio.wait_for(inbox.get(), interval)
            except TimeoutError:
                pass
            else:
                return closed(record, value) if kind == "closed" else "wrong"
            await websocket.send_text(f"tick {number}")
            record["ticks"] += 1
            try:
                kind, value = await asyncio.wait_for(inbox.get(), REPLY_WAIT)
            except TimeoutError:
                await websocket.send_text(f"ouch! no answer to tick {number}")
                return "missed"
            if kind == "closed":
                return closed(record, value)
            if value != f"tock {number}":
                await websocket.send_text(f"ouch! wrong answer to tick {number}")
                return "wrong"
        await websocket.send_text(f"done {secret}")
        return "passed"

    @staticmethod
    async def _receive(websocket: WebSocket, inbox: asyncio.Queue[tuple[str, Any]]) -> None:
        code = None
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    code = message.get("code")
                    return
                await inbox.put(("text", message.get("text")))
        except (OSError, RuntimeError):
            pass  # gone without a word: no code
        finally:
            inbox.put_nowait(("closed", code))


def closed(record: dict[str, Any], code: int | None) -> str:
    """A conversation's outcome when it ended with close ``code`` (kept in ``record``):
    1006 (or none) when the connection dropped without a close frame; any other, the client
    closed it."""
    record["code"] = code
    return "dropped" if code in (None, 1006) else "client_closed"


@hookimpl
def hackattic_register_challenges() -> list[type[AnyChallenge]]:
    return [Ticker]

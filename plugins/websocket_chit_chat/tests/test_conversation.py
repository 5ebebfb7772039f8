"""The client (:func:`converse`) against the emulation, over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from typing import Any

import pytest
from hackattic_websocket_chit_chat.conversation import (
    Beat,
    ConversationLost,
    ConversationResult,
    LossKind,
    classify_ouch,
    converse,
    extract_secret,
    ws_url,
)

from hackattic_core import AttemptLost

FAST_SCALE = 0.1
REAL_TIME_SEED = 51
"""A seed whose first conversation starts with two 700 ms beats (keeps real time short)."""


async def talk(sandbox: Any, token: str | None = None, **options: Any) -> ConversationResult:
    options.setdefault("time_scale", sandbox.conditions.time_scale)
    return await converse(sandbox.url(token or await sandbox.token()), **options)


async def lose(sandbox: Any, token: str | None = None, **options: Any) -> ConversationLost:
    with pytest.raises(ConversationLost) as lost:
        await talk(sandbox, token, **options)
    exc = lost.value
    assert isinstance(exc, AttemptLost)
    assert "\n" not in str(exc)
    assert str(exc).startswith(exc.kind.value + ": ")
    assert exc.result.loss is exc.kind
    assert exc.result.secret is None
    return exc


def server_intervals(sandbox: Any) -> list[int]:
    return [ping["interval_ms"] for ping in sandbox.last_conversation()["pings"]]


async def test_a_conversation_earns_the_secret(chit_chat: Any) -> None:
    async with chit_chat(rounds=4) as sandbox:
        result = await talk(sandbox)
        assert result.secret is not None
        assert len(result.secret.split(" ")) == 6
        assert "passed" in (await sandbox.solve(result.secret))["result"]
        assert [beat.interval_ms for beat in result.beats] == server_intervals(sandbox)
        assert (len(result.beats), result.good, result.hello) == (4, 4, True)
        assert (result.ignored_text, result.ignored_binary, result.loss) == (0, 0, None)
        assert [beat.index for beat in result.beats] == [1, 2, 3, 4]
        for beat in result.beats:
            assert beat.reaction_ms >= 0
            assert beat.late_ms is not None
            assert beat.since_open_ms >= beat.since_previous_ms > 0
        assert result.mean_reaction_ms is not None
        assert result.max_reaction_ms is not None
        assert result.max_reaction_ms >= result.mean_reaction_ms
        assert result.duration is not None
        assert result.duration > 0


async def test_the_secret_counts_whether_or_not_the_server_closes(chit_chat: Any) -> None:
    async with chit_chat(rounds=2) as sandbox:
        sandbox.emulation.close_after_secret = False
        result = await talk(sandbox)
        assert result.secret is not None
        assert "passed" in (await sandbox.solve(result.secret))["result"]
        assert sandbox.last_conversation()["outcome"] == "passed"


async def test_a_wrong_answer_is_lost(chit_chat: Any) -> None:
    async with chit_chat() as sandbox:
        # A client that believes in other intervals answers wrong at once.
        lost = await lose(sandbox, intervals=(701, 1501, 2001, 2501, 3001))
        assert lost.kind is LossKind.WRONG_ANSWER
        assert "ouch! no! that was a" in str(lost)
        assert len(lost.result.beats) == 1
        assert sandbox.totals()["wrong_answers"] == 1


async def test_a_missed_beat_is_lost(chit_chat: Any) -> None:
    def stall(beat: Beat, result: ConversationResult) -> None:
        # Blocks the whole loop (the server's too) for longer than two beats.
        if beat.index == 1:
            time.sleep(2 * 3.0 * FAST_SCALE + 0.1)

    async with chit_chat() as sandbox:
        # A wide silence margin: the stall must not count as the server's silence.
        lost = await lose(sandbox, on_beat=stall, silence_margin=10)
        assert lost.kind is LossKind.MISSED_BEAT
        assert "missed a beat" in str(lost)
        assert sandbox.totals()["missed_beats"] == 1


async def test_an_expired_token_is_lost(chit_chat: Any) -> None:
    async with chit_chat(faults=["expired_token"], fault_count=1) as sandbox:
        lost = await lose(sandbox)
        assert lost.kind is LossKind.EXPIRED_TOKEN
        assert (lost.result.hello, lost.result.beats) == (False, [])
        # The next problem is fine.
        assert (await talk(sandbox)).secret is not None


async def test_a_used_token_is_lost(chit_chat: Any) -> None:
    async with chit_chat(rounds=1) as sandbox:
        token = await sandbox.token()
        assert (await talk(sandbox, token)).secret is not None
        lost = await lose(sandbox, token)
        assert lost.kind is LossKind.EXPIRED_TOKEN


async def test_garbage_and_binary_frames_are_ignored(chit_chat: Any) -> None:
    async with chit_chat(faults=["garbage_frame", "binary_frame"]) as sandbox:
        result = await talk(sandbox)
        assert result.secret is not None
        assert "passed" in (await sandbox.solve(result.secret))["result"]
        assert (result.ignored_text, result.ignored_binary) == (1, 1)
        assert "not a ping!" in result.unknown_texts[0]
        assert len(result.beats) == sandbox.conditions.rounds


async def test_a_huge_frame_is_lost(chit_chat: Any) -> None:
    async with chit_chat(faults=["huge_frame"]) as sandbox:
        lost = await lose(sandbox)
        assert lost.kind is LossKind.OVERSIZED
        assert len(lost.result.beats) == 1


async def test_a_dropped_socket_is_lost(chit_chat: Any) -> None:
    async with chit_chat(faults=["drop"], fault_count=1) as sandbox:
        lost = await lose(sandbox)
        assert lost.kind is LossKind.DROPPED
        assert lost.result.good == 1
        assert (await talk(sandbox)).secret is not None


async def test_a_server_close_before_the_secret_is_lost(chit_chat: Any) -> None:
    async with chit_chat(rounds=5) as sandbox:

        def close_server(beat: Beat, result: ConversationResult) -> None:
            if beat.index == 1:
                asyncio.get_running_loop().create_task(sandbox.emulation.stop())

        lost = await lose(sandbox, on_beat=close_server)
        assert lost.kind is LossKind.CLOSED
        assert "code 1001" in str(lost)


async def test_silence_is_lost_after_the_longest_interval_plus_the_margin(
    chit_chat: Any,
) -> None:
    margin = 0.5
    async with chit_chat(faults=["never_ping"]) as sandbox:
        lost = await lose(sandbox, silence_margin=margin)
        assert lost.kind is LossKind.SILENCE
        assert lost.result.hello
        assert lost.result.beats == []
        duration = lost.result.duration
        assert duration is not None
        assert duration >= (3.0 + margin) * FAST_SCALE * 0.99


async def test_a_connection_that_cannot_open_is_lost() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConversationLost) as lost:
        await converse(ws_url(f"ws://127.0.0.1:{port}", "abc"), open_timeout=5)
    assert lost.value.kind is LossKind.CONNECT
    assert lost.value.result.opened is None


@pytest.mark.parametrize("latency", ["exp:60", "lognormal:40,0.8+base:50"])
async def test_latency_does_not_break_the_conversation(chit_chat: Any, latency: str) -> None:
    async with chit_chat(latency=latency, rounds=6) as sandbox:
        result = await talk(sandbox)
        assert result.secret is not None
        assert [beat.interval_ms for beat in result.beats] == server_intervals(sandbox)
        assert "passed" in (await sandbox.solve(result.secret))["result"]


async def test_one_conversation_at_the_real_intervals(chit_chat: Any) -> None:
    async with chit_chat(time_scale=1.0, rounds=2, seed=REAL_TIME_SEED) as sandbox:
        result = await talk(sandbox)
        assert result.secret is not None
        assert "passed" in (await sandbox.solve(result.secret))["result"]
        assert [beat.interval_ms for beat in result.beats] == server_intervals(sandbox)
        assert len(result.beats) == 2


def test_ws_url_joins_the_base_and_the_token() -> None:
    assert ws_url("ws://127.0.0.1:8000", "ab12") == "ws://127.0.0.1:8000/_/ws/ab12"
    assert ws_url("wss://hackattic.com/", "a/b c") == "wss://hackattic.com/_/ws/a%2Fb%20c"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "ouch! seems like you missed a beat... sorry, this conversation is over. "
            "closing socket.",
            LossKind.MISSED_BEAT,
        ),
        ("ouch! no! that was a 2000ms interval, not 1500.", LossKind.WRONG_ANSWER),
        ("ouch! expired challenge token. closing socket.", LossKind.EXPIRED_TOKEN),
        ("sorry: expired challenge token", LossKind.EXPIRED_TOKEN),
        ("ouch! something else", LossKind.OUCH),
        ("ping!", None),
        ("good!", None),
        ("hello! start counting", None),
    ],
)
def test_classify_ouch(text: str, kind: LossKind | None) -> None:
    assert classify_ouch(text) is kind


def test_extract_secret_takes_what_stands_between_the_quotes() -> None:
    text = 'congratulations! the solution to this challenge is "muddy art winter recipe aged lab"'
    assert extract_secret(text) == "muddy art winter recipe aged lab"
    assert extract_secret('congratulations! "say "hi" twice"') == 'say "hi" twice'
    assert extract_secret("congratulations! no quotes") is None
    assert extract_secret('congratulations! ""') is None


# -- a hostile server (issue 14) ---------------------------------------------------------------


async def flooding_server(pings_every: float, count: int = 5000) -> Any:
    """A WebSocket server that pings every ``pings_every`` s, ``count`` times."""
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.exceptions import ConnectionClosed

    async def flood(connection: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            for _ in range(count):
                await connection.send("ping!")
                await asyncio.sleep(pings_every)

    return await serve(flood, "127.0.0.1", 0)


async def test_a_server_that_pings_for_ever_is_lost_after_max_beats() -> None:
    async with await flooding_server(0.001) as server:
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(ConversationLost) as lost:
            await converse(f"ws://127.0.0.1:{port}/_/ws/t", max_beats=50)
    assert lost.value.kind is LossKind.TOO_MANY_BEATS
    assert len(lost.value.result.beats) == 50
    assert "more than 50 pings" in str(lost.value)


async def test_a_conversation_is_lost_after_max_seconds_times_the_time_scale() -> None:
    async with await flooding_server(0.02) as server:
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(ConversationLost) as lost:
            await converse(f"ws://127.0.0.1:{port}/_/ws/t", max_seconds=2, time_scale=0.25)
    assert lost.value.kind is LossKind.TOO_LONG
    duration = lost.value.result.duration  # from the open to the loss (not the close)
    assert duration is not None
    assert 0.5 <= duration < 1.5
    assert "no secret after 0.5 s" in str(lost.value)


async def test_a_redirected_handshake_is_not_followed() -> None:
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.datastructures import Headers
    from websockets.http11 import Request, Response

    followed: list[str] = []

    def redirect(connection: ServerConnection, request: Request) -> Response:
        followed.append(request.path)
        headers = Headers([("Location", "/_/ws/elsewhere")])
        return Response(302, "Found", headers)

    async def never(connection: ServerConnection) -> None:  # pragma: no cover
        raise AssertionError("the handshake went through")

    async with serve(never, "127.0.0.1", 0, process_request=redirect) as server:
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(ConversationLost) as lost:
            await converse(f"ws://127.0.0.1:{port}/_/ws/t", open_timeout=5)
    assert lost.value.kind is LossKind.CONNECT
    assert "HTTP 302" in str(lost.value)
    assert followed == ["/_/ws/t"]

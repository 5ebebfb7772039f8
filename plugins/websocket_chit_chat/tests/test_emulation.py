"""Protocol conformance of the emulation, driven by a plain websockets client.

The client here does not decode anything: after each ``ping!`` it reads the interval the
server chose from the emulation's stats, so these tests check the server's texts, flows,
schedule and faults, not a decoder.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
from typing import Any

import pytest
from hackattic_websocket_chit_chat.challenge import WebsocketChitChat
from hackattic_websocket_chit_chat.emulation import (
    INTERVALS_MS,
    LATE_FLOOR,
    ChitChatEmulation,
    percentile,
    wrong_answer_text,
)
from hackattic_websocket_chit_chat.words import WORDS, secret_phrase
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedError, ConnectionClosedOK

from hackattic_core import Issued

# The texts hackattic sends, copied from the shared facts (not from the emulation).
HELLO = (
    "hello! start counting the time between the pings "
    "(start from the moment you opened this connection)"
)
MISSED = "ouch! seems like you missed a beat... sorry, this conversation is over. closing socket."
CONGRATULATIONS = re.compile(
    r'congratulations! the solution to this challenge is "([a-z]+(?: [a-z]+){5})"'
)
SILENT = 0.5
"""Seconds of silence that prove a point at FAST_SCALE (the longest interval is 0.3 s)."""


def open_ws(url: str, **options: Any) -> connect:
    options.setdefault("max_size", 64 * 1024)
    return connect(url, compression=None, ping_interval=None, proxy=None, **options)


def current_interval(sandbox: Any) -> int:
    """The interval the server's latest ping ended (from its stats)."""
    interval: int = sandbox.last_conversation()["pings"][-1]["interval_ms"]
    return interval


async def recv_until_closed(ws: ClientConnection) -> ConnectionClosed:
    """Read (pings only) until the connection closes; how it closed."""
    try:
        while True:
            assert await ws.recv() == "ping!"
    except ConnectionClosed as exc:
        return exc


async def answer_rounds(sandbox: Any, ws: ClientConnection, rounds: int) -> list[int]:
    """Answer ``rounds`` pings right; the intervals."""
    intervals = []
    for _ in range(rounds):
        assert await ws.recv() == "ping!"
        interval = current_interval(sandbox)
        intervals.append(interval)
        await ws.send(str(interval))
        assert await ws.recv() == "good!"
    return intervals


async def full_conversation(sandbox: Any, token: str) -> tuple[str, list[int]]:
    """Hello, ``rounds`` right answers, the secret, the close: (secret, intervals)."""
    async with open_ws(sandbox.url(token)) as ws:
        assert await ws.recv() == HELLO
        intervals = await answer_rounds(sandbox, ws, sandbox.conditions.rounds)
        match = CONGRATULATIONS.fullmatch(str(await ws.recv()))
        assert match, "no congratulations after the last round"
        with pytest.raises(ConnectionClosedOK):
            await ws.recv()
    return match[1], intervals


async def test_a_conversation_as_hackattic_holds_it(chit_chat: Any) -> None:
    async with chit_chat(rounds=3) as sandbox:
        secret, intervals = await full_conversation(sandbox, await sandbox.token())
        assert len(intervals) == 3
        assert set(intervals) <= set(INTERVALS_MS)
        assert "passed" in (await sandbox.solve(secret))["result"]
        rejected = await sandbox.solve("wrong words")
        assert rejected == {
            "rejected": 'secret "wrong words" is not the one this conversation gave'
        }
        totals = sandbox.totals()
        assert (totals["conversations"], totals["passed"], totals["pings"]) == (1, 1, 3)
        assert totals["reaction_p50_ms"] is not None
        assert sandbox.last_conversation()["outcome"] == "passed"


async def test_the_server_closes_with_a_normal_close_after_the_secret(chit_chat: Any) -> None:
    async with chit_chat(rounds=1) as sandbox:
        async with open_ws(sandbox.url(await sandbox.token())) as ws:
            assert await ws.recv() == HELLO
            await answer_rounds(sandbox, ws, 1)
            assert CONGRATULATIONS.fullmatch(str(await ws.recv()))
            with pytest.raises(ConnectionClosedOK) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1000


async def test_without_lateness_pings_follow_an_absolute_schedule_from_the_open(
    chit_chat: Any,
) -> None:
    async with chit_chat(rounds=4, timer_late_ms=0) as sandbox:
        _, intervals = await full_conversation(sandbox, await sandbox.token())
        pings = sandbox.last_conversation()["pings"]
    scale = sandbox.conditions.time_scale
    elapsed = 0
    for ping, interval in zip(pings, intervals, strict=True):
        elapsed += interval
        assert ping["interval_ms"] == interval
        assert ping["injected_late_ms"] == 0
        assert math.isclose(ping["scheduled_ms"], elapsed * scale, abs_tol=0.01)
        # Timers never fire early (beyond the clock's resolution); how late is not asserted.
        assert ping["sent_ms"] >= ping["scheduled_ms"] - 1
        assert ping["wire_ms"] >= ping["sent_ms"]
        assert ping["reaction_ms"] is not None
        assert ping["reaction_ms"] >= 0


async def test_a_wrong_answer_ends_the_conversation(chit_chat: Any) -> None:
    async with chit_chat() as sandbox:
        async with open_ws(sandbox.url(await sandbox.token())) as ws:
            assert await ws.recv() == HELLO
            assert await ws.recv() == "ping!"
            interval = current_interval(sandbox)
            await ws.send("1")
            ouch = str(await ws.recv())
            with pytest.raises(ConnectionClosedOK):
                await ws.recv()
        assert ouch.startswith("ouch! no! that was a")
        assert f"{interval}ms" in ouch
        assert "not 1" in ouch
        assert sandbox.totals()["wrong_answers"] == 1
        rejected = (await sandbox.solve("any six words will do here"))["rejected"]
        assert "never gave a secret" in rejected
        assert "wrong answer" in rejected


async def test_a_scaled_interval_is_a_wrong_answer(chit_chat: Any) -> None:
    async with chit_chat(time_scale=0.1) as sandbox:
        token = await sandbox.token()
        async with open_ws(sandbox.url(token)) as ws:
            assert await ws.recv() == HELLO
            assert await ws.recv() == "ping!"
            await ws.send(str(round(current_interval(sandbox) * 0.1)))
            assert str(await ws.recv()).startswith("ouch! no! that was a")


async def test_a_binary_answer_is_a_wrong_answer(chit_chat: Any) -> None:
    async with chit_chat() as sandbox:
        async with open_ws(sandbox.url(await sandbox.token())) as ws:
            assert await ws.recv() == HELLO
            assert await ws.recv() == "ping!"
            await ws.send(str(current_interval(sandbox)).encode())
            ouch = str(await ws.recv())
        assert ouch.startswith("ouch! no! that was a")
        assert "binary" in ouch


async def test_an_answer_before_any_ping_is_a_wrong_answer(chit_chat: Any) -> None:
    async with chit_chat() as sandbox:
        async with open_ws(sandbox.url(await sandbox.token())) as ws:
            assert await ws.recv() == HELLO
            await ws.send("700")
            assert str(await ws.recv()).startswith("ouch! no! that was a")
        assert sandbox.last_conversation()["outcome"] == "wrong_answer"


async def test_a_second_answer_to_one_ping_is_a_wrong_answer(chit_chat: Any) -> None:
    async with chit_chat() as sandbox:
        async with open_ws(sandbox.url(await sandbox.token())) as ws:
            assert await ws.recv() == HELLO
            await answer_rounds(sandbox, ws, 1)
            await ws.send(str(current_interval(sandbox)))
            ouch = str(await ws.recv())
        assert ouch.startswith("ouch! no! that was a")
        assert "already answered" in ouch


async def test_no_answer_before_the_next_beat_is_a_missed_beat(chit_chat: Any) -> None:
    async with chit_chat() as sandbox:
        async with open_ws(sandbox.url(await sandbox.token())) as ws:
            assert await ws.recv() == HELLO
            assert await ws.recv() == "ping!"
            # No answer: the next beat brings the ouch instead of a ping, then the close.
            assert await ws.recv() == MISSED
            with pytest.raises(ConnectionClosedOK):
                await ws.recv()
        totals = sandbox.totals()
        assert (totals["missed_beats"], totals["pings"]) == (1, 1)


async def test_a_used_or_unknown_token_is_expired(chit_chat: Any) -> None:
    async with chit_chat() as sandbox:
        token = await sandbox.token()
        async with open_ws(sandbox.url(token)) as ws:
            assert await ws.recv() == HELLO
        for url in (sandbox.url(token), sandbox.url("0123456789abcdef")):
            async with open_ws(url) as ws:
                assert "expired challenge token" in str(await ws.recv())
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
        assert sandbox.totals()["refused"] == {"expired": 0, "used": 1, "unknown": 1}


async def test_the_expired_token_fault_hits_the_first_problems(chit_chat: Any) -> None:
    async with chit_chat(faults=["expired_token"], fault_count=1) as sandbox:
        first, second = await sandbox.token(), await sandbox.token()
        async with open_ws(sandbox.url(first)) as ws:
            assert "expired challenge token" in str(await ws.recv())
        async with open_ws(sandbox.url(second)) as ws:
            assert await ws.recv() == HELLO
        stats = sandbox.emulation.stats()
        assert stats["faults_injected"] == {"expired_token": 1}
        assert stats["totals"]["refused"]["expired"] == 1


async def test_a_secret_passes_only_for_the_problem_that_revealed_it(chit_chat: Any) -> None:
    async with chit_chat(rounds=1) as sandbox:
        first, _ = await full_conversation(sandbox, await sandbox.token())
        second, _ = await full_conversation(sandbox, await sandbox.token())
        assert first != second
        # The sandbox checks the last problem fetched: the second.
        rejected = await sandbox.solve(first)
        assert rejected == {"rejected": f'secret "{first}" is not the one this conversation gave'}
        assert "passed" in (await sandbox.solve(second))["result"]
        assert "rejected" in await sandbox.solve(second.upper())


async def test_the_server_can_stay_open_after_the_secret(chit_chat: Any) -> None:
    async with chit_chat(rounds=2) as sandbox:
        sandbox.emulation.close_after_secret = False
        async with open_ws(sandbox.url(await sandbox.token())) as ws:
            assert await ws.recv() == HELLO
            await answer_rounds(sandbox, ws, 2)
            match = CONGRATULATIONS.fullmatch(str(await ws.recv()))
            assert match
            # Neither a close nor another ping follows.
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), SILENT)
        assert "passed" in (await sandbox.solve(match[1]))["result"]
        assert sandbox.last_conversation()["outcome"] == "passed"


async def test_garbage_and_binary_frames_come_between_a_good_and_the_next_ping(
    chit_chat: Any,
) -> None:
    async with chit_chat(rounds=2, faults=["garbage_frame", "binary_frame"]) as sandbox:
        async with open_ws(sandbox.url(await sandbox.token())) as ws:
            assert await ws.recv() == HELLO
            await answer_rounds(sandbox, ws, 1)
            garbage, binary = await ws.recv(), await ws.recv()
            assert isinstance(garbage, str)
            assert garbage != "ping!"
            assert "ping!" in garbage
            assert binary == b"ping!"
            await answer_rounds(sandbox, ws, 1)
            assert CONGRATULATIONS.fullmatch(str(await ws.recv()))
        injected = sandbox.emulation.stats()["faults_injected"]
        assert injected == {"garbage_frame": 1, "binary_frame": 1}


async def test_the_huge_frame_fault_sends_a_megabyte(chit_chat: Any) -> None:
    async with chit_chat(faults=["huge_frame"]) as sandbox:
        token = await sandbox.token()
        async with open_ws(sandbox.url(token), max_size=None) as ws:
            assert await ws.recv() == HELLO
            await answer_rounds(sandbox, ws, 1)
            huge = await ws.recv()
            assert len(huge) >= 1024 * 1024
            assert await ws.recv() == "ping!"


async def test_the_drop_fault_drops_the_first_conversations_without_a_close_frame(
    chit_chat: Any,
) -> None:
    async with chit_chat(faults=["drop"], fault_count=1, rounds=2) as sandbox:
        async with open_ws(sandbox.url(await sandbox.token())) as ws:
            assert await ws.recv() == HELLO
            await answer_rounds(sandbox, ws, 1)
            with pytest.raises(ConnectionClosedError) as dropped:
                await ws.recv()
        assert dropped.value.rcvd is None
        assert sandbox.last_conversation()["outcome"] == "dropped"
        # The next conversation is not dropped.
        secret, _ = await full_conversation(sandbox, await sandbox.token())
        assert "passed" in (await sandbox.solve(secret))["result"]
        assert sandbox.totals()["dropped"] == 1


async def test_the_never_ping_fault_says_hello_and_nothing_more(chit_chat: Any) -> None:
    async with chit_chat(faults=["never_ping"]) as sandbox:
        async with open_ws(sandbox.url(await sandbox.token())) as ws:
            assert await ws.recv() == HELLO
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), SILENT)
        assert sandbox.totals()["pings"] == 0


async def test_late_timers_push_the_rest_of_the_schedule(chit_chat: Any) -> None:
    async with chit_chat(timer_late_ms=300, rounds=4) as sandbox:
        _, intervals = await full_conversation(sandbox, await sandbox.token())
        pings = sandbox.last_conversation()["pings"]
    scale = sandbox.conditions.time_scale
    previous_sent = 0.0
    for ping, interval in zip(pings, intervals, strict=True):
        assert 300 * LATE_FLOOR <= ping["injected_late_ms"] <= 300
        # Each beat is timed from the previous ping's real send, as a sleeping server's.
        due = previous_sent + (interval + ping["injected_late_ms"]) * scale
        assert math.isclose(ping["scheduled_ms"], due, abs_tol=0.01)
        previous_sent = ping["wire_ms"]  # its frame written: the next beat counts from there


async def test_by_default_no_gap_between_pings_is_shorter_than_its_interval(
    chit_chat: Any,
) -> None:
    """The sleeping server's schedule at the default conditions (real time), over 200+ beats
    of 45 conversations at once: the stats' smallest gap-minus-interval is never negative."""
    from hackattic_websocket_chit_chat.conversation import converse

    async with chit_chat(time_scale=1.0, rounds=5) as sandbox:
        assert sandbox.conditions.timer_late_ms == 2.0  # the default
        tokens = [await sandbox.token() for _ in range(45)]
        results = await asyncio.gather(*(converse(sandbox.url(token)) for token in tokens))
        totals = sandbox.totals()
        conversations = sandbox.emulation.stats()["conversations"]
    assert all(result.secret for result in results)
    assert totals["pings"] >= 200
    assert totals["gap_minus_interval_ms"]["min"] >= 0
    for conversation in conversations:
        spread = conversation["gap_minus_interval_ms"]
        assert 0 <= spread["min"] <= spread["p50"] <= spread["max"]


async def test_latency_delays_every_message_in_order(chit_chat: Any) -> None:
    base_ms = 200  # 10 ms at FAST_SCALE
    async with chit_chat(latency=f"exp:50+base:{base_ms}", rounds=3) as sandbox:
        loop = asyncio.get_running_loop()
        token = await sandbox.token()
        started = loop.time()
        async with open_ws(sandbox.url(token)) as ws:
            assert await ws.recv() == HELLO
            hello_after = loop.time() - started
            await answer_rounds(sandbox, ws, 3)
            assert CONGRATULATIONS.fullmatch(str(await ws.recv()))
        delay = base_ms * sandbox.conditions.time_scale
        # The handshake's answer and the hello each took at least the base latency.
        assert hello_after * 1000 >= 2 * delay * 0.99
        pings = sandbox.last_conversation()["pings"]
        assert len(pings) == 3
        for ping in pings:
            assert ping["wire_ms"] - ping["sent_ms"] >= delay * 0.99


async def test_stop_ends_open_conversations(chit_chat: Any) -> None:
    async with chit_chat() as sandbox:
        async with open_ws(sandbox.url(await sandbox.token())) as ws:
            assert await ws.recv() == HELLO
            await sandbox.emulation.stop()
            closed = await recv_until_closed(ws)
        assert closed.rcvd is not None
        assert closed.rcvd.code == 1001
        assert sandbox.last_conversation()["outcome"] == "aborted"
        assert sandbox.totals()["open"] == 0


async def test_the_same_seed_gives_the_same_conversation(chit_chat: Any) -> None:
    results = []
    for _ in range(2):
        async with chit_chat(seed=99, rounds=2) as sandbox:
            results.append(await full_conversation(sandbox, await sandbox.token()))
    assert results[0] == results[1]


@pytest.fixture
def emulation(hackattic_emulation: Any) -> ChitChatEmulation:
    built = hackattic_emulation(WebsocketChitChat)
    assert isinstance(built, ChitChatEmulation)
    return built


async def test_check_reasons_without_a_conversation(emulation: ChitChatEmulation) -> None:
    issued = await emulation.new_problem()
    assert set(issued.problem) == {"token"}
    assert len(issued.problem["token"]) == 32
    assert await emulation.check(issued, {}) == "missing field 'secret'"
    assert await emulation.check(issued, {"secret": 5}) == "secret must be a string, got int"
    reason = await emulation.check(issued, {"secret": "a b c"})
    assert reason is not None
    assert "never gave a secret" in reason
    assert "nobody connected" in reason
    unknown: Issued[Any] = Issued({"token": "x"}, state=None)
    assert await emulation.check(unknown, {"secret": "x"}) is not None


async def test_problems_get_distinct_tokens(emulation: ChitChatEmulation) -> None:
    tokens = {(await emulation.new_problem()).problem["token"] for _ in range(100)}
    assert len(tokens) == 100


def test_wrong_answer_text_quotes_the_answer_shortly() -> None:
    assert wrong_answer_text(2000, "1500") == (
        "ouch! no! that was a 2000ms interval, not 1500. closing socket."
    )
    long = wrong_answer_text(700, "x" * 1000 + "\n")
    assert len(long) < 200
    assert "\n" not in long
    assert "binary frame" in wrong_answer_text(700, None)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    values = [float(v) for v in range(1, 101)]
    random.Random(3).shuffle(values)
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.99) == 99
    assert percentile([4.0], 0.99) == 4.0


def test_secret_phrases_are_six_distinct_common_words() -> None:
    assert len(WORDS) >= 300
    assert len(set(WORDS)) == len(WORDS)
    assert all(word.isalpha() and word.islower() and len(word) <= 8 for word in WORDS)
    phrase = secret_phrase(random.Random(7))
    words = phrase.split(" ")
    assert len(words) == 6
    assert len(set(words)) == 6
    assert set(words) <= set(WORDS)
    assert phrase == secret_phrase(random.Random(7))
    assert len(secret_phrase(random.Random(7), n=3).split()) == 3

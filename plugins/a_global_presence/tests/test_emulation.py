"""The emulation: geolocation by source address, the window, and proxies that relay only
to the sandbox."""

from __future__ import annotations

import asyncio

from hackattic_a_global_presence.challenge import PresenceChallenge
from hackattic_a_global_presence.emulation import PresenceState
from hackattic_a_global_presence.geo import HOME_COUNTRY, country_of
from hackattic_a_global_presence.relay import Proxy, Target

from hackattic_core import Issued


def test_each_source_address_is_a_country_and_the_rest_is_home() -> None:
    assert country_of("127.0.0.11") == "PL"
    assert country_of("127.0.0.12") == "NL"
    assert country_of("127.0.0.1") == HOME_COUNTRY
    assert country_of(None) == HOME_COUNTRY


async def test_check_counts_countries_seen_within_the_window(hackattic_emulation) -> None:
    emulation = hackattic_emulation(PresenceChallenge, window_seconds=30)
    issued = await emulation.new_problem()
    state: PresenceState = issued.state
    assert set(issued.problem) == {"presence_token"}
    for country in ("US", "PL", "NL", "DE", "CA", "RU"):
        state.seen[country] = state.issued_at + 1
    reason = await emulation.check(issued, {})
    assert reason is not None
    assert "6 countries" in reason
    state.seen["JP"] = state.issued_at + 31  # too late
    reason = await emulation.check(issued, {})
    assert reason is not None
    assert "1 more came later" in reason
    state.seen["JP"] = state.issued_at + 29
    assert await emulation.check(Issued(issued.problem, state), {}) is None


async def test_the_proxies_relay_only_to_the_sandbox() -> None:
    hits: list[str] = []
    reached = asyncio.Event()

    async def sandbox(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hits.append(writer.get_extra_info("peername")[0])
        reached.set()
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nPL")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(sandbox, "127.0.0.1", 0)
    other = await asyncio.start_server(sandbox, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    other_port = other.sockets[0].getsockname()[1]
    proxy = Proxy("http", "127.0.0.11", "ok", 0.0, Target("127.0.0.1", port))
    await proxy.start()
    try:
        proxy_port = int(proxy.url.rsplit(":", 1)[1])
        for target_port, expected in ((port, b"200 Connection"), (other_port, b"403")):
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
            writer.write(f"CONNECT 127.0.0.1:{target_port} HTTP/1.1\r\n\r\n".encode())
            line = await asyncio.wait_for(reader.readline(), 10)
            assert expected in line
            writer.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
        writer.write(b"GET http://203.0.113.9/ HTTP/1.1\r\nHost: 203.0.113.9\r\n\r\n")
        assert b"403" in await asyncio.wait_for(reader.readline(), 10)
        writer.close()
        await asyncio.wait_for(reached.wait(), 10)
        assert hits == ["127.0.0.11"]  # the allowed one, from the proxy's own address
    finally:
        await proxy.stop()
        server.close()
        other.close()

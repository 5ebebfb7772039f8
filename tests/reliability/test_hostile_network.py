"""Proxies, an endless conversation and a redirected WebSocket handshake.

Items 5, 6 and the WebSocket part of 9 of issue 14: :class:`HostileServer` plays
hackattic.com, a proxy that must not be used in cleartext, and a WebSocket server that
pings every millisecond for ever or redirects the handshake elsewhere.
"""

from __future__ import annotations

import asyncio

import pytest

from .conftest import (
    TOKEN,
    CliRunner,
    HostileFactory,
    assert_harmless,
    hostile_env,
)
from .hostile_payloads import help_me_unpack_problem
from .hostile_server import HostileServer, Reply, Request, WebSocket

SLUG = "help_me_unpack"
CHIT_CHAT = "websocket_chit_chat"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


def proxy_env(proxy: HostileServer) -> dict[str, str | None]:
    """Every proxy variable pointing at ``proxy``, and no NO_PROXY to hide behind."""
    env: dict[str, str | None] = dict.fromkeys(PROXY_VARIABLES, proxy.base_url)
    env.update({"NO_PROXY": None, "no_proxy": None})
    return env


def passing_service(hostile: HostileFactory) -> HostileServer:
    server = hostile()
    server.route("GET", f"/challenges/{SLUG}/problem", Reply.json(help_me_unpack_problem()))
    server.route("POST", f"/challenges/{SLUG}/solve", Reply.json({"result": "passed"}))
    return server


# -- 5. proxies ----------------------------------------------------------------------------


def test_a_loopback_service_is_never_reached_through_a_proxy(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    service, proxy = passing_service(hostile), hostile()
    env = {**hostile_env(service), **proxy_env(proxy)}
    result = run_cli("run", SLUG, "--json", env=env, token=TOKEN)

    assert result.exit_code == 0, result
    assert result.json["status"] == "passed"
    assert proxy.requests == []
    assert len(service.seen("POST")) == 1


def test_the_sandbox_is_never_reached_through_a_proxy(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    proxy = hostile()
    result = run_cli("run", SLUG, "--sandbox", "--json", env=proxy_env(proxy))

    assert result.exit_code == 0, result
    assert proxy.requests == []


def test_a_remote_service_is_reached_only_through_a_tunnel(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    # The proxy refuses the tunnel, so nothing ever leaves this machine; what matters is
    # what the proxy was asked: a CONNECT naming host and port, never the URL or the token.
    proxy = hostile()
    proxy.route("CONNECT", "hackattic.invalid:443", Reply(403, reason=b"Forbidden"))
    env = {
        **proxy_env(proxy),
        "HACKATTIC_BASE_URL": "https://hackattic.invalid",
        "HACKATTIC_RETRY_ATTEMPTS": "1",
    }
    result = run_cli("run", SLUG, "--json", env=env, token=TOKEN)

    assert result.exit_code == 3, result
    assert [(r.method, r.target) for r in proxy.requests] == [("CONNECT", "hackattic.invalid:443")]
    assert TOKEN.encode() not in proxy.requests[0].raw
    assert b"/challenges/" not in proxy.requests[0].raw


# -- 6. an endless conversation ------------------------------------------------------------


def chit_chat_service(hostile: HostileFactory, pings_every: float) -> HostileServer:
    """A chit chat whose WebSocket pings every ``pings_every`` s, at most 5,000 times."""
    server = hostile()
    server.route("GET", f"/challenges/{CHIT_CHAT}/problem", Reply.json({"token": "t0k"}))

    async def flood(socket: WebSocket, request: Request) -> None:
        for _ in range(5000):
            if not await socket.send_text("ping!"):
                return
            await asyncio.sleep(pings_every)

    server.websocket("/_/ws/", flood)
    return server


def test_a_conversation_that_pings_for_ever_is_lost_after_max_beats(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = chit_chat_service(hostile, pings_every=0.001)
    result = run_cli(
        "run", CHIT_CHAT, "--attempts", "1", "--json", env=hostile_env(server), token=TOKEN
    )

    assert result.exit_code == 4, result
    (attempt,) = result.json["attempts"]
    assert attempt["error"].startswith("too many beats: the server sent more than 1000 pings")
    assert "HACKATTIC_WEBSOCKET_CHIT_CHAT_MAX_BEATS" in attempt["error"]
    assert_harmless(result)


@pytest.mark.timing
def test_a_conversation_that_lasts_too_long_is_lost_after_max_seconds(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = chit_chat_service(hostile, pings_every=0.05)
    env = {**hostile_env(server), "HACKATTIC_WEBSOCKET_CHIT_CHAT_MAX_SECONDS": "1"}
    result = run_cli("run", CHIT_CHAT, "--attempts", "1", "--json", env=env, token=TOKEN)

    assert result.exit_code == 4, result
    (attempt,) = result.json["attempts"]
    assert attempt["error"].startswith("too long: no secret after 1 s"), result
    assert 1.0 <= attempt["seconds"] < 5.0


# -- 9. the WebSocket handshake does not follow redirects ----------------------------------


def test_a_redirected_handshake_is_not_followed(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    elsewhere = hostile()
    server = hostile()
    server.route("GET", f"/challenges/{CHIT_CHAT}/problem", Reply.json({"token": "t0k"}))
    target = f"ws://127.0.0.1:{elsewhere.port}/_/ws/t0k"
    server.websocket("/_/ws/", Reply(302, headers=[("Location", target)], reason=b"Found"))
    result = run_cli(
        "run", CHIT_CHAT, "--attempts", "1", "--json", env=hostile_env(server), token=TOKEN
    )

    assert result.exit_code == 4, result
    (attempt,) = result.json["attempts"]
    assert attempt["error"].startswith("connect: could not open the conversation"), result
    assert "HTTP 302" in attempt["error"]
    assert elsewhere.requests == []
    assert len(server.seen("GET", "/_/ws/t0k")) == 1

"""Proxies and an endless conversation.

Items 5 and 6 of issue 14: :class:`HostileServer` plays hackattic.com, a proxy that must not
be used in cleartext, and a WebSocket server that ticks every millisecond for ever. The
challenges are the test plugins ``mirror`` and ``ticker`` (``tests/plugins/``): a plugin's
own bounds, from its settings, end the conversation, and the run reports the lost attempt.
(Chit chat's own bounds and its refusal to follow a redirected handshake are tested in
``plugins/websocket_chit_chat/tests/test_conversation.py``.)
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
from .hostile_payloads import mirror_problem
from .hostile_server import HostileServer, Reply, Request, WebSocket

SLUG = "mirror"
TICKER = "ticker"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


def proxy_env(proxy: HostileServer) -> dict[str, str | None]:
    """Every proxy variable pointing at ``proxy``, and no NO_PROXY to hide behind."""
    env: dict[str, str | None] = dict.fromkeys(PROXY_VARIABLES, proxy.base_url)
    env.update({"NO_PROXY": None, "no_proxy": None})
    return env


def passing_service(hostile: HostileFactory) -> HostileServer:
    server = hostile()
    server.route("GET", f"/challenges/{SLUG}/problem", Reply.json(mirror_problem()))
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


def ticking_service(hostile: HostileFactory, ticks_every: float) -> HostileServer:
    """A ticker whose WebSocket ticks every ``ticks_every`` s, at most 5,000 times."""
    server = hostile()
    server.route("GET", f"/challenges/{TICKER}/problem", Reply.json({"token": "t0k"}))

    async def flood(socket: WebSocket, request: Request) -> None:
        for number in range(1, 5001):
            if not await socket.send_text(f"tick {number}"):
                return
            await asyncio.sleep(ticks_every)

    server.websocket("/_/ticker/", flood)
    return server


def test_a_conversation_that_ticks_for_ever_is_lost_after_the_plugins_max_ticks(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = ticking_service(hostile, ticks_every=0.001)
    env = {**hostile_env(server), "HACKATTIC_TICKER_MAX_TICKS": "300"}
    result = run_cli("run", TICKER, "--attempts", "1", "--json", env=env, token=TOKEN)

    assert result.exit_code == 4, result
    (attempt,) = result.json["attempts"]
    # The plugin's setting reached its solver.
    assert attempt["error"].startswith("too many ticks: the server sent more than 300")
    assert "HACKATTIC_TICKER_MAX_TICKS" in attempt["error"]
    assert_harmless(result)


@pytest.mark.timing
def test_a_conversation_that_lasts_too_long_is_lost_after_max_seconds(
    hostile: HostileFactory, run_cli: CliRunner
) -> None:
    server = ticking_service(hostile, ticks_every=0.05)
    env = {**hostile_env(server), "HACKATTIC_TICKER_MAX_SECONDS": "1"}
    result = run_cli("run", TICKER, "--attempts", "1", "--json", env=env, token=TOKEN)

    assert result.exit_code == 4, result
    (attempt,) = result.json["attempts"]
    assert attempt["error"].startswith("too long: no secret after 1 s"), result
    assert 1.0 <= attempt["seconds"] < 5.0

"""Running the sandbox: ports, shutdown, the standalone announcement, and no token in logs."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hackattic_core.challenge import Challenge
from hackattic_core.sandbox.conditions import SandboxConditions
from hackattic_core.sandbox.server import (
    remote_warning,
    run_standalone,
    serve_challenges,
)
from hackattic_core.serving import bind_tcp

Challenges = dict[str, type[Challenge]]
MakeConditions = Callable[..., SandboxConditions]


def refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


async def test_port_zero_takes_a_real_port(
    challenges: Challenges, make_conditions: MakeConditions
) -> None:
    async with serve_challenges(challenges, make_conditions(), port=0) as handle:
        assert handle.port > 0
        assert handle.base_url == f"http://127.0.0.1:{handle.port}"
        assert handle.ws_base_url == f"ws://127.0.0.1:{handle.port}"
        assert len(handle.access_token) == 32
        assert handle.access_token not in repr(handle)
        with socket.create_connection(("127.0.0.1", handle.port), timeout=1):
            pass
    assert refuses_connections(handle.port)


async def test_given_access_token_and_fresh_random_ones(
    challenges: Challenges, make_conditions: MakeConditions
) -> None:
    async with (
        serve_challenges(challenges, make_conditions(), access_token="my-own-token") as handle,
        httpx.AsyncClient(base_url=handle.base_url) as client,
    ):
        assert handle.access_token == "my-own-token"
        response = await client.get(
            "/challenges/echo/problem", params={"access_token": "my-own-token"}
        )
        assert response.status_code == 200
    async with serve_challenges(challenges, make_conditions()) as other:
        assert other.access_token != handle.access_token


async def test_busy_port_raises_oserror(
    challenges: Challenges, make_conditions: MakeConditions
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=r"(?i)in use"):
            async with serve_challenges(challenges, make_conditions(), port=port):
                pass


async def test_ipv6_loopback(challenges: Challenges, make_conditions: MakeConditions) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        bind_tcp("::1", 0).close()
    except OSError:
        pytest.skip("no IPv6 loopback")
    async with (
        serve_challenges(challenges, make_conditions(), host="::1") as handle,
        httpx.AsyncClient(base_url=handle.base_url) as client,
    ):
        assert handle.base_url == f"http://[::1]:{handle.port}"
        params = {"access_token": handle.access_token}
        assert (await client.get("/challenges/echo/problem", params=params)).status_code == 200


def test_listening_socket_is_tcp_so_asyncio_disables_nagle() -> None:
    with bind_tcp("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP


def test_remote_warning() -> None:
    assert remote_warning("127.0.0.1") is None
    assert remote_warning("localhost") is None
    assert remote_warning("::1") is None
    warning = remote_warning("192.0.2.1")
    assert warning is not None
    assert "192.0.2.1" in warning


async def read_stdout_line(capsys: pytest.CaptureFixture[str]) -> str:
    out = ""
    for _ in range(500):
        out += capsys.readouterr().out
        if out.endswith("\n"):
            return out
        await asyncio.sleep(0.01)
    raise AssertionError(f"no announcement line, got {out!r}")


async def test_run_standalone_announces_one_json_line(
    challenges: Challenges, make_conditions: MakeConditions, capsys: pytest.CaptureFixture[str]
) -> None:
    task = asyncio.create_task(
        run_standalone(
            challenges,
            make_conditions(),
            host="127.0.0.1",
            port=0,
            access_token=None,
            json_output=True,
        )
    )
    try:
        out = await read_stdout_line(capsys)
        assert out.count("\n") == 1
        announced = json.loads(out)
        assert set(announced) == {"base_url", "access_token"}
        async with httpx.AsyncClient(base_url=announced["base_url"]) as client:
            response = await client.get(
                "/challenges/echo/problem", params={"access_token": announced["access_token"]}
            )
            assert response.status_code == 200
        assert not task.done()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert capsys.readouterr().out == ""
    port = int(announced["base_url"].rsplit(":", 1)[1])
    assert refuses_connections(port)


async def test_run_standalone_human_announcement(
    challenges: Challenges, make_conditions: MakeConditions
) -> None:
    lines: list[str] = []
    task = asyncio.create_task(
        run_standalone(
            challenges,
            make_conditions(),
            host="127.0.0.1",
            port=0,
            access_token="tok-for-humans",
            json_output=False,
            announce=lines.append,
        )
    )
    try:
        for _ in range(500):
            if lines:
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(lines) == 1
    text = lines[0]
    base_url = text.split("serving on ", 1)[1].split()[0]
    assert base_url.startswith("http://127.0.0.1:")
    assert "access token: tok-for-humans" in text
    assert f"export HACKATTIC_BASE_URL={base_url}" in text
    assert "export HACKATTIC_ACCESS_TOKEN=tok-for-humans" in text
    assert f"curl '{base_url}/challenges/echo/problem?access_token=tok-for-humans'" in text


async def test_access_token_never_logged(
    challenges: Challenges,
    make_conditions: MakeConditions,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    token = "s3cr3t-sandbox-token-value"
    conditions = make_conditions(faults=["reset"], fault_count=1)
    async with (
        serve_challenges(challenges, conditions, access_token=token) as handle,
        httpx.AsyncClient(base_url=handle.base_url) as client,
    ):
        caplog.set_level(logging.DEBUG)  # uvicorn lowered its loggers to warning
        good: dict[str, Any] = {"access_token": token}
        with pytest.raises(httpx.TransportError):
            await client.get("/challenges/echo/problem", params=good)
        await client.get("/challenges/echo/problem", params=good)
        await client.post("/challenges/echo/solve", params=good, json={"n2": 1})
        await client.post("/challenges/echo/solve", params=good, json={"boom": 1})
        await client.post("/challenges/echo/solve", params=good, content=b"nope")
        await client.get("/challenges/nope/problem", params=good)
        await client.get("/nowhere", params=good)
        await client.get("/challenges/echo/problem", params={"access_token": token + "x"})
        await client.get("/_/stats", params=good)
    # The failing checker was logged (with its traceback), the token never. (httpx logs
    # the URLs it requests: the client side is not the sandbox's business.)
    server_side = "\n".join(
        caplog.handler.format(record)
        for record in caplog.records
        if not record.name.startswith(("httpx", "httpcore"))
    )
    assert "the echo checker blew up" in server_side
    captured = capsys.readouterr()
    assert token not in server_side
    assert token not in captured.out
    assert token not in captured.err

"""Challenges whose solver runs a server that hackattic connects to during the submit.

A test challenge, ``echoer``: its solver starts a TCP echo server (kept open with
``context.keep_open``) and answers with its address; the emulation, on the solve request,
connects to that address as hackattic would and checks the echo. Real sockets throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from hackattic_core import (
    Challenge,
    ConfigError,
    Context,
    Emulation,
    ExitCode,
    Issued,
    Problem,
    Solution,
)
from hackattic_core.runner import RunResult, public_host_of, run_challenge
from hackattic_core.sandbox.conditions import sandbox_conditions
from hackattic_core.sandbox.server import serve_challenges
from hackattic_core.settings import Settings

PORTS: list[int] = []
"""Every port a solver listened on, to check that nothing listens after the run."""


class EchoerProblem(Problem):
    nonce: str
    behave: str = "ok"


class EchoerSolution(Solution):
    host: str
    port: int


@contextlib.asynccontextmanager
async def echo_server(host: str) -> AsyncIterator[int]:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = await reader.read(100)
        writer.write(data)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, host, 0)
    port = server.sockets[0].getsockname()[1]
    PORTS.append(port)
    try:
        yield port
    finally:
        server.close()
        await server.wait_closed()


class Echoer(Challenge[EchoerProblem, EchoerSolution]):
    name = "echoer"
    title = "Run an echo server (test plugin)"
    problem_model = EchoerProblem
    solution_model = EchoerSolution
    emulation_class = f"{__name__}:EchoerEmulation"
    serves = True

    async def solve(self, problem: EchoerProblem, context: Context) -> EchoerSolution:
        port = await context.keep_open(echo_server(context.listen_host))
        if problem.behave == "crash":
            raise RuntimeError("the solver crashed after starting its server")
        return EchoerSolution(host=context.require_public_host(), port=port)


class EchoerEmulation(Emulation[Any, str]):
    async def new_problem(self) -> Issued[str]:
        nonce = f"n{self.env.rng.randrange(10**9)}"
        return Issued(problem={"nonce": nonce, "behave": "ok"}, state=nonce)

    async def check(self, issued: Issued[str], solution: dict[str, Any]) -> str | None:
        reader, writer = await asyncio.open_connection(solution["host"], solution["port"])
        writer.write(issued.state.encode())
        await writer.drain()
        echoed = await reader.read(100)
        writer.close()
        return None if echoed == issued.state.encode() else f"echoed {echoed!r}"


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def run_against_sandbox(*, sandbox_mode: bool, public_host: str | None) -> RunResult:
    conditions = sandbox_conditions({"seed": 1}, read_env=False)
    async with serve_challenges({"echoer": Echoer}, conditions, read_env=False) as handle:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            base_url=handle.base_url,
            access_token=SecretStr(handle.access_token),
            public_host=public_host,
        )
        return await run_challenge(Echoer, settings, sandbox=sandbox_mode)


def test_the_server_is_up_during_the_submit_and_gone_after() -> None:
    PORTS.clear()
    result = asyncio.run(run_against_sandbox(sandbox_mode=True, public_host=None))
    assert result.passed, result.error or result.message
    assert PORTS
    assert not any(listening(port) for port in PORTS)


def test_any_server_playing_hackattic_works_with_a_public_host() -> None:
    # Not --sandbox: the public host comes from HACKATTIC_PUBLIC_HOST.
    PORTS.clear()
    result = asyncio.run(run_against_sandbox(sandbox_mode=False, public_host="127.0.0.1"))
    assert result.passed, result.error or result.message
    assert not any(listening(port) for port in PORTS)


def test_without_a_public_host_a_serving_challenge_says_what_to_set() -> None:
    result = asyncio.run(run_against_sandbox(sandbox_mode=False, public_host=None))
    assert result.exit_code == ExitCode.CONFIG
    assert "HACKATTIC_PUBLIC_HOST" in (result.error or "")
    assert result.attempts == []  # refused before fetching a problem


def test_a_solver_that_fails_after_starting_its_server_leaves_nothing_listening() -> None:
    PORTS.clear()
    crash = Echoer()

    async def solve_crashing() -> None:
        context: Context = Context(
            settings=Settings(_env_file=None),  # type: ignore[call-arg]
            http=None,  # type: ignore[arg-type]
            ws_base_url="",
            logger=__import__("logging").getLogger("test"),
            public_host="127.0.0.1",
        )
        try:
            with pytest.raises(RuntimeError):
                await crash.solve(EchoerProblem(nonce="x", behave="crash"), context)
        finally:
            await context.resources.aclose()

    asyncio.run(solve_crashing())
    assert PORTS
    assert not any(listening(port) for port in PORTS)


def test_require_public_host_is_a_config_error() -> None:
    context: Context = Context(
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
        http=None,  # type: ignore[arg-type]
        ws_base_url="",
        logger=__import__("logging").getLogger("test"),
    )
    with pytest.raises(ConfigError, match="HACKATTIC_PUBLIC_HOST"):
        context.require_public_host()


def test_a_public_url_alone_names_the_public_host() -> None:
    settings = Settings(_env_file=None, public_url="https://abc.example.net/app")  # type: ignore[call-arg]
    assert public_host_of(settings) == "abc.example.net"

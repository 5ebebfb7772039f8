"""A plugin written only against ``hackattic_core``'s public API, as an outside author would.

``tally``: the problem points to a one-time download served by the emulation's own server
(started and stopped with the sandbox); the solver downloads the numbers and sends their
sum. The emulation has its own conditions (``count``, ``offset``), a fault of its own
(``short_download``) and an async check. Installed for a test as ``hackattic_test_tally``
(hence its ``emulation_class``; see ``tests/reliability/conftest.py``).
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any, ClassVar

from pydantic import Field

from hackattic_core import (
    AnyChallenge,
    Challenge,
    Context,
    Emulation,
    EmulationConditions,
    Issued,
    Problem,
    Solution,
    SolverError,
    hookimpl,
)


class TallyProblem(Problem):
    url: str


class TallySolution(Solution):
    total: int


class Tally(Challenge[TallyProblem, TallySolution]):
    name = "tally"
    title = "Sum the numbers of a one-time download (test plugin)"
    problem_model = TallyProblem
    solution_model = TallySolution
    emulation_class = "hackattic_test_tally:TallyEmulation"

    async def solve(self, problem: TallyProblem, context: Context) -> TallySolution:
        context.progress.update("downloading", completed=0, total=1)
        response = await context.http.get(problem.url)
        if response.status_code != 200:
            raise SolverError(f"the download answered {response.status_code}")
        numbers = [int(word) for word in response.text.split()]
        context.progress.update("downloaded", completed=1, total=1)
        return TallySolution(total=sum(numbers))


class TallyConditions(EmulationConditions):
    count: int = Field(default=5, ge=1, le=10_000, description="Numbers in a download.")
    offset: int = Field(default=0, description="Added to every number.")


class TallyEmulation(Emulation[TallyConditions, int]):
    """Serves each problem's numbers once, from a plain HTTP server of its own."""

    conditions_model = TallyConditions
    faults: ClassVar[dict[str, str]] = {"short_download": "downloads lose their last number"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.server: asyncio.Server | None = None
        self.downloads: dict[str, list[int]] = {}
        self.served = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def new_problem(self) -> Issued[int]:
        assert self.server is not None, "start() was not called"
        conditions = self.env.conditions
        rng = self.env.rng
        numbers = [rng.randint(0, 1000) + conditions.offset for _ in range(conditions.count)]
        key = secrets.token_hex(8)
        self.downloads[key] = numbers
        port = self.server.sockets[0].getsockname()[1]
        return Issued({"url": f"http://127.0.0.1:{port}/{key}"}, state=sum(numbers))

    async def check(self, issued: Issued[int], solution: dict[str, Any]) -> str | None:
        await asyncio.sleep(0)  # a check may await: the sandbox serves others meanwhile
        if solution.get("total") != issued.state:
            return f"wrong total: got {solution.get('total')!r}, expected {issued.state}"
        return None

    def stats(self) -> dict[str, Any]:
        return {"served": self.served}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        key = request.split(b" ")[1].decode().lstrip("/")
        numbers = self.downloads.pop(key, None)  # one-time
        if numbers is None:
            writer.write(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        else:
            if self.env.has_fault("short_download"):
                numbers = numbers[:-1]
            body = " ".join(map(str, numbers)).encode()
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            writer.write(head.encode() + body)
            self.served += 1
        await writer.drain()
        writer.close()


@hookimpl
def hackattic_register_challenges() -> list[type[AnyChallenge]]:
    return [Tally]

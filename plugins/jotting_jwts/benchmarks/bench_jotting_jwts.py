"""Benchmark: how fast the jotting_jwts app answers tokens, beside a plain stdlib server.

Both apps run in a process of their own on loopback and judge the same tokens with PyJWT;
one client (a minimal keep-alive HTTP/1.1 client) posts them one at a time, as hackattic
does, and measures each answer's latency; then 8 clients post at once. "stdlib + PyJWT" is
what many public solvers write: ``http.server`` with a handler that calls ``jwt.decode``
(its headers and body leave in two writes, so Nagle's algorithm and the client's delayed
ACK add ~40 ms to every answer).
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import textwrap
import time

import jwt

SECRET = "benchmark-secret-0123456789abcdef"  # noqa: S105 - the benchmark's own key
SEQUENTIAL = 1000
CONCURRENT_CLIENTS = 8
CONCURRENT_EACH = 100

OURS = """
import asyncio, sys
from hackattic_jotting_jwts.app import build_app
from hackattic_jotting_jwts.server import serve_app
from hackattic_jotting_jwts.tokens import TokenCollector

async def main():
    collector = TokenCollector(SECRET.encode(), max_tokens=10**9)
    async with serve_app(build_app(collector, max_body_bytes=65536), "127.0.0.1", 0) as bound:
        print(bound.port, flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""

STDLIB = """
import json, jwt
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
parts = []

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        answer = {}
        try:
            claims = jwt.decode(body, SECRET, algorithms=["HS256"])
        except jwt.PyJWTError:
            claims = None
        if claims is not None:
            if "append" in claims:
                parts.append(claims["append"])
            else:
                answer = {"solution": "".join(parts)}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def _start(source: str) -> tuple[subprocess.Popen[str], int]:
    code = f"SECRET = {SECRET!r}\n" + textwrap.dedent(source)
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, port


def _tokens(count: int) -> list[bytes]:
    key = SECRET.encode()
    tokens = []
    for n in range(count):
        if n % 5 == 4:  # one in five is invalid, as in the challenge
            tokens.append(jwt.encode({"append": "x"}, b"wrong" * 8, algorithm="HS256").encode())
        else:
            tokens.append(jwt.encode({"append": f"{n:x}"}, key, algorithm="HS256").encode())
    return tokens


class _Client:
    """A minimal keep-alive HTTP/1.1 client: httpx itself costs ~5 ms a request here,
    which would hide both servers' own latency."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def __aenter__(self) -> _Client:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.writer.close()

    async def post(self, body: bytes) -> bytes:
        head = f"POST / HTTP/1.1\r\nHost: bench\r\nContent-Length: {len(body)}\r\n\r\n"
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        header = await self.reader.readuntil(b"\r\n\r\n")
        if not header.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(header[:60])
        length = next(
            int(line.split(b":", 1)[1])
            for line in header.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        return await self.reader.readexactly(length)


async def _measure(port: int) -> dict[str, float]:
    tokens = _tokens(SEQUENTIAL)
    latencies = []
    async with _Client(port) as client:
        for token in tokens[:50]:  # warm-up
            await client.post(token)
        started = time.perf_counter()
        for token in tokens:
            t0 = time.perf_counter()
            await client.post(token)
            latencies.append(time.perf_counter() - t0)
        sequential = time.perf_counter() - started

    async def one_client(chunk: list[bytes]) -> None:
        async with _Client(port) as client:
            for token in chunk:
                await client.post(token)

    chunks = [_tokens(CONCURRENT_EACH) for _ in range(CONCURRENT_CLIENTS)]
    started = time.perf_counter()
    await asyncio.gather(*(one_client(chunk) for chunk in chunks))
    concurrent = time.perf_counter() - started
    latencies.sort()
    return {
        "sequential_rate": SEQUENTIAL / sequential,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "concurrent_rate": CONCURRENT_CLIENTS * CONCURRENT_EACH / concurrent,
    }


def _decode_rate() -> float:
    token = jwt.encode({"append": "x"}, SECRET.encode(), algorithm="HS256")
    count = 20_000
    started = time.perf_counter()
    for _ in range(count):
        jwt.decode(token, SECRET.encode(), algorithms=["HS256"])
    return count / (time.perf_counter() - started)


def run() -> dict[str, object]:
    results = {}
    for name, source in (("ours", OURS), ("stdlib", STDLIB)):
        process, port = _start(source)
        try:
            results[name] = asyncio.run(_measure(port))
        finally:
            process.terminate()
            process.wait(10)
    decode = _decode_rate()
    ours, plain = results["ours"], results["stdlib"]
    rows = [
        ("**ours** (Starlette on uvicorn, PyJWT)", ours),
        ("stdlib `http.server` + PyJWT", plain),
    ]
    lines = [
        f"| app | tokens/s, one client | p50 | p99 | tokens/s, {CONCURRENT_CLIENTS} clients |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, r in rows:
        lines.append(
            f"| {label} | {r['sequential_rate']:,.0f} | {r['p50_ms']:.2f} ms | "
            f"{r['p99_ms']:.2f} ms | {r['concurrent_rate']:,.0f} |"
        )
    lines.append(f"| PyJWT `decode` alone, in process | {decode:,.0f} | | | |")
    markdown = "\n".join(lines)
    return {
        "title": f"jotting_jwts: tokens answered ({SEQUENTIAL} posted one at a time, loopback)",
        "markdown": markdown,
        "targets": [
            {
                "name": "tokens/s, one client",
                "target": "≥ 500 (hackattic posts a few dozen)",
                "measured": f"{ours['sequential_rate']:,.0f}",
                "met": ours["sequential_rate"] >= 500,
            },
            {
                "name": "p99 latency",
                "target": "≤ 20 ms",
                "measured": f"{ours['p99_ms']:.2f} ms",
                "met": ours["p99_ms"] <= 20,
            },
            {
                "name": "one client, beside stdlib + PyJWT",
                "target": "≥ 0.8× its rate",
                "measured": f"{ours['sequential_rate'] / plain['sequential_rate']:.2f}×",
                "met": ours["sequential_rate"] >= 0.8 * plain["sequential_rate"],
            },
        ],
    }


if __name__ == "__main__":
    print(run()["markdown"])

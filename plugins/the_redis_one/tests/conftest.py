"""Shared fixtures: a throwaway redis-server, a small RESP client, crafted snapshots.

Where redis-server is missing, the tests that need it skip, saying why, unless
HACKATTIC_REQUIRE_REDIS=1 (set in CI), which makes them fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from hackattic_the_redis_one.rdb import Entry, Snapshot, read_snapshot

REQUIRE_REDIS = "HACKATTIC_REQUIRE_REDIS"
DATA = Path(__file__).parent / "data"
MIB = 1024 * 1024


def redis_unavailable(reason: str) -> NoReturn:
    """Skip, or fail where Redis is required."""
    if os.environ.get(REQUIRE_REDIS) == "1":
        pytest.fail(f"Redis is required ({REQUIRE_REDIS}=1) but {reason}")
    pytest.skip(f"needs Redis: {reason}")


def redis_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        redis_unavailable(f"{name} is not installed (apt-get install redis-server)")
    return path


class RedisError(Exception):
    """An error reply."""


class Resp:
    """A minimal RESP2 client: enough to write keys and read them back."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.file = self.sock.makefile("rb")

    def __call__(self, *args: object) -> Any:
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        out = b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
        self.sock.sendall(out)
        return self._read()

    def _read(self) -> Any:
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else self.file.read(size + 2)[:-2]
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self._read() for _ in range(size)]
        raise RedisError(f"unexpected reply {line!r}")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@dataclass
class RedisServer:
    """A running throwaway redis-server and a client connected to it."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes]
    client: Resp

    @property
    def dump(self) -> Path:
        return self.folder / "dump.rdb"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def start_redis(tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    """``start_redis(*extra_args, load=None)``: redis-server on a free loopback port, in a
    folder of its own, never saving on its own, having loaded the snapshot ``load`` if
    given; stopped when the test ends."""
    started: list[RedisServer] = []
    server_bin = redis_tool("redis-server")

    def start(*extra: str, load: bytes | None = None) -> RedisServer:
        folder = tmp_path / f"redis{len(started)}"
        folder.mkdir(exist_ok=True)
        if load is not None:
            (folder / "dump.rdb").write_bytes(load)
        port = _free_port()
        process = subprocess.Popen(  # noqa: S603 (our own arguments)
            [server_bin, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
             "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no",
             "--enable-debug-command", "yes", "--daemonize", "no", "--logfile", "", *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            try:
                client = Resp(port)
                client("PING")
                break
            except (OSError, RedisError):
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"redis-server did not start (exit {process.poll()})")
                time.sleep(0.05)
        server = RedisServer(folder=folder, port=port, process=process, client=client)
        started.append(server)
        return server

    yield start
    for server in started:
        server.client.close()
        server.process.terminate()
        try:
            server.process.wait(10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def _read_all(data: bytes) -> tuple[Snapshot, list[Entry], dict[tuple[int, bytes], object]]:
    """Every entry of a snapshot, and each key's value collected: bytes, a list, a set of
    members, a dict of fields, a dict of member → score, or a stream's length."""
    snapshot = Snapshot()
    entries: list[Entry] = []
    values: dict[tuple[int, bytes], object] = {}
    for entry in read_snapshot(data, snapshot, max_string_bytes=64 * MIB):
        entries.append(entry)
        value: object
        if entry.type == "string":
            value = entry.value
        elif entry.type == "list":
            value = list(entry.elements)
        elif entry.type == "set":
            value = set(entry.elements)
        elif entry.type in ("hash", "zset"):
            value = dict(entry.elements)  # type: ignore[arg-type]
        else:
            value = entry.stream_length
        values[(entry.db, entry.key)] = value
    return snapshot, entries, values


@pytest.fixture
def read_all() -> Callable[[bytes], tuple[Snapshot, list[Entry], dict[tuple[int, bytes], object]]]:
    """``read_all(data)``: the snapshot, its entries and every key's value collected."""
    return _read_all


@pytest.fixture
def redis_check_rdb() -> str:
    """The path of redis-check-rdb (skips or fails where it is missing)."""
    return redis_tool("redis-check-rdb")

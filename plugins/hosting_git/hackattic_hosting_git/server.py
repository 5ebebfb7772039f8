"""The SSH server hackattic pushes to (asyncssh): one user, one key, one repository.

Only public-key authentication, for exactly the problem's user name and key. Only
``session`` channels, and on them only an ``exec`` of ``git-receive-pack`` /
``git-upload-pack`` on the served path (see :mod:`.commands`): shell, pty, subsystem
(sftp), X11, agent forwarding, TCP/Unix port forwarding in either direction and tun/tap
are all refused at the protocol level. An accepted command runs the real ``git`` against
the bare repository, its stdin/stdout/stderr and exit status wired to the channel. Bounds:
connections at once, sessions per connection, bytes received per command, seconds per
command and per connection, and the login grace time.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from .commands import GitCommand, Refused, parse_command
from .process import clean_env

Listener = Callable[[str], None]

HIGH_WATER = 1024 * 1024
"""Bytes queued for git's stdin before the channel stops reading (flow control)."""
LOW_WATER = 256 * 1024
CHUNK = 32 * 1024
MAX_SESSIONS_PER_CONNECTION = 4
GIT_PROTOCOL = re.compile(r"version=[0-9]")


@dataclass(frozen=True)
class GitServerConfig:
    """What the server serves, and its bounds."""

    username: str
    client_key: asyncssh.SSHKey
    repo_path: str
    repo_dir: Path
    home: Path
    max_bytes: int
    command_timeout: float
    connection_timeout: float
    max_connections: int
    login_timeout: float


@dataclass
class ServerStats:
    connections: int = 0
    refused_auth: int = 0
    refused_requests: int = 0
    commands: int = 0
    received_bytes: int = 0
    refusals: list[str] = field(default_factory=list)

    def refuse(self, reason: str) -> None:
        if len(self.refusals) < 20:
            self.refusals.append(reason)


@dataclass(frozen=True)
class BoundServer:
    host: str
    port: int
    host_key_fingerprint: str
    stats: ServerStats


class _GitSession(asyncssh.SSHServerSession[bytes]):
    """One session channel: refuses everything but an accepted git command, then runs it."""

    def __init__(self, server: _GitSSHServer) -> None:
        self._server = server
        self._config = server.config
        self._chan: asyncssh.SSHServerChannel[bytes] | None = None
        self._command: GitCommand | None = None
        self._inbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._queued = 0
        self._received = 0
        self._paused = False
        self._can_write = asyncio.Event()
        self._can_write.set()
        self._task: asyncio.Task[None] | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._finished = False

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self._chan = chan

    def _refuse(self, what: str) -> bool:
        self._server.refuse(what)
        # One refusal ends the channel: a client cannot keep trying requests on it.
        if self._chan is not None:
            asyncio.get_running_loop().call_soon(self._chan.close)
        return False

    def pty_requested(self, term_type: str, term_size: Any, term_modes: Any) -> bool:
        return self._refuse("a terminal (pty) request")

    def shell_requested(self) -> bool:
        return self._refuse("a shell request")

    def subsystem_requested(self, subsystem: str) -> bool:
        return self._refuse(f"a subsystem request ({subsystem[:40]!r})")

    def exec_requested(self, command: str) -> bool:
        try:
            self._command = parse_command(command, self._config.repo_path)
        except Refused as exc:
            return self._refuse(f"command {command[:120]!r}: {exc}")
        return True

    def session_started(self) -> None:
        if self._command is not None:
            self._task = asyncio.create_task(self._run(self._command))

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        if self._finished:
            return
        self._received += len(data)
        self._server.stats.received_bytes += len(data)
        if self._received > self._config.max_bytes:
            self._abort(f"more than {self._config.max_bytes} bytes sent: refused")
            return
        self._inbox.put_nowait(data)
        self._queued += len(data)
        if self._queued > HIGH_WATER and not self._paused and self._chan is not None:
            self._paused = True
            self._chan.pause_reading()

    def eof_received(self) -> bool:
        self._inbox.put_nowait(None)
        return True  # half-open: git's answer still goes out

    def pause_writing(self) -> None:
        self._can_write.clear()

    def resume_writing(self) -> None:
        self._can_write.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self._finished = True
        self._can_write.set()
        self._kill()
        if self._task is not None:
            self._task.cancel()

    def _kill(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()

    def _exit(self, status: int, message: str | None = None) -> None:
        if self._finished or self._chan is None:
            return
        self._finished = True
        if message:
            self._chan.write_stderr(f"{message}\n".encode())
        self._chan.exit(status)

    def _abort(self, message: str) -> None:
        self._server.refuse(message)
        self._kill()
        self._exit(1, message)

    async def _run(self, command: GitCommand) -> None:
        config = self._config
        extra: dict[str, str] = {}
        assert self._chan is not None
        protocol = self._chan.get_environment().get("GIT_PROTOCOL", "")
        if GIT_PROTOCOL.fullmatch(protocol):
            extra["GIT_PROTOCOL"] = protocol
        args = ["git", command.service]
        if command.service == "upload-pack":
            args += ["--strict", f"--timeout={max(1, int(config.command_timeout))}"]
        self._server.stats.commands += 1
        self._server.say(f"git {command.service} started")
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *args,
                str(config.repo_dir),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=clean_env(config.home, extra),
                cwd=config.home,
                start_new_session=True,
            )
        except OSError as exc:
            self._exit(1, f"cannot run git: {exc.strerror or exc}")
            return
        proc = self._proc
        feeder = asyncio.create_task(self._feed(proc))
        try:
            await asyncio.wait_for(
                asyncio.gather(
                    self._pump(proc.stdout, stderr=False),
                    self._pump(proc.stderr, stderr=True),
                    proc.wait(),
                ),
                config.command_timeout,
            )
        except TimeoutError:
            self._kill()
            await proc.wait()
            self._server.refuse(
                f"git {command.service} took longer than {config.command_timeout:g} s"
            )
            self._exit(1, "timed out")
            return
        finally:
            feeder.cancel()
            self._kill()
        self._server.say(
            f"git {command.service} ended with status {proc.returncode} "
            f"({self._received} bytes received)"
        )
        self._exit(proc.returncode or 0)

    async def _feed(self, proc: asyncio.subprocess.Process) -> None:
        stdin = proc.stdin
        assert stdin is not None
        try:
            while (data := await self._inbox.get()) is not None:
                stdin.write(data)
                await stdin.drain()
                self._queued -= len(data)
                if self._paused and self._queued < LOW_WATER and self._chan is not None:
                    self._paused = False
                    self._chan.resume_reading()
        except (ConnectionError, BrokenPipeError):
            pass  # git stopped reading: its exit status tells why
        finally:
            stdin.close()

    async def _pump(self, stream: asyncio.StreamReader | None, *, stderr: bool) -> None:
        if stream is None:
            return
        while chunk := await stream.read(CHUNK):
            await self._can_write.wait()
            if self._finished or self._chan is None:
                continue  # keep draining so that git never blocks on a full pipe
            if stderr:
                self._chan.write_stderr(chunk)
            else:
                self._chan.write(chunk)


class _GitSSHServer(asyncssh.SSHServer):
    """One connection's policy: who may log in, and which channels may open."""

    def __init__(self, owner: _Owner) -> None:
        self.owner = owner
        self.config = owner.config
        self.stats = owner.stats
        self._conn: asyncssh.SSHServerConnection | None = None
        self._peer = "?"
        self._refused_auth: str | None = None
        self._authenticated = False
        self._sessions = 0
        self._deadline: asyncio.TimerHandle | None = None

    def say(self, message: str) -> None:
        self.owner.listener(f"{self._peer}: {message}")

    def refuse(self, what: str) -> None:
        self.stats.refused_requests += 1
        self.stats.refuse(f"{self._peer}: refused {what}")
        self.say(f"refused {what}")

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self._peer = f"{peer[0]}:{peer[1]}"
        self.stats.connections += 1
        loop = asyncio.get_running_loop()
        if len(self.owner.connections) >= self.config.max_connections:
            self.say("refused: too many connections at once")
            loop.call_soon(conn.close)
            return
        self.owner.connections.add(conn)
        self._deadline = loop.call_later(self.config.connection_timeout, conn.close)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self.owner.connections.discard(self._conn)
        if self._deadline is not None:
            self._deadline.cancel()
        if not self._authenticated and self._refused_auth is not None:
            self.stats.refused_auth += 1
            self.stats.refuse(f"{self._peer}: refused login: {self._refused_auth}")
            self.say(f"refused login: {self._refused_auth}")

    def begin_auth(self, username: str) -> bool:
        return True  # authentication is always required

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        if username != self.config.username:
            self._refused_auth = f"user {username[:40]!r} is not the problem's"
            return False
        if key.public_data != self.config.client_key.public_data:
            self._refused_auth = f"a {key.get_algorithm()} key that is not the problem's"
            return False
        return True

    def auth_completed(self) -> None:
        self._authenticated = True
        self.say(f"logged in as {self.config.username}")

    def session_requested(self) -> _GitSession | bool:
        self._sessions += 1
        if self._sessions > MAX_SESSIONS_PER_CONNECTION:
            self.refuse("another session on the same connection")
            return False
        return _GitSession(self)

    def connection_requested(
        self, dest_host: str, dest_port: int, orig_host: str, orig_port: int
    ) -> bool:
        self.refuse(f"a port forward to {dest_host[:60]}:{dest_port}")
        return False

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        self.refuse(f"a remote port forward ({listen_host[:60]}:{listen_port})")
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        self.refuse("a Unix socket forward")
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        self.refuse("a remote Unix socket forward")
        return False

    def tun_requested(self, unit: int | None) -> bool:
        self.refuse("a tun device")
        return False

    def tap_requested(self, unit: int | None) -> bool:
        self.refuse("a tap device")
        return False


@dataclass
class _Owner:
    config: GitServerConfig
    listener: Listener
    stats: ServerStats = field(default_factory=ServerStats)
    connections: set[asyncssh.SSHServerConnection] = field(default_factory=set)


@contextlib.asynccontextmanager
async def serve_git(
    config: GitServerConfig, host: str, port: int, listener: Listener
) -> AsyncIterator[BoundServer]:
    """The SSH git server on ``host``:``port`` while the block runs (``port`` 0: a free
    one); closed after it with every connection and git process it started.

    The host key is generated for this server, in memory: clients do not know it anyway
    (hackattic does not check it), and nothing is written to disk.
    """
    owner = _Owner(config, listener)
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    acceptor = await asyncssh.listen(
        host,
        port,
        server_factory=lambda: _GitSSHServer(owner),
        server_host_keys=[host_key],
        config=None,
        encoding=None,
        allow_pty=False,
        agent_forwarding=False,
        x11_forwarding=False,
        login_timeout=config.login_timeout,
        password_auth=False,
        kbdint_auth=False,
        host_based_auth=False,
        gss_auth=False,
        gss_kex=False,
        reuse_address=True,
    )
    try:
        yield BoundServer(host, acceptor.get_port(), host_key.get_fingerprint(), owner.stats)
    finally:
        acceptor.close()
        for conn in list(owner.connections):
            conn.close()
        await acceptor.wait_closed()
        for conn in list(owner.connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), 5)

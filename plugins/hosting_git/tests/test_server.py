"""The SSH git server against the real ``ssh`` and ``git`` clients: what it must accept,
and everything it must refuse (another key or user, a shell, a command, a port forward, a
subsystem, a path outside the repository, a push too large)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest
from hackattic_hosting_git.process import clean_env, run
from hackattic_hosting_git.pusher import KeyPair, generate_key, make_commit, push, ssh_command
from hackattic_hosting_git.repository import branches, init_bare, read_solution
from hackattic_hosting_git.server import BoundServer, GitServerConfig, serve_git

REPO = "little/snow.git"
USER = "hack"


@dataclass
class Host:
    server: BoundServer
    key: KeyPair
    other: KeyPair
    repo: Path
    home: Path
    work: Path
    events: list[str]


@contextlib.asynccontextmanager
async def git_host(tmp_path: Path, *, max_bytes: int = 1024 * 1024) -> AsyncIterator[Host]:
    home, keys = tmp_path / "home", tmp_path / "keys"
    home.mkdir()
    keys.mkdir()
    key = await generate_key(keys, "right", key_type="ed25519", bits=0)
    other = await generate_key(keys, "other", key_type="ed25519", bits=0)
    repo = await init_bare(home, REPO, max_input_bytes=max_bytes)
    config = GitServerConfig(
        username=USER,
        client_key=asyncssh.import_public_key(key.public),
        repo_path=REPO,
        repo_dir=repo,
        home=home,
        max_bytes=max_bytes,
        command_timeout=30,
        connection_timeout=60,
        max_connections=8,
        login_timeout=10,
    )
    events: list[str] = []
    work = tmp_path / "work"
    await make_commit(work, "s3cret-value\n", time_limit=30)
    async with serve_git(config, "127.0.0.1", 0, events.append) as server:
        yield Host(server, key, other, repo, home, work, events)


async def ssh(host: Host, *args: str, remote: str | None = None) -> tuple[int, str]:
    """``ssh ARGS hack@server [REMOTE]``: exit status and stderr."""
    command = shlex.split(ssh_command(host.key.private, host.server.port, 10))
    done = await run(
        [*command, *args, f"{USER}@127.0.0.1", *([remote] if remote else [])],
        env=clean_env(host.home),
        time_limit=30,
    )
    return done.status, done.stderr.decode(errors="replace")


async def push_to(
    host: Host, path: str = REPO, *, key: KeyPair | None = None, user: str = USER
) -> bool:
    outcome = await push(
        host.work, (key or host.key).private, user=user, host="127.0.0.1",
        port=host.server.port, path=path, time_limit=30,
    )  # fmt: skip
    return outcome.ok


async def test_a_push_with_the_problems_key_arrives_and_can_be_fetched(tmp_path: Path) -> None:
    async with git_host(tmp_path) as host:
        assert await push_to(host)
        pushed = await read_solution(host.repo, host.home, max_bytes=1024)
        assert (pushed.branch, pushed.content) == ("master", b"s3cret-value\n")
        clone = tmp_path / "clone"
        url = f"{USER}@127.0.0.1:{REPO}"
        env = clean_env(
            tmp_path, {"GIT_SSH_COMMAND": ssh_command(host.key.private, host.server.port, 10)}
        )
        done = await run(["git", "clone", "--quiet", url, str(clone)], env=env, time_limit=30)
        assert done.status == 0, done.stderr
        assert (clone / "solution.txt").read_text() == "s3cret-value\n"
        assert host.server.stats.commands == 2


async def test_a_push_with_another_key_is_refused(tmp_path: Path) -> None:
    async with git_host(tmp_path) as host:
        assert not await push_to(host, key=host.other)
        assert await branches(host.repo, host.home) == []
        await asyncio.sleep(0.1)  # the refusal is counted when the connection ends
        assert host.server.stats.refused_auth >= 1
        assert any("not the problem's" in r for r in host.server.stats.refusals)


async def test_another_user_is_refused_even_with_the_right_key(tmp_path: Path) -> None:
    async with git_host(tmp_path) as host:
        assert not await push_to(host, user="root")
        assert await branches(host.repo, host.home) == []


@pytest.mark.parametrize(
    ("args", "remote", "refusal"),
    [
        ((), None, "shell"),
        (("-T",), None, "shell"),
        ((), "ls", "command 'ls'"),
        ((), "cat /etc/passwd", "command"),
        ((), "git-receive-pack '/etc'", "not the served repository"),
        (("-s",), "sftp", "subsystem"),
    ],
)
async def test_shells_commands_and_subsystems_are_refused(
    tmp_path: Path, args: tuple[str, ...], remote: str | None, refusal: str
) -> None:
    async with git_host(tmp_path) as host:
        status, _ = await ssh(host, *args, remote=remote)
        assert status != 0
        assert host.server.stats.commands == 0
        assert any(refusal in r for r in host.server.stats.refusals), host.server.stats.refusals


async def test_a_terminal_is_refused(tmp_path: Path) -> None:
    async with git_host(tmp_path) as host:
        _, stderr = await ssh(host, "-tt", remote="git-upload-pack 'little/snow.git'")
        assert "PTY allocation request failed" in stderr


async def test_port_forwarding_either_way_is_refused(tmp_path: Path) -> None:
    connections = 0

    async def target(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        writer.write(b"you reached the inside\n")
        writer.close()

    inside = await asyncio.start_server(target, "127.0.0.1", 0)
    inside_port = inside.sockets[0].getsockname()[1]
    async with inside, git_host(tmp_path) as host:
        # Remote forward (-R): refused, and ssh gives up as told.
        status, stderr = await ssh(
            host, "-N", "-o", "ExitOnForwardFailure=yes", "-R", f"0:127.0.0.1:{inside_port}"
        )
        assert status != 0
        assert "forward" in stderr.lower()
        # Local forward (-L): ssh listens locally, but every channel through it is refused.
        with socketpair_port() as local_port:
            command = shlex.split(ssh_command(host.key.private, host.server.port, 10))
            proc = await asyncio.create_subprocess_exec(
                *command, "-N", "-L", f"{local_port}:127.0.0.1:{inside_port}", f"{USER}@127.0.0.1",
                env=clean_env(host.home), stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            try:
                reader, writer = await wait_connect(local_port)
                assert await asyncio.wait_for(reader.read(100), 20) == b""
                writer.close()
            finally:
                proc.kill()
                await proc.wait()
        assert connections == 0
        refusals = " ".join(host.server.stats.refusals)
        assert "remote port forward" in refusals
        assert "port forward to 127.0.0.1" in refusals


@contextlib.contextmanager
def socketpair_port() -> AsyncIterator[int]:  # type: ignore[misc]
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


async def wait_connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    for _ in range(500):
        try:
            return await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.02)
    raise AssertionError(f"nothing listens on {port}")


async def test_pushes_outside_the_repository_are_refused(tmp_path: Path) -> None:
    async with git_host(tmp_path) as host:
        for path in (
            "../little/snow.git",
            "/tmp/little/snow.git",
            "little/other.git",
            "~root/x.git",
        ):
            assert not await push_to(host, path), path
        assert await branches(host.repo, host.home) == []
        assert not (tmp_path / "little").exists()
        assert host.server.stats.commands == 0


async def test_a_push_over_the_byte_limit_is_refused(tmp_path: Path) -> None:
    async with git_host(tmp_path, max_bytes=16 * 1024) as host:
        (host.work / "big.bin").write_bytes(os.urandom(256 * 1024))  # incompressible
        env = clean_env(host.work.parent)
        identity = ["-c", "user.name=t", "-c", "user.email=t@t"]
        await run(["git", "-C", str(host.work), "add", "big.bin"], env=env, time_limit=30)
        await run(
            ["git", "-C", str(host.work), *identity, "commit", "-qm", "big"], env=env, time_limit=30
        )
        assert not await push_to(host)
        assert await branches(host.repo, host.home) == []
        assert any("bytes sent" in r for r in host.server.stats.refusals)

"""hackattic's side of hosting_git, with the real tools: ``ssh-keygen``, ``git`` and ``ssh``.

The emulation generates the key pair a problem names, and on the trigger commits a
``solution.txt`` in a scratch repository and pushes it with ``git push`` over ``ssh``, as
hackattic does (an scp-style URL, host keys not checked). Every command is an async
subprocess with a timeout.
"""

from __future__ import annotations

import os
import shlex
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .process import CommandFailed, check, clean_env, run

KEYGEN_TIMEOUT = 60.0


@dataclass(frozen=True)
class KeyPair:
    private: Path
    public: str


async def generate_key(folder: Path, name: str, *, key_type: str, bits: int) -> KeyPair:
    """A fresh key pair in ``folder`` (no passphrase), commented ``hosting_git`` like
    hackattic's."""
    path = folder / name
    args = ["ssh-keygen", "-q", "-t", key_type, "-N", "", "-C", "hosting_git", "-f", str(path)]
    if key_type == "rsa":
        args[4:4] = ["-b", str(bits)]
    await check(args, env=clean_env(folder), time_limit=KEYGEN_TIMEOUT)
    return KeyPair(path, (folder / f"{name}.pub").read_text().strip())


async def new_key_pair(*, key_type: str, bits: int) -> tuple[str, str]:
    """A fresh key pair as text (private, public); its files are gone on return."""
    with tempfile.TemporaryDirectory(prefix="hackattic-keygen-") as folder:
        pair = await generate_key(Path(folder), "key", key_type=key_type, bits=bits)
        return pair.private.read_text(), pair.public


def write_private_key(path: Path, text: str) -> Path:
    """``text`` written to ``path`` readable by its owner only (ssh refuses anything else)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


def ssh_command(key: Path, port: int, time_limit: float) -> str:
    """What ``GIT_SSH_COMMAND`` runs: only this key, no agent, no user config, host keys
    not checked (hackattic does not check them)."""
    options = [
        "ssh",
        "-F", "/dev/null",
        "-i", str(key),
        "-p", str(port),
        "-o", "IdentitiesOnly=yes",
        "-o", "IdentityAgent=none",
        "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null",
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes",
        "-o", "LogLevel=ERROR",
        "-o", f"ConnectTimeout={max(1, int(time_limit))}",
        "-o", "ServerAliveInterval=10",
    ]  # fmt: skip
    return shlex.join(options)


async def make_commit(work: Path, content: str, *, time_limit: float) -> None:
    """A repository at ``work`` whose ``master`` has one commit adding ``solution.txt``."""
    env = clean_env(work.parent)
    await check(
        ["git", "init", "--quiet", "--initial-branch=master", str(work)],
        env=env,
        time_limit=time_limit,
    )
    (work / "solution.txt").write_text(content)
    identity = ["-c", "user.name=hackattic", "-c", "user.email=robot@hackattic.com"]
    await check(["git", "-C", str(work), "add", "solution.txt"], env=env, time_limit=time_limit)
    await check(
        ["git", "-C", str(work), *identity, "commit", "--quiet", "-m", "Here's your secret"],
        env=env,
        time_limit=time_limit,
    )


@dataclass(frozen=True)
class PushOutcome:
    ok: bool
    log: str


async def push(
    work: Path, key: Path, *, user: str, host: str, port: int, path: str, time_limit: float
) -> PushOutcome:
    """``git push user@host:path master`` over ssh on ``port``: whether it succeeded, and
    its last lines of output."""
    url = f"{user}@{host}:{path}" if ":" not in host else f"{user}@[{host}]:{path}"
    env = clean_env(work.parent, {"GIT_SSH_COMMAND": ssh_command(key, port, time_limit)})
    try:
        done = await run(
            ["git", "-C", str(work), "push", "--quiet", url, "master"],
            env=env,
            time_limit=time_limit,
        )
    except CommandFailed as exc:
        return PushOutcome(False, str(exc))
    return PushOutcome(done.status == 0, done.stderr_tail(4))

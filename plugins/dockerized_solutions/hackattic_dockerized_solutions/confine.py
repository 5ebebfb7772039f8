"""Running an image's program inside bubblewrap: no network, no host file system, bounded.

``bwrap`` gets every namespace of its own (``--unshare-all``: network, pid, ipc, uts,
cgroup, user), sees only the unpacked root file system (read-only), a fresh ``/proc``, a
minimal ``/dev`` and a small tmpfs ``/tmp``; it runs as root of its own user namespace
with every capability dropped, in a new session (no terminal to inject into), with only
the image's environment, and dies with us. Its output is read up to a limit and it is
killed at the time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""What Docker sets when an image's Env has no PATH."""


@dataclass(frozen=True)
class RunLimits:
    seconds: float
    max_output_bytes: int
    tmp_bytes: int


@dataclass(frozen=True)
class Outcome:
    exit_code: int | None
    """None when it was killed (time or output limit)."""
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    truncated: bool = False

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace").strip()


def container_env(image_env: Sequence[str] | None, extra: dict[str, str]) -> dict[str, str]:
    """The image's ``Env`` (``KEY=value`` items), Docker's defaults, then ``extra``."""
    env: dict[str, str] = {}
    for item in image_env or ():
        key, sep, value = item.partition("=")
        if sep and key and "\0" not in item:
            env[key] = value
    env.setdefault("PATH", DEFAULT_PATH)
    env.setdefault("HOME", "/root")
    env.update(extra)
    return env


def bwrap_command(
    bwrap: str,
    root: Path,
    argv: Sequence[str],
    env: dict[str, str],
    workdir: str,
    tmp_bytes: int,
) -> list[str]:
    command = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--uid", "0",
        "--gid", "0",
        "--cap-drop", "ALL",
        "--die-with-parent",
        "--new-session",
        "--hostname", "hack",
        "--clearenv",
    ]  # fmt: skip
    for key, value in env.items():
        command += ["--setenv", key, value]
    command += [
        "--ro-bind", str(root), "/",
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(tmp_bytes), "--tmpfs", "/tmp",  # noqa: S108 - inside the sandbox
        "--chdir", workdir or "/",
        "--",
        *argv,
    ]  # fmt: skip
    return command


async def run_confined(command: Sequence[str], limits: RunLimits) -> Outcome:
    """Run ``command`` (a :func:`bwrap_command`), bounded in time and output."""
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,  # its own process group, killed as one
        env={"PATH": os.defpath},
    )
    assert process.stdout is not None
    assert process.stderr is not None
    budget = [limits.max_output_bytes]
    overflow = asyncio.Event()

    async def read(stream: asyncio.StreamReader) -> bytes:
        kept = bytearray()
        # Read to the end even past the limit (what is past it is dropped): the program is
        # killed as soon as it overflows, and its pipes must reach EOF to be closed.
        while chunk := await stream.read(65536):
            room = max(budget[0], 0)
            kept += chunk[:room]
            budget[0] -= len(chunk)
            if budget[0] < 0:
                overflow.set()
        return bytes(kept)

    readers = asyncio.gather(read(process.stdout), read(process.stderr))
    overflowed = asyncio.ensure_future(overflow.wait())
    watched: set[asyncio.Future[Any]] = {readers, overflowed}
    timed_out = False
    deadline = asyncio.get_running_loop().time() + limits.seconds
    try:
        done, _ = await asyncio.wait(
            watched, timeout=limits.seconds, return_when=asyncio.FIRST_COMPLETED
        )
        if not done:
            timed_out = True
        elif not overflow.is_set():
            # Its output is closed; it may still run (a child holding on): same deadline.
            try:
                async with asyncio.timeout_at(deadline):
                    await process.wait()
            except TimeoutError:
                timed_out = True
        if timed_out or overflow.is_set():
            _kill(process)
        stdout, stderr = await readers
        exit_code = await process.wait()
    except BaseException:
        _kill(process)
        readers.cancel()
        with contextlib.suppress(BaseException):
            await process.wait()
        raise
    finally:
        overflowed.cancel()
    killed = timed_out or overflow.is_set()
    return Outcome(
        exit_code=None if killed else exit_code,
        stdout=stdout,
        stderr=stderr,
        timed_out=timed_out,
        truncated=overflow.is_set(),
    )


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)

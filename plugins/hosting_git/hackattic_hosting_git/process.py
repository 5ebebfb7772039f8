"""Running ``git``, ``ssh-keygen`` and friends as async subprocesses, bounded in time and output.

Everything here runs off the event loop's thread only in the sense that the child is another
process: nothing blocks the loop (under ``run --sandbox`` the solver and the sandbox share it).
The environment is built from scratch: no user configuration (``~/.gitconfig``, the system
git config, an ssh agent) can change what these commands do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_OUTPUT_BYTES = 1024 * 1024
"""What is kept of a command's stdout and of its stderr."""


class CommandFailed(Exception):
    """A command exited non-zero, timed out, or could not start; the message is one line."""


@dataclass(frozen=True)
class Completed:
    status: int
    stdout: bytes
    stderr: bytes

    def stderr_tail(self, lines: int = 3) -> str:
        text = self.stderr.decode("utf-8", "replace").strip().splitlines()
        return " | ".join(line.strip() for line in text[-lines:] if line.strip())


def clean_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment with only PATH, a private HOME and git settings that ignore the user's
    and the system's configuration."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C",
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "/bin/false",
        "SSH_ASKPASS": "/bin/false",
    }
    env.update(extra or {})
    return env


async def _read_bounded(stream: asyncio.StreamReader | None, limit: int) -> bytes:
    if stream is None:
        return b""
    kept = bytearray()
    while chunk := await stream.read(65536):
        if len(kept) < limit:
            kept += chunk[: limit - len(kept)]
    return bytes(kept)


async def run(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    time_limit: float,
    stdin: bytes | None = None,
    max_output: int = MAX_OUTPUT_BYTES,
) -> Completed:
    """Run ``args`` to its end (killed after ``time_limit`` seconds: :class:`CommandFailed`)."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,  # a Ctrl-C meant for us is not theirs to handle
        )
    except OSError as exc:
        raise CommandFailed(f"cannot run {args[0]}: {exc.strerror or exc}") from None

    async def communicate() -> Completed:
        if stdin is not None and proc.stdin is not None:
            proc.stdin.write(stdin)
            with contextlib.suppress(ConnectionError):
                await proc.stdin.drain()
            proc.stdin.close()
        out, err = await asyncio.gather(
            _read_bounded(proc.stdout, max_output), _read_bounded(proc.stderr, max_output)
        )
        return Completed(await proc.wait(), out, err)

    try:
        return await asyncio.wait_for(communicate(), time_limit)
    except TimeoutError:
        raise CommandFailed(
            f"{args[0]} {args[1] if len(args) > 1 else ''} took longer than {time_limit:g} s"
        ) from None
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()


async def check(args: Sequence[str], **options: object) -> Completed:
    """:func:`run`, and :class:`CommandFailed` (with stderr's last lines) unless it exits 0."""
    done = await run(args, **options)  # type: ignore[arg-type]
    if done.status != 0:
        raise CommandFailed(
            f"{' '.join(args[:3])} exited {done.status}: {done.stderr_tail() or 'no message'}"
        )
    return done

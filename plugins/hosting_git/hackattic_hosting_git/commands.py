"""Which SSH exec requests the git server runs: only git's two pack commands, on one path.

A git client over SSH sends ``git-receive-pack 'little/snow.git'`` (push) or
``git-upload-pack '…'`` (fetch); some send ``git receive-pack …``. The path is relative to
the user's home (an scp-style URL); ``~/`` in front of it, a trailing slash and shell
quoting are normalised. Everything else is refused: another command, another path, an
absolute path, ``..``, options, extra arguments.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

PACK_COMMANDS = {"git-receive-pack": "receive-pack", "git-upload-pack": "upload-pack"}
MAX_COMMAND_CHARS = 4096


@dataclass(frozen=True)
class GitCommand:
    """An accepted request: ``receive-pack`` or ``upload-pack`` on the served repository."""

    service: str


class Refused(Exception):
    """The request is not one the server runs; the message says why (shown to the client)."""


def normalise_path(raw: str) -> str:
    """``raw`` as a path relative to the home: quoting already removed, ``~/`` and ``/~/``
    dropped, a trailing slash dropped; :class:`Refused` for an absolute path or ``..``."""
    path = raw
    for prefix in ("/~/", "~/"):
        if path.startswith(prefix):
            path = path[len(prefix) :]
            break
    path = path.rstrip("/")
    if not path or path.startswith(("/", "~")):
        raise Refused(f"path {raw!r} is not the served repository")
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise Refused(f"path {raw!r} is not the served repository")
    return path


def parse_command(command: str, repo_path: str) -> GitCommand:
    """The git command ``command`` asks for, if it is one on ``repo_path``; else
    :class:`Refused`."""
    if len(command) > MAX_COMMAND_CHARS or "\x00" in command:
        raise Refused("command too long or malformed")
    try:
        words = shlex.split(command)
    except ValueError:
        raise Refused("malformed command") from None
    if len(words) == 3 and words[0] == "git" and f"git-{words[1]}" in PACK_COMMANDS:
        words = [f"git-{words[1]}", words[2]]
    if len(words) != 2 or words[0] not in PACK_COMMANDS:
        name = words[0] if words else "(empty)"
        raise Refused(f"only git push and fetch are served here, not {name[:40]!r}")
    if normalise_path(words[1]) != repo_path:
        raise Refused(f"path {words[1][:200]!r} is not the served repository")
    return GitCommand(PACK_COMMANDS[words[0]])

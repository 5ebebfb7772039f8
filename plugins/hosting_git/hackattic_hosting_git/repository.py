"""The served bare repository: created empty, and read back after hackattic's push."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .process import CommandFailed, check, clean_env, run

GIT_TIMEOUT = 30.0
SOLUTION_FILE = "solution.txt"


class NothingPushed(Exception):
    """The repository has no branch, or no ``solution.txt`` on it; the message says which."""


@dataclass(frozen=True)
class Pushed:
    branch: str
    content: bytes


async def init_bare(home: Path, repo_path: str, *, max_input_bytes: int) -> Path:
    """An empty bare repository at ``home/repo_path`` (no hooks, no template), whose
    receive-pack refuses a pack larger than ``max_input_bytes``."""
    repo = home.joinpath(*repo_path.split("/"))
    repo.parent.mkdir(parents=True, exist_ok=True)
    env = clean_env(home)
    await check(
        ["git", "init", "--quiet", "--bare", "--template=", "--initial-branch=master", str(repo)],
        env=env,
        time_limit=GIT_TIMEOUT,
    )
    for key, value in (
        ("receive.maxInputSize", str(max_input_bytes)),
        ("receive.fsckObjects", "true"),  # a malformed object is refused, not stored
        ("core.hooksPath", "/dev/null"),  # hooks never run, whatever is pushed
    ):
        await check(
            ["git", "--git-dir", str(repo), "config", key, value], env=env, time_limit=GIT_TIMEOUT
        )
    return repo


async def branches(repo: Path, home: Path) -> list[str]:
    """The repository's branches (short names), sorted."""
    done = await check(
        ["git", "--git-dir", str(repo), "for-each-ref", "--format=%(refname:short)", "refs/heads/"],
        env=clean_env(home),
        time_limit=GIT_TIMEOUT,
    )
    return sorted(line for line in done.stdout.decode("utf-8", "replace").splitlines() if line)


async def read_solution(repo: Path, home: Path, *, max_bytes: int) -> Pushed:
    """``solution.txt`` from the pushed branch: ``master``, else the only (or first) one."""
    heads = await branches(repo, home)
    if not heads:
        raise NothingPushed("nothing was pushed to the repository")
    branch = "master" if "master" in heads else heads[0]
    env = clean_env(home)
    spec = f"refs/heads/{branch}:{SOLUTION_FILE}"
    size = await run(
        ["git", "--git-dir", str(repo), "cat-file", "-s", spec], env=env, time_limit=GIT_TIMEOUT
    )
    if size.status != 0:
        raise NothingPushed(f"branch {branch!r} has no {SOLUTION_FILE}")
    length = int(size.stdout.strip() or b"0")
    if length > max_bytes:
        raise NothingPushed(
            f"{SOLUTION_FILE} holds {length} bytes, more than "
            f"HACKATTIC_HOSTING_GIT_MAX_SECRET_BYTES ({max_bytes})"
        )
    try:
        blob = await check(
            ["git", "--git-dir", str(repo), "cat-file", "blob", spec],
            env=env,
            time_limit=GIT_TIMEOUT,
            max_output=max_bytes,
        )
    except CommandFailed as exc:
        raise NothingPushed(str(exc)) from None
    return Pushed(branch, blob.stdout)

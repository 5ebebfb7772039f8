"""Benchmark of hosting_git's SSH git server, with the real ``git`` and ``ssh`` clients.

Measured: the latency of hackattic's push (one commit with ``solution.txt``) into our
in-process asyncssh server, and the throughput of a clone of a 16 MiB repository through
it. Beside it, the same ``git`` operations over git's local transport (no SSH at all),
the floor any SSH server adds to. Public solvers run the system's OpenSSH ``sshd`` with an
``authorized_keys`` entry; that needs a system service, a system user and root, which
this benchmark does not set up on the machine (see the README).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import asyncssh
from hackattic_hosting_git.process import check, clean_env
from hackattic_hosting_git.pusher import generate_key, make_commit, push, ssh_command
from hackattic_hosting_git.repository import init_bare
from hackattic_hosting_git.server import GitServerConfig, serve_git

PUSHES = 8
CLONE_MIB = 16
REPO = "little/snow.git"


async def _measure(root: Path) -> dict[str, float]:
    home = root / "home"
    home.mkdir()
    key = await generate_key(root, "key", key_type="ed25519", bits=0)
    repo = await init_bare(home, REPO, max_input_bytes=256 * 1024 * 1024)
    local_repo = await init_bare(root / "local", REPO, max_input_bytes=256 * 1024 * 1024)
    config = GitServerConfig(
        username="hack",
        client_key=asyncssh.import_public_key(key.public),
        repo_path=REPO,
        repo_dir=repo,
        home=home,
        max_bytes=256 * 1024 * 1024,
        command_timeout=120,
        connection_timeout=300,
        max_connections=8,
        login_timeout=30,
    )
    work = root / "work"
    await make_commit(work, "secret\n", time_limit=60)
    env = clean_env(root)
    identity = ["-c", "user.name=b", "-c", "user.email=b@b"]
    ours: list[float] = []
    local: list[float] = []
    async with serve_git(config, "127.0.0.1", 0, lambda _: None) as server:
        for index in range(PUSHES):
            (work / "solution.txt").write_text(f"secret {index}\n")
            await check(
                ["git", "-C", str(work), *identity, "commit", "-qam", "x"], env=env, time_limit=60
            )
            started = time.perf_counter()
            outcome = await push(
                work, key.private, user="hack", host="127.0.0.1", port=server.port, path=REPO,
                time_limit=60,
            )  # fmt: skip
            ours.append(time.perf_counter() - started)
            assert outcome.ok, outcome.log
            started = time.perf_counter()
            await check(
                ["git", "-C", str(work), "push", "-q", str(local_repo), "master"],
                env=env,
                time_limit=60,
            )
            local.append(time.perf_counter() - started)
        # A big repository for the clone: incompressible content.
        (work / "big.bin").write_bytes(os.urandom(CLONE_MIB * 1024 * 1024))
        await check(["git", "-C", str(work), "add", "big.bin"], env=env, time_limit=60)
        await check(
            ["git", "-C", str(work), *identity, "commit", "-qm", "big"], env=env, time_limit=60
        )
        outcome = await push(
            work, key.private, user="hack", host="127.0.0.1", port=server.port, path=REPO,
            time_limit=120,
        )  # fmt: skip
        assert outcome.ok, outcome.log
        await check(
            ["git", "-C", str(work), "push", "-q", str(local_repo), "master"],
            env=env,
            time_limit=120,
        )
        ssh_env = clean_env(root, {"GIT_SSH_COMMAND": ssh_command(key.private, server.port, 60)})
        started = time.perf_counter()
        await check(
            ["git", "clone", "-q", f"hack@127.0.0.1:{REPO}", str(root / "clone-ours")],
            env=ssh_env, time_limit=300,
        )  # fmt: skip
        clone_ours = time.perf_counter() - started
    started = time.perf_counter()
    await check(
        ["git", "clone", "-q", "--no-local", str(local_repo), str(root / "clone-local")],
        env=env, time_limit=300,
    )  # fmt: skip
    clone_local = time.perf_counter() - started
    return {
        "push_ours": statistics.median(ours),
        "push_local": statistics.median(local),
        "clone_ours": CLONE_MIB / clone_ours,
        "clone_local": CLONE_MIB / clone_local,
    }


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-hosting-git-") as folder:
        m = asyncio.run(_measure(Path(folder)))
    markdown = "\n".join(
        [
            "| operation | ours: git over our asyncssh server | git's local transport (no SSH) |",
            "| --- | --- | --- |",
            f"| push of one commit (median of {PUSHES}) | {m['push_ours'] * 1000:.0f} ms | "
            f"{m['push_local'] * 1000:.0f} ms |",
            f"| clone of a {CLONE_MIB} MiB repository | {m['clone_ours']:.1f} MiB/s | "
            f"{m['clone_local']:.1f} MiB/s |",
        ]
    )
    return {
        "title": "hosting_git: pushes and clones through the SSH git server",
        "markdown": markdown,
        "targets": [
            {
                "name": "hackattic's push (one commit), median",
                "target": "< 1000 ms",
                "measured": f"{m['push_ours'] * 1000:.0f} ms",
                "met": m["push_ours"] < 1.0,
            },
            {
                "name": f"clone of {CLONE_MIB} MiB, against git's local transport",
                "target": ">= 50% of the local transport's rate",
                "measured": f"{m['clone_ours'] / m['clone_local']:.0%}",
                "met": m["clone_ours"] >= 0.5 * m["clone_local"],
            },
        ],
    }


if __name__ == "__main__":
    print(run()["markdown"])

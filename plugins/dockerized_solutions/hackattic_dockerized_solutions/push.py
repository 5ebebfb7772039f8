"""The emulation's pushes: the real ``skopeo copy`` (as an async subprocess, so the event
loop the solver may share keeps running), and a small client of its own for a blob whose
bytes do not match its digest (skopeo verifies its blobs, so it cannot send one)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx

MAX_LOG_BYTES = 256 * 1024


@dataclass(frozen=True)
class Pushed:
    ok: bool
    log: str


async def skopeo_copy(
    layout: Path,
    host: str,
    tag: str,
    credentials: tuple[str, str],
    *,
    docker_format: bool,
    all_images: bool,
    home: Path,
    seconds: float,
    skopeo: str = "skopeo",
) -> Pushed:
    """``skopeo copy oci:LAYOUT:latest docker://HOST/hack:TAG`` with ``credentials``."""
    user, password = credentials
    command = [
        skopeo,
        "--insecure-policy",  # a policy for images we built ourselves, not the host's
        "copy",
        "--dest-creds", f"{user}:{password}",
        "--dest-tls-verify=false",  # plain http on loopback (skopeo tries https first)
    ]  # fmt: skip
    if docker_format:
        command += ["--format", "v2s2"]  # what `docker push` sends
    if all_images:
        command += ["--all"]
    command += [f"oci:{layout}:latest", f"docker://{host}/hack:{tag}"]
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(home),
        "TMPDIR": str(home),
        "REGISTRY_AUTH_FILE": str(home / "auth.json"),
    }
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        async with asyncio.timeout(seconds):
            output, _ = await process.communicate()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        with contextlib.suppress(BaseException):
            await process.wait()
        raise
    log = output[-MAX_LOG_BYTES:].decode("utf-8", errors="replace")
    # The password is in the command, not the output; masked anyway in case skopeo echoes.
    log = log.replace(password, "***")
    return Pushed(process.returncode == 0, log)


@dataclass(frozen=True)
class CorruptPush:
    refused: bool
    log: str


async def push_corrupt_blob(host: str, credentials: tuple[str, str], seconds: float) -> CorruptPush:
    """Upload bytes under another blob's digest, chunked then monolithic; both must be
    refused (4xx) and the digest must stay unknown."""
    data = os.urandom(4096)
    claimed = f"sha256:{hashlib.sha256(data + b'!').hexdigest()}"
    base = f"http://{host}"
    lines: list[str] = []
    refused = True
    async with httpx.AsyncClient(
        base_url=base, auth=credentials, timeout=seconds, trust_env=False
    ) as client:
        started = await client.post("/v2/hack/blobs/uploads/")
        location = started.headers.get("location")
        lines.append(f"corrupt blob: POST uploads -> {started.status_code}")
        if started.status_code == 202 and location:
            url = urljoin(base + "/v2/hack/blobs/uploads/", location)
            patched = await client.patch(
                url,
                content=data,
                headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Range": f"0-{len(data) - 1}",
                },
            )
            lines.append(f"corrupt blob: PATCH {len(data)} bytes -> {patched.status_code}")
            put = await client.put(url, params={"digest": claimed})
            lines.append(f"corrupt blob: PUT ?digest={claimed[:19]}… -> {put.status_code}")
            refused &= 400 <= put.status_code < 500
        else:
            refused = False
        monolithic = await client.post(
            "/v2/hack/blobs/uploads/",
            params={"digest": claimed},
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        lines.append(f"corrupt blob: monolithic POST ?digest= -> {monolithic.status_code}")
        refused &= 400 <= monolithic.status_code < 500
        head = await client.head(f"/v2/hack/blobs/{claimed}")
        lines.append(f"corrupt blob: HEAD afterwards -> {head.status_code}")
        refused &= head.status_code == 404
    return CorruptPush(refused, "\n".join(lines))

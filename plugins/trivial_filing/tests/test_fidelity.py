"""The sandbox's default problem and reads, as served, set beside the facts file's
description of hackattic's (no real payload or page text was kept): ``{"files": {name:
text}}``, each file read once from the solver's TFTP server with an RFC 1350 read request
in octet mode, no write. A drift of the emulation shows up here."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from hackattic_trivial_filing.server import Event, TftpServer, serve_tftp

SLUG = "trivial_filing"


def exchange(hackattic_sandbox: Any) -> tuple[dict[str, Any], list[Event], dict[str, Any]]:
    """The default problem, what hackattic's stand-in asked of a server holding its files,
    and the verdict."""
    events: list[Event] = []

    problem = hackattic_sandbox.fetch_problem(SLUG)

    async def run() -> dict[str, Any]:
        base, token = hackattic_sandbox.base_url, hackattic_sandbox.access_token
        async with httpx.AsyncClient(timeout=120) as http:
            files = {name: text.encode() for name, text in problem["files"].items()}
            server = TftpServer(files, "127.0.0.1", listener=events.append)
            async with serve_tftp(server, 0) as bound:
                answer = await http.post(
                    f"{base}/challenges/{SLUG}/solve",
                    params={"access_token": token},
                    json={"tftp_host": "127.0.0.1", "tftp_port": bound.port},
                )
        verdict: dict[str, Any] = answer.json()
        return verdict

    verdict = asyncio.run(run())
    return problem, events, verdict


def test_the_default_problem_and_reads_are_hackattics(hackattic_sandbox: Any) -> None:
    problem, events, verdict = exchange(hackattic_sandbox)
    assert list(problem) == ["files"]
    files = problem["files"]
    assert 1 <= len(files) <= 100
    assert all(isinstance(name, str) and isinstance(text, str) for name, text in files.items())
    assert all(name.isprintable() and "/" not in name for name in files)
    assert all(0 < len(text.encode()) <= 64 * 1024 for text in files.values())
    requests = [event for event in events if event.kind == "request"]
    assert sorted(event.filename for event in requests) == sorted(files)  # each read once
    assert all(event.detail.startswith("octet,") for event in requests)
    assert [event for event in events if event.kind in ("refused", "failed")] == []
    assert verdict["result"].startswith("passed"), verdict

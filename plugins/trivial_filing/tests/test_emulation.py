"""The emulation plays hackattic's side: right servers pass, wrong ones are named."""

from __future__ import annotations

import asyncio
from typing import Any

from hackattic_trivial_filing.emulation import TrivialFilingEmulation
from hackattic_trivial_filing.server import Limits, TftpServer, serve_tftp

ALL_FAULTS = frozenset(TrivialFilingEmulation.faults)


def _check(
    emulation: TrivialFilingEmulation,
    change: Any = None,
    solution: Any = None,
    limits: Limits | None = None,
) -> str | None:
    async def go() -> str | None:
        issued = await emulation.new_problem()
        files = {name: text.encode() for name, text in issued.problem["files"].items()}
        if change is not None:
            change(files)
        async with serve_tftp(TftpServer(files, "127.0.0.1", limits), 0) as bound:
            return await emulation.check(
                issued, solution or {"tftp_host": "127.0.0.1", "tftp_port": bound.port}
            )

    return asyncio.run(go())


def test_problems_look_like_hackattics(hackattic_emulation) -> None:
    emulation = hackattic_emulation(TrivialFilingEmulation, files=5, max_size=3000)
    files = asyncio.run(emulation.new_problem()).problem["files"]
    assert len(files) == 5
    assert all(isinstance(text, str) and name.endswith(".txt") for name, text in files.items())
    sizes = [len(text) for text in files.values()]
    assert any(size % 512 == 0 for size in sizes)  # one ends with an empty block
    assert max(sizes) > 512


def test_a_right_server_passes_every_fault_with_each_client(hackattic_emulation) -> None:
    for client in ("tftp-hpa", "tftpy"):
        emulation = hackattic_emulation(TrivialFilingEmulation, client=client)
        emulation.env.faults = ALL_FAULTS
        assert _check(emulation, limits=Limits(timeout=0.3)) is None, client
        assert emulation.downloads == 4


def test_netascii_downloads_pass(hackattic_emulation) -> None:
    emulation = hackattic_emulation(TrivialFilingEmulation, mode="netascii")
    assert _check(emulation) is None


def test_wrong_or_missing_files_are_named(hackattic_emulation) -> None:
    emulation = hackattic_emulation(TrivialFilingEmulation)

    def truncate(files: dict[str, bytes]) -> None:
        name = sorted(files)[0]
        files[name] = files[name][:-1]

    reason = _check(emulation, truncate)
    assert reason is not None
    assert "differ" in reason

    reason = _check(emulation, lambda files: files.pop(sorted(files)[0]))
    assert reason is not None
    assert "Error code 1" in reason


def test_a_server_that_never_resends_fails_the_lost_ack_fault(hackattic_emulation) -> None:
    emulation = hackattic_emulation(TrivialFilingEmulation, timeout=1.5)
    emulation.env.faults = frozenset({"lost_ack"})
    reason = _check(emulation, limits=Limits(timeout=0.2, retries=0))
    assert reason is not None
    assert "lost" in reason


def test_bad_solutions_are_named(hackattic_emulation) -> None:
    emulation = hackattic_emulation(TrivialFilingEmulation, timeout=2)

    async def go() -> list[str | None]:
        issued = await emulation.new_problem()
        return [
            await emulation.check(issued, {"tftp_port": 69}),
            await emulation.check(issued, {"tftp_host": "127.0.0.1", "tftp_port": 0}),
            await emulation.check(issued, {"tftp_host": "example.com", "tftp_port": 69}),
        ]

    missing, port, remote = asyncio.run(go())
    assert missing is not None
    assert "tftp_host" in missing
    assert port is not None
    assert "tftp_port" in port
    assert remote is not None
    assert "not on loopback" in remote

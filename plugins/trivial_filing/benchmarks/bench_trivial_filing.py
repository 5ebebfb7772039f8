"""Benchmark: TFTP throughput for a 1 MiB file on loopback, ours beside tftp-hpa's in.tftpd.

The same client, tftp-hpa's ``tftp`` (512-byte blocks, octet), fetches the same 1 MiB
file from our server (in a process of its own) and from Debian's ``in.tftpd`` (tftpd-hpa),
``ROUNDS`` times each; tftpy's client against ours is shown too, with 512-byte blocks and
with blksize 1468 (RFC 2348, which tftp-hpa's client does not ask for).
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable

SIZE = 1024 * 1024
ROUNDS = 7
REFERENCE = "tftp-hpa `tftp` → `in.tftpd` (tftpd-hpa, C)"

OURS = """
import asyncio, sys
from hackattic_trivial_filing.server import TftpServer, serve_tftp

async def main():
    content = open(sys.argv[1], "rb").read()
    async with serve_tftp(TftpServer({"file.bin": content}, "127.0.0.1"), 0) as bound:
        print(bound.port, flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tftp_hpa(port: int, target: str) -> float:
    started = time.perf_counter()
    output = subprocess.run(
        ["tftp", "-m", "octet", "127.0.0.1", str(port), "-c", "get", "file.bin", target],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if os.path.getsize(target) != SIZE:
        raise RuntimeError(f"tftp failed: {output.stdout} {output.stderr}")
    os.remove(target)
    return elapsed


def _tftpy(port: int, target: str, blksize: int = 512) -> float:
    import logging

    import tftpy  # type: ignore[import-untyped]

    logging.getLogger("tftpy").setLevel(logging.WARNING)
    started = time.perf_counter()
    options = {} if blksize == 512 else {"blksize": blksize}
    tftpy.TftpClient("127.0.0.1", port, options).download("file.bin", target, timeout=5)
    elapsed = time.perf_counter() - started
    assert os.path.getsize(target) == SIZE
    os.remove(target)
    return elapsed


def _rate(times: list[float]) -> str:
    median = statistics.median(times)
    return f"{SIZE / median / 1e6:.1f} MB/s ({median * 1000:.0f} ms)"


def run() -> dict[str, object]:
    folder = tempfile.mkdtemp(prefix="hackattic-tftp-bench-")
    os.chmod(folder, 0o755)  # noqa: S103 - in.tftpd drops to nobody, who must read it
    source = os.path.join(folder, "file.bin")
    with open(source, "wb") as file:
        file.write(os.urandom(SIZE))
    os.chmod(source, 0o644)
    target = os.path.join(tempfile.mkdtemp(prefix="hackattic-tftp-out-"), "out.bin")
    processes: list[subprocess.Popen[str]] = []
    times: dict[str, list[float]] = {}
    try:
        ours = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(OURS), source], stdout=subprocess.PIPE, text=True
        )
        processes.append(ours)
        assert ours.stdout is not None
        port = int(ours.stdout.readline())
        transfers: dict[str, Callable[[], float]] = {
            "tftp-hpa `tftp` → **ours**": lambda: _tftp_hpa(port, target),
            "tftpy client → **ours**": lambda: _tftpy(port, target),
            "tftpy client, blksize 1468 (RFC 2348) → **ours**": lambda: _tftpy(port, target, 1468),
        }
        daemon = shutil.which("in.tftpd")
        if daemon is not None:
            daemon_port = _free_udp_port()
            address = f"127.0.0.1:{daemon_port}"
            processes.append(
                subprocess.Popen(
                    [daemon, "--foreground", "--listen", "--address", address, "--secure", folder],
                    text=True,
                )
            )
            time.sleep(0.5)
            transfers[REFERENCE] = lambda: _tftp_hpa(daemon_port, target)
        for transfer in transfers.values():
            transfer()  # warm-up
        # Round after round, each transfer in turn: a busy moment of a shared machine
        # hits every row alike.
        for _ in range(ROUNDS):
            for label, transfer in transfers.items():
                times.setdefault(label, []).append(transfer())
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(os.path.dirname(target), ignore_errors=True)
    rows = list(times.items())
    reference = times.get(REFERENCE)
    lines = ["| transfer of 1 MiB, loopback | throughput (median of 7) |", "| --- | ---: |"]
    lines += [f"| {label} | {_rate(times)} |" for label, times in rows]
    ours_time = statistics.median(rows[0][1])
    targets = [
        {
            "name": "1 MiB with tftp-hpa's client, 512-byte blocks",
            "target": "≤ 2 s",
            "measured": f"{ours_time:.2f} s",
            "met": ours_time <= 2,
        }
    ]
    if reference is not None:
        ratio = statistics.median(reference) / ours_time
        targets.append(
            {
                "name": "beside in.tftpd (C), same client",
                "target": "≥ 0.3× its throughput",
                "measured": f"{ratio:.2f}×",
                "met": ratio >= 0.3,
            }
        )
    return {
        "title": "trivial_filing: 1 MiB over TFTP on loopback",
        "markdown": "\n".join(lines),
        "targets": targets,
    }


if __name__ == "__main__":
    print(run()["markdown"])

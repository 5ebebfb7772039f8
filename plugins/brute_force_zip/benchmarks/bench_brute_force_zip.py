"""Benchmark of brute_force_zip: our search against fcrackzip, on the same ZIPs, same run.

Measures passwords per second on one core and on every core (ours: the C kernel through
:class:`Search`; fcrackzip ``-b -c a1 -l 5-5 -u``, single-threaded, one process per core
for "all cores"), the wall time to solve a 6-character password that comes last in our
order (5, 4, then 6: the worst case, 2.24·10⁹ candidates) and the two real ZIPs.

    .venv/bin/python plugins/brute_force_zip/benchmarks/bench_brute_force_zip.py
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hackattic_brute_force_zip.archive import Archive, read_archive
from hackattic_brute_force_zip.search import Search, SearchSpace, Target
from hackattic_brute_force_zip.zipwriter import Member, write_zip

CHARSET = b"abcdefghijklmnopqrstuvwxyz0123456789"
ORDER = (5, 4, 6)
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
REAL = {"thalesb_package.zip": "o2955", "androids_challenge.zip": "k90it"}
WORST_CASE_TARGET_S = 30.0
PER_CORE_TARGET = 3.0


def _zip(password: bytes) -> bytes:
    """A ZIP like hackattic's (two deflated texts, a stored secret, flag 0x9)."""
    rng = random.Random(7)
    text = bytes(rng.choice(b"abcdefgh \n") for _ in range(20_000))
    members = [
        Member("dunwich_horror.txt", text, deflate=True),
        Member("shunned_house.txt", text[::-1], deflate=True),
        Member("secret.txt", b"rough morningcold cloudquiet seadry star\n", deflate=False),
    ]
    return write_zip(members, password, datetime(2026, 2, 3, 11, 27, 30, tzinfo=UTC), rng)


def _archive(data: bytes) -> Archive:
    return read_archive(data, max_entries=10, max_secret_bytes=4096, entries_setting="-")


@dataclass(frozen=True)
class Timed:
    tried: int
    wall: float
    cpu: float
    """CPU seconds of every thread (or child process): on a shared, loaded machine the
    wall time stretches, the CPU time much less."""


def _search(data: bytes, lengths: tuple[int, ...], workers: int) -> tuple[Search, Timed]:
    archive = _archive(data)
    target = Target(
        headers=b"".join(e.header for e in archive.entries),
        checks=bytes(e.check for e in archive.entries),
        confirm=lambda password: archive.open_secret(password, 4096),
    )
    search = Search(SearchSpace(CHARSET, lengths), target, workers=workers)
    started, cpu = time.perf_counter(), time.process_time()
    search.run()
    wall = time.perf_counter() - started
    return search, Timed(search.tried, wall, time.process_time() - cpu)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _fcrackzip(path: Path, processes: int) -> Timed | None:
    """fcrackzip's passwords per second over the whole 5-character space (the ZIP's
    password has 6 characters, so it never stops early), ``processes`` at once."""
    tool = shutil.which("fcrackzip")
    if tool is None:
        return None
    command = [tool, "-b", "-c", "a1", "-l", "5-5", "-u", str(path)]
    started, cpu = time.perf_counter(), _children_cpu()
    running = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(processes)
    ]
    for process in running:
        process.wait()
    wall = time.perf_counter() - started
    return Timed(processes * len(CHARSET) ** 5, wall, _children_cpu() - cpu)


def run() -> dict[str, object]:
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        # Six characters: neither tool finds it in the 5-character space, so both try all
        # 60,466,176 candidates of it: rates over the same work.
        six = _zip(b"999999")
        path = Path(folder) / "six.zip"
        path.write_bytes(six)
        _, ours_one = _search(six, (5,), workers=1)
        _, ours_all = _search(six, (5,), workers=cores)
        fcrack_one = _fcrackzip(path, 1)
        fcrack_all = _fcrackzip(path, cores)
    worst_search, worst = _search(six, ORDER, workers=cores)
    assert worst_search.found is not None
    assert worst_search.found.password == b"999999"
    real_rows = []
    for name, password in REAL.items():
        found, timed = _search((FIXTURES / name).read_bytes(), ORDER, workers=cores)
        assert found.found is not None
        assert found.found.password.decode() == password
        real_rows.append((name, password, timed))

    def wall(t: Timed | None) -> str:
        return "n/a (not installed)" if t is None else f"{t.tried / t.wall / 1e6:.1f} M/s"

    def per_cpu(t: Timed | None) -> str:
        return "n/a" if t is None else f"{t.tried / t.cpu / 1e6:.1f} M/s"

    ratio = (
        (ours_one.tried / ours_one.cpu) / (fcrack_one.tried / fcrack_one.cpu)
        if fcrack_one
        else None
    )
    idle_worst = worst.cpu / cores  # the wall time on idle cores: the CPU time shared out
    fcrack_worst = worst.tried / (cores * fcrack_one.tried / fcrack_one.cpu) if fcrack_one else None
    lines = [
        f"| {cores} cores, load {load:.1f} when started | ours (C kernel, threads) "
        "| fcrackzip -b -c a1 -l 5-5 -u |",
        "| --- | --- | --- |",
        f"| passwords per CPU-second, one core (36⁵ space) | {per_cpu(ours_one)} "
        f"| {per_cpu(fcrack_one)} |",
        f"| passwords/s wall, one core | {wall(ours_one)} | {wall(fcrack_one)} |",
        f"| passwords/s wall, all cores | {wall(ours_all)} | {wall(fcrack_all)} "
        f"({cores} processes) |",
        f"| worst case `999999`, last of {worst.tried:,} (order 5,4,6): wall "
        f"| {worst.wall:.1f} s | |",
        f"| worst case: CPU time / {cores} cores (wall on idle cores) | {idle_worst:.1f} s "
        f"| {f'~{fcrack_worst:.0f} s (extrapolated from its rate)' if fcrack_worst else 'n/a'} |",
    ]
    for name, password, timed in real_rows:
        lines.append(
            f"| real `{name}` (`{password}`) | {timed.wall:.2f} s, {timed.tried:,} tried | |"
        )
    targets = [
        {
            "name": "per core vs fcrackzip (per CPU-second)",
            "target": f">= {PER_CORE_TARGET:g}x",
            "measured": f"{ratio:.1f}x" if ratio else "n/a",
            "met": bool(ratio and ratio >= PER_CORE_TARGET),
        },
        {
            "name": f"worst case (6 chars, last) on {cores} idle cores",
            "target": f"<= {WORST_CASE_TARGET_S:g} s",
            "measured": f"{idle_worst:.1f} s (wall {worst.wall:.1f} s at load {load:.1f})",
            "met": idle_worst <= WORST_CASE_TARGET_S,
        },
    ]
    return {
        "title": "brute_force_zip: ZipCrypto password search, ours vs fcrackzip",
        "markdown": "\n".join(lines),
        "targets": targets,
    }


if __name__ == "__main__":
    result = run()
    print(result["markdown"])
    for target in result["targets"]:  # type: ignore[attr-defined]
        print(target)

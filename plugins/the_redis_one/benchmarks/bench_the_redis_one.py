"""the_redis_one: how fast the snapshot is read, ours against rdbtools, on the same files.

Two files: hackattic's real payload (RDB v9, 611 bytes) and a ~100 MB snapshot written by
a throwaway redis-server (``DEBUG POPULATE`` of 1,000,000 string keys with 90-byte
values, ``rdbcompression no``). rdbtools (the parser most public solvers and tools use,
PyPI ``rdbtools`` 0.1.15 with ``python-lzf``) refuses RDB version 10, which Redis 7.0
writes; a snapshot of strings only is laid out the same in version 9, so the large file is
relabelled ``REDIS0009`` with its CRC-64 recomputed, and both parsers read that one.

Each parser runs in a process of its own (its peak RSS, ``VmHWM``, is its own), timed in
CPU seconds (``process_time``: the machine is shared, and wall time there measures the
neighbours as much as the parser); ours walks every key
with its value (:func:`read_snapshot`, plus the CRC-64 check), rdbtools calls an empty
callback for every key and value (``RdbParser(RdbCallback(True)).parse``). The real
payload is read 200 times in the process (median); the large file once. rdbtools is
installed into a cached venv of its own (``~/.cache/hackattic/bench-rdbtools``) with uv;
where it cannot be installed, the table says so.

Run ``python plugins/the_redis_one/benchmarks/bench_the_redis_one.py`` for this table alone.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "adithya_dump1.rdb"
KEYS = 1_000_000
VALUE_BYTES = 90
REAL_REPEATS = 200
RDBTOOLS = ("rdbtools==0.1.15", "python-lzf==0.2.6")
RDBTOOLS_VENV = Path.home() / ".cache" / "hackattic" / "bench-rdbtools"
TIMEOUT = 170.0

OURS = r"""
import re, statistics, sys, time
PEAK = lambda: int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1))
from hackattic_the_redis_one.crc64 import snapshot_crc
from hackattic_the_redis_one.rdb import Snapshot, read_snapshot
data = open(sys.argv[1], "rb").read()
def parse():
    stored, computed = snapshot_crc(data)
    assert stored == computed
    return sum(1 for entry in read_snapshot(data, Snapshot(), max_string_bytes=1 << 26))
times = []
for _ in range(int(sys.argv[2])):
    start = time.process_time(); keys = parse(); times.append(time.process_time() - start)
print(statistics.median(times), keys, PEAK())
"""

THEIRS = r"""
import re, statistics, sys, time
PEAK = lambda: int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1))
from rdbtools import RdbCallback, RdbParser
class Count(RdbCallback):
    keys = 0
    def __init__(self): super().__init__(string_escape=True)
    def set(self, key, value, expiry, info): Count.keys += 1
    def start_hash(self, *a, **k): Count.keys += 1
    def start_set(self, *a, **k): Count.keys += 1
    def start_list(self, *a, **k): Count.keys += 1
    def start_sorted_set(self, *a, **k): Count.keys += 1
times = []
for _ in range(int(sys.argv[2])):
    Count.keys = 0
    start = time.process_time(); RdbParser(Count()).parse(sys.argv[1])
    times.append(time.process_time() - start)
print(statistics.median(times), Count.keys, PEAK())
"""


def _run(python: str, script: str, path: Path, repeats: int) -> tuple[float, int, float]:
    """(median seconds, keys, peak RSS in MiB) of ``script`` run by ``python``."""
    out = subprocess.run(
        [python, "-c", script, str(path), str(repeats)],
        capture_output=True, text=True, timeout=TIMEOUT, check=True,
    ).stdout.split()  # fmt: skip
    return float(out[0]), int(out[1]), int(out[2]) / 1024


def rdbtools_python() -> tuple[str | None, str]:
    """A python with rdbtools, installed on first use; or None and why not."""
    python = RDBTOOLS_VENV / "bin" / "python"
    if python.exists():
        return str(python), "cached"
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        return None, "uv not found to install rdbtools"
    try:
        subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(RDBTOOLS_VENV)],
                       check=True, capture_output=True, timeout=120)  # fmt: skip
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(python), *RDBTOOLS],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(RDBTOOLS_VENV, ignore_errors=True)
        return None, f"rdbtools did not install: {exc}"
    return str(python), "installed"


def _send(sock: socket.socket, *args: str) -> bytes:
    parts = [a.encode() for a in args]
    sock.sendall(b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts))
    reply = b""
    while not reply.endswith(b"\r\n"):
        reply += sock.recv(65536)
    return reply


def write_large_snapshot(folder: Path) -> Path | None:
    """~100 MB of strings saved by a throwaway redis-server; None without Redis."""
    server = shutil.which("redis-server")
    if server is None:
        return None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "",
         "--appendonly", "no", "--rdbcompression", "no", "--enable-debug-command", "yes",
         "--logfile", ""],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=120)
                break
            except OSError:
                if time.monotonic() > deadline:
                    return None
                time.sleep(0.05)
        with sock:
            _send(sock, "DEBUG", "POPULATE", str(KEYS), "key", str(VALUE_BYTES))
            _send(sock, "SAVE")
    finally:
        process.terminate()
        process.wait(30)
    return folder / "dump.rdb"


def as_version_9(path: Path) -> Path:
    """The same snapshot labelled version 9, its CRC-64 recomputed (strings only: the
    layout is the same)."""
    from hackattic_the_redis_one.crc64 import crc64

    data = path.read_bytes()
    body = b"REDIS0009" + data[9:-8]
    relabelled = path.with_name("dump-v9.rdb")
    relabelled.write_bytes(body + crc64(body).to_bytes(8, "little"))
    return relabelled


def run() -> dict[str, object]:
    rows: list[tuple[str, str, str, str]] = []
    targets: list[dict[str, object]] = []
    theirs_python, how = rdbtools_python()
    ours_real = _run(sys.executable, OURS, REAL, REAL_REPEATS)
    theirs_real = _run(theirs_python, THEIRS, REAL, REAL_REPEATS) if theirs_python else None
    rows.append(_row("real payload (v9, 611 B, 10 keys)", ours_real, theirs_real))
    targets.append(_target("real payload read in under 1 ms", ours_real[0] < 1e-3,
                           f"{ours_real[0] * 1e3:.2f} ms"))  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as folder:
        large = write_large_snapshot(Path(folder))
        if large is None:
            rows.append(("~100 MB snapshot", "redis-server missing", "", ""))
        else:
            size = large.stat().st_size
            v9 = as_version_9(large)
            ours_large = _run(sys.executable, OURS, v9, 1)
            theirs_large = _run(theirs_python, THEIRS, v9, 1) if theirs_python else None
            label = f"redis-server 7.0, {size / 1e6:.0f} MB, {KEYS:,} keys (relabelled v9)"
            rows.append(_row(label, ours_large, theirs_large))
            ours_v10 = _run(sys.executable, OURS, large, 1)
            refused = _refusal(theirs_python, large) if theirs_python else "not installed"
            label = "the same file as Redis 7.0 wrote it (RDB v10)"
            rows.append((label, _row(label, ours_v10, None)[1], refused, ""))
            rate = size / ours_large[0] / 1e6
            targets.append(_target("100 MB read at ≥ 20 MB/s", rate >= 20, f"{rate:.0f} MB/s"))
            if theirs_large:
                speedup = theirs_large[0] / ours_large[0]
                targets.append(_target("≥ 3× rdbtools on the 100 MB file", speedup >= 3,
                                       f"{speedup:.1f}×"))  # fmt: skip
            overhead = ours_large[2] - size / 2**20
            targets.append(_target("peak memory ≤ the file + 100 MiB", overhead <= 100,
                                   f"file + {overhead:.0f} MiB"))  # fmt: skip
    header = "| file | **ours** | rdbtools 0.1.15 + python-lzf | ours / rdbtools |\n"
    header += "| --- | ---: | ---: | ---: |\n"
    table = header + "".join(f"| {a} | **{b}** | {c} | {d} |\n" for a, b, c, d in rows)
    note = "" if theirs_python else f"\nrdbtools not measured: {how}.\n"
    return {"title": "the_redis_one: reading an RDB snapshot", "markdown": table + note,
            "targets": targets}  # fmt: skip


def _refusal(python: str, path: Path) -> str:
    """What rdbtools says of a file it cannot read (its last line), or its time."""
    done = subprocess.run(
        [python, "-c", THEIRS, str(path), "1"], capture_output=True, text=True, timeout=TIMEOUT
    )
    if done.returncode == 0:
        return f"{float(done.stdout.split()[0]):.2f} s"
    last = (done.stderr.strip().splitlines() or ["failed"])[-1]
    return "fails: " + last.replace("|", "/")[:80]


def _row(
    label: str, ours: tuple[float, int, float], theirs: tuple[float, int, float] | None
) -> tuple[str, str, str, str]:
    def shown(result: tuple[float, int, float]) -> str:
        seconds, keys, rss = result
        time_text = f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"
        return f"{time_text} ({keys:,} keys, peak {rss:.0f} MiB)"

    if theirs is None:
        return label, shown(ours), "not installed", ""
    return label, shown(ours), shown(theirs), f"{theirs[0] / ours[0]:.1f}× faster"


def _target(name: str, met: bool, measured: str) -> dict[str, object]:
    return {"name": name, "target": name, "measured": measured, "met": met}


if __name__ == "__main__":
    print(run()["markdown"])

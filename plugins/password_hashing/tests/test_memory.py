"""The memory scrypt needs and what the machine can give, read from made-up files."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hackattic_password_hashing import memory
from hackattic_password_hashing.memory import (
    GIB,
    MIB,
    MemoryLimit,
    cgroup_limit,
    format_bytes,
    meminfo_limit,
    rlimit_limits,
    scrypt_memory,
    shortfall,
    tightest,
)


def test_the_largest_parameters_need_2_gib_beyond_hashlibs_limit() -> None:
    needed = scrypt_memory(2**19, 32, 2)
    assert needed == 128 * 32 * (2**19 + 2) + 128 * 32 * 2
    assert 2 * GIB < needed < 2 * GIB + MIB
    assert needed > 2**31 - 1
    assert scrypt_memory(2**17, 8, 2) // MIB == 128


def test_format_bytes() -> None:
    assert format_bytes(2 * GIB) == "2.0 GiB"
    assert format_bytes(512 * MIB) == "512 MiB"
    assert format_bytes(4096) == "4 KiB"


def test_shortfall_says_needed_and_available() -> None:
    limit = MemoryLimit(512 * MIB, "MemAvailable in /proc/meminfo")
    assert shortfall(512 * MIB, limit) is None
    assert shortfall(scrypt_memory(2**19, 32, 2), limit) == (
        "needs 2.0 GiB of memory but only 512 MiB is available (MemAvailable in /proc/meminfo)"
    )
    assert shortfall(100 * GIB, None) is None  # nothing known: go ahead


def test_tightest() -> None:
    small, large = MemoryLimit(1, "a"), MemoryLimit(2, "b")
    assert tightest([large, small]) == small
    assert tightest([]) is None


def test_meminfo_available(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(
        "MemTotal:       24684180 kB\nMemFree:        24205316 kB\nMemAvailable:     524288 kB\n"
    )
    assert meminfo_limit(meminfo) == MemoryLimit(512 * MIB, "MemAvailable in /proc/meminfo")


def test_without_meminfo_falls_back_to_free_pages(tmp_path: Path) -> None:
    found = meminfo_limit(tmp_path / "missing")
    assert found is None or (found.available > 0 and found.source == "free physical memory")


def write_files(directory: Path, files: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)


def test_cgroup_v2_limit_less_what_cannot_be_reclaimed(tmp_path: Path) -> None:
    (tmp_path / "cgroup").write_text("0::/ci/job\n")
    write_files(
        tmp_path / "fs" / "ci" / "job",
        {
            "memory.max": f"{GIB}\n",
            "memory.current": f"{300 * MIB}\n",
            "memory.stat": f"anon {200 * MIB}\ninactive_file {100 * MIB}\n",
        },
    )
    found = cgroup_limit(tmp_path / "cgroup", tmp_path / "fs")
    assert found == MemoryLimit(GIB - 200 * MIB, "cgroup memory.max 1.0 GiB")


def test_cgroup_v2_without_a_limit(tmp_path: Path) -> None:
    (tmp_path / "cgroup").write_text("0::/\n")
    write_files(tmp_path / "fs", {"memory.max": "max\n", "memory.current": "1\n"})
    assert cgroup_limit(tmp_path / "cgroup", tmp_path / "fs") is None


def test_cgroup_v1_mounted_at_the_root_of_a_container(tmp_path: Path) -> None:
    # The host's path is printed, but the container sees its own group at the root.
    (tmp_path / "cgroup").write_text("5:cpu:/\n4:memory:/docker/abc123\n0::/\n")
    write_files(
        tmp_path / "fs" / "memory",
        {
            "memory.limit_in_bytes": f"{512 * MIB}\n",
            "memory.usage_in_bytes": f"{100 * MIB}\n",
            "memory.stat": f"cache {50 * MIB}\ntotal_inactive_file {40 * MIB}\n",
        },
    )
    found = cgroup_limit(tmp_path / "cgroup", tmp_path / "fs")
    assert found == MemoryLimit(452 * MIB, "cgroup memory.limit_in_bytes 512 MiB")


def test_cgroup_v1_unlimited(tmp_path: Path) -> None:
    (tmp_path / "cgroup").write_text("4:memory:/\n")
    write_files(tmp_path / "fs" / "memory", {"memory.limit_in_bytes": "9223372036854771712\n"})
    assert cgroup_limit(tmp_path / "cgroup", tmp_path / "fs") is None


def test_no_cgroup_files(tmp_path: Path) -> None:
    assert cgroup_limit(tmp_path / "missing", tmp_path) is None


def test_an_address_space_rlimit_counts_what_is_mapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status = tmp_path / "status"
    status.write_text(f"VmSize:\t  {100 * 1024} kB\nVmData:\t  {20 * 1024} kB\n")
    limits = {resource.RLIMIT_AS: GIB, resource.RLIMIT_DATA: resource.RLIM_INFINITY}
    monkeypatch.setattr(resource, "getrlimit", lambda kind: (limits[kind], resource.RLIM_INFINITY))
    assert rlimit_limits(status) == [
        MemoryLimit(GIB - 100 * MIB - memory.THREAD_ADDRESS_SPACE, "ulimit -v 1.0 GiB")
    ]


def test_a_real_ulimit_is_seen() -> None:
    code = (
        "import resource; from hackattic_password_hashing.memory import available_memory\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2**29, resource.RLIM_INFINITY))\n"
        "print(available_memory().source)"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert done.stdout.strip() == "ulimit -v 512 MiB"

"""How much memory scrypt needs, and how much this process can get, asked before starting.

scrypt with hackattic's largest parameters (N=2**19, r=32) allocates 2 GiB at once. On a
machine without it the allocation fails deep inside OpenSSL, or worse the kernel's OOM
killer ends the process without a word. So the solver compares the two figures first and
fails with one line saying both.

"Available" is the tightest of what is known here:

- ``MemAvailable`` of ``/proc/meminfo`` (Linux), else the free physical pages
  (``os.sysconf``); nothing elsewhere;
- the control group's limit (v2 ``memory.max``, v1 ``memory.limit_in_bytes``) less what
  the group uses and cannot reclaim, as ``docker stats`` counts it (usage less inactive
  file cache): inside a container ``MemAvailable`` is the host's;
- the address-space and data rlimits (``ulimit -v``, ``ulimit -d``), less what the
  process already maps;
- (the cap the user sets, ``HACKATTIC_PASSWORD_HASHING_MAX_SCRYPT_MEMORY_MIB``, is
  checked before this, with the problem's other costs).

The readers take their files as arguments so that tests give them made-up figures.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

MIB = 1024**2
GIB = 1024**3

NO_CGROUP_LIMIT = 2**62
"""cgroup v1 writes "no limit" as a huge number (about 2**63 rounded to a page)."""
THREAD_ADDRESS_SPACE = 128 * MIB
"""Address space (not memory) the two hashing threads add under an rlimit: a stack and a
malloc arena each; the scrypt buffer itself comes from its own mmap."""


@dataclass(frozen=True)
class MemoryLimit:
    """Bytes this process may still allocate, and what says so."""

    available: int
    source: str


def scrypt_memory(n: int, r: int, p: int) -> int:
    """Bytes OpenSSL's scrypt allocates: V, 128·r·(N+2), and B, 128·r·p (RFC 7914)."""
    return 128 * r * (n + 2) + 128 * r * p


def format_bytes(count: int) -> str:
    """``2147483648`` → ``"2.0 GiB"``; ``536870912`` → ``"512 MiB"``."""
    if count >= GIB:
        return f"{count / GIB:.1f} GiB"
    if count >= MIB:
        return f"{count / MIB:.0f} MiB"
    return f"{count / 1024:.0f} KiB"


def shortfall(needed: int, limit: MemoryLimit | None) -> str | None:
    """None when ``needed`` bytes fit under ``limit`` (or nothing is known); else why not."""
    if limit is None or needed <= limit.available:
        return None
    return (
        f"needs {format_bytes(needed)} of memory but only {format_bytes(limit.available)} "
        f"is available ({limit.source})"
    )


def tightest(limits: list[MemoryLimit]) -> MemoryLimit | None:
    """The smallest of ``limits``; None when there is none."""
    return min(limits, key=lambda limit: limit.available, default=None)


# ----------------------------------------------------------------------------- readers


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _kib_field(text: str, name: str) -> int | None:
    """Bytes of a ``Name:   1234 kB`` line of /proc/meminfo or /proc/self/status."""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key == name:
            fields = value.split()
            if fields and fields[0].isdigit():
                return int(fields[0]) * 1024
    return None


def meminfo_limit(meminfo: Path = Path("/proc/meminfo")) -> MemoryLimit | None:
    """The machine's available memory: MemAvailable, else free pages, else unknown."""
    text = _read(meminfo)
    available = None if text is None else _kib_field(text, "MemAvailable")
    if available is not None:
        return MemoryLimit(available, "MemAvailable in /proc/meminfo")
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        page_size = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None  # not published on this system (macOS, Windows)
    if pages < 0 or page_size <= 0:
        return None
    return MemoryLimit(pages * page_size, "free physical memory")


def _stat_field(text: str | None, name: str) -> int:
    for line in (text or "").splitlines():
        key, _, value = line.partition(" ")
        if key == name and value.strip().isdigit():
            return int(value)
    return 0


def cgroup_limit(
    self_cgroup: Path = Path("/proc/self/cgroup"), root: Path = Path("/sys/fs/cgroup")
) -> MemoryLimit | None:
    """What this process's control group leaves of its memory limit; None when unlimited."""
    text = _read(self_cgroup) or ""
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, group = parts
        group = group.strip().lstrip("/")
        if controllers == "":  # cgroup v2: "0::/path"
            found = _cgroup_v2(root, group)
        elif "memory" in controllers.split(","):  # cgroup v1: "4:memory:/path"
            found = _cgroup_v1(root / "memory", group)
        else:
            continue
        if found is not None:
            return found
    return None


def _group_dirs(base: Path, group: str) -> list[Path]:
    # Inside a container the path printed is often the host's, and the group is mounted
    # at the root instead: try both.
    return [base / group, base] if group else [base]


def _cgroup_v2(root: Path, group: str) -> MemoryLimit | None:
    for directory in _group_dirs(root, group):
        limit_text = _read(directory / "memory.max")
        if limit_text is None:
            continue
        limit_text = limit_text.strip()
        if not limit_text.isdigit():
            return None  # "max": no limit
        usage = int((_read(directory / "memory.current") or "0").strip() or 0)
        reclaimable = _stat_field(_read(directory / "memory.stat"), "inactive_file")
        available = max(0, int(limit_text) - (usage - reclaimable))
        return MemoryLimit(available, f"cgroup memory.max {format_bytes(int(limit_text))}")
    return None


def _cgroup_v1(root: Path, group: str) -> MemoryLimit | None:
    for directory in _group_dirs(root, group):
        limit_text = _read(directory / "memory.limit_in_bytes")
        if limit_text is None or not limit_text.strip().isdigit():
            continue
        limit = int(limit_text)
        if limit >= NO_CGROUP_LIMIT:
            return None
        usage = int((_read(directory / "memory.usage_in_bytes") or "0").strip() or 0)
        reclaimable = _stat_field(_read(directory / "memory.stat"), "total_inactive_file")
        available = max(0, limit - (usage - reclaimable))
        return MemoryLimit(available, f"cgroup memory.limit_in_bytes {format_bytes(limit)}")
    return None


def rlimit_limits(status: Path = Path("/proc/self/status")) -> list[MemoryLimit]:
    """What ``ulimit -v`` and ``ulimit -d`` leave, less what the process maps already."""
    text = _read(status) or ""
    limits = []
    for name, kind, used_field in (
        ("ulimit -v", resource.RLIMIT_AS, "VmSize"),
        ("ulimit -d", resource.RLIMIT_DATA, "VmData"),
    ):
        soft, _ = resource.getrlimit(kind)
        if soft == resource.RLIM_INFINITY:
            continue
        used = _kib_field(text, used_field) or 0
        available = max(0, soft - used - THREAD_ADDRESS_SPACE)
        limits.append(MemoryLimit(available, f"{name} {format_bytes(soft)}"))
    return limits


def available_memory(cap: int | None = None, cap_source: str = "a setting") -> MemoryLimit | None:
    """The tightest known limit on what this process can allocate now; None if unknown."""
    limits = [*rlimit_limits()]
    for found in (meminfo_limit(), cgroup_limit()):
        if found is not None:
            limits.append(found)
    if cap is not None:
        limits.append(MemoryLimit(cap, cap_source))
    return tightest(limits)

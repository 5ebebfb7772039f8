"""An image's layers unpacked, in order, into a root file system on disk, safely.

Written by hand rather than with ``tarfile``'s ``data`` filter because image layers need
what that filter refuses (absolute symlinks such as ``/bin/sh -> /bin/busybox``) and what
it does not know (whiteouts: ``.wh.<name>`` deletes ``name`` of a lower layer,
``.wh..wh..opq`` empties a directory of lower layers' entries). What matters for the host
is kept: no absolute or ``..`` member names, every path's parents resolved *inside* the
root (a symlink in a lower layer is followed as the container would, never out of it), no
hard link to anything outside the root, no device files, no setuid bits, and the total
size and number of entries bounded before they are written.
"""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import tarfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
MAX_NAME_CHARS = 4096
MAX_DEPTH = 256
MAX_SYMLINKS = 40
CHUNK = 1024 * 1024
MOUNT_POINTS = ("proc", "dev", "tmp")
"""Made real, empty directories: bwrap mounts over them, and must never follow a link."""


class UnpackError(ValueError):
    """A layer that cannot be unpacked safely (one line)."""


@dataclass(frozen=True)
class UnpackLimits:
    max_bytes: int
    max_entries: int


@dataclass
class UnpackStats:
    entries: int = 0
    bytes: int = 0
    whiteouts: int = 0


def unpack_layers(
    layers: Sequence[Path],
    root: Path,
    limits: UnpackLimits,
    stop: threading.Event | None = None,
) -> UnpackStats:
    """Unpack ``layers`` (tar, gzip-compressed or not), lowest first, into ``root``."""
    stats = UnpackStats()
    root.mkdir(parents=True, exist_ok=True)
    for number, layer in enumerate(layers, 1):
        with layer.open("rb") as raw:
            try:
                _unpack_one(_decompressed(raw), root, limits, stats, stop)
            except (tarfile.TarError, EOFError, gzip.BadGzipFile, OSError) as exc:
                raise UnpackError(f"layer {number}: {type(exc).__name__}: {exc}") from None
            except UnpackError as exc:
                raise UnpackError(f"layer {number}: {exc}") from None
    for name in MOUNT_POINTS:
        _make_real_dir(root / name)
    return stats


def ensure_dir(root: Path, path: str) -> None:
    """Create ``path`` (absolute, as the container sees it) inside ``root`` if missing."""
    _walk(root, _parts(path.lstrip("/"), allow_root=True), create=True)


def _decompressed(raw: IO[bytes]) -> IO[bytes]:
    magic = raw.read(4)
    raw.seek(0)
    if magic[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if magic == b"\x28\xb5\x2f\xfd":
        raise UnpackError("zstd-compressed layers are not supported")
    return raw


def _unpack_one(
    source: IO[bytes],
    root: Path,
    limits: UnpackLimits,
    stats: UnpackStats,
    stop: threading.Event | None,
) -> None:
    created: set[tuple[str, ...]] = set()
    with tarfile.open(fileobj=source, mode="r|") as tar:
        for member in tar:
            if stop is not None and stop.is_set():
                raise UnpackError("cancelled")
            stats.entries += 1
            if stats.entries > limits.max_entries:
                raise UnpackError(f"more than {limits.max_entries} entries")
            parts = _parts(member.name)
            if not parts:
                continue  # the archive's "./" itself
            base = parts[-1]
            if base == OPAQUE:
                stats.whiteouts += 1
                _opaque(root, parts[:-1], created)
                continue
            if base.startswith(WHITEOUT):
                stats.whiteouts += 1
                _whiteout(root, (*parts[:-1], base[len(WHITEOUT) :]), created)
                continue
            parent = _walk(root, parts[:-1], create=True)
            target = parent / base
            _create(tar, member, root, parts, target, limits, stats)
            created.add(parts)


def _create(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    root: Path,
    parts: tuple[str, ...],
    target: Path,
    limits: UnpackLimits,
    stats: UnpackStats,
) -> None:
    mode = member.mode & 0o1777  # no setuid or setgid bits
    existing = _lstat(target)
    if member.isdir():
        if existing is not None and stat.S_ISDIR(existing.st_mode):
            target.chmod(mode | 0o700)
            return
        _remove(target, existing)
        target.mkdir(mode | 0o700)
        return
    if member.isfile():
        if stats.bytes + member.size > limits.max_bytes:
            raise UnpackError(f"more than {limits.max_bytes} bytes unpacked")
        _remove(target, existing)
        data = tar.extractfile(member)
        assert data is not None
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as out:
            remaining = member.size
            while remaining > 0:
                chunk = data.read(min(CHUNK, remaining))
                if not chunk:
                    raise UnpackError(f"{'/'.join(parts)}: truncated")
                out.write(chunk)
                remaining -= len(chunk)
            os.fchmod(out.fileno(), mode)
        stats.bytes += member.size
        return
    if member.issym():
        link = member.linkname
        if not link or "\0" in link or len(link) > MAX_NAME_CHARS:
            raise UnpackError(f"{'/'.join(parts)}: bad symlink target")
        if not link.startswith("/"):
            _check_inside(parts[:-1], link, "/".join(parts))
        _remove(target, existing)
        os.symlink(link, target)
        return
    if member.islnk():
        source_parts = _parts(member.linkname)
        if not source_parts:
            raise UnpackError(f"{'/'.join(parts)}: hard link to the root")
        source = _walk(root, source_parts[:-1], create=False) / source_parts[-1]
        found = _lstat(source)
        if found is None or not stat.S_ISREG(found.st_mode):
            raise UnpackError(f"{'/'.join(parts)}: hard link to a missing or non-regular file")
        _remove(target, existing)
        os.link(source, target, follow_symlinks=False)
        return
    if member.ischr() or member.isblk() or member.isfifo():
        raise UnpackError(f"{'/'.join(parts)}: device or fifo entries are refused")
    # Anything else (an unknown type) is not created: nothing in an image needs it.


def _parts(name: str, *, allow_root: bool = False) -> tuple[str, ...]:
    """A member's path as components, refusing absolute names and ``..``."""
    if len(name) > MAX_NAME_CHARS or "\0" in name:
        raise UnpackError("a member name is too long or holds a NUL byte")
    if name.startswith("/") and not allow_root:
        raise UnpackError(f"absolute member name {name[:100]!r} refused")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise UnpackError(f"member name {name[:100]!r} climbs out with '..'")
    if len(parts) > MAX_DEPTH:
        raise UnpackError(f"member name {name[:100]!r} is nested too deeply")
    return parts


def _check_inside(directory: tuple[str, ...], link: str, name: str) -> None:
    """Refuse a relative symlink whose target climbs above the root from its directory."""
    depth = len(directory)
    for part in link.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                raise UnpackError(f"{name}: symlink {link[:100]!r} escapes the root")
        elif part not in ("", "."):
            depth += 1


def _walk(root: Path, parts: Sequence[str], *, create: bool) -> Path:
    """The real directory that ``parts`` names inside ``root``, following symlinks as the
    container would (an absolute target from ``root``, ``..`` stopping at ``root``) and
    creating missing directories if ``create``."""
    pending = list(parts)
    current: list[str] = []
    hops = 0
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if current:
                current.pop()
            continue
        path = root.joinpath(*current, part)
        found = _lstat(path)
        if found is None:
            if not create:
                raise UnpackError(f"{'/'.join(parts)}: no such directory")
            path.mkdir(0o755)
            current.append(part)
        elif stat.S_ISDIR(found.st_mode):
            current.append(part)
        elif stat.S_ISLNK(found.st_mode):
            hops += 1
            if hops > MAX_SYMLINKS:
                raise UnpackError(f"{'/'.join(parts)}: too many levels of symbolic links")
            link = os.readlink(path)
            if link.startswith("/"):
                current = []
            pending = [p for p in link.split("/") if p] + pending
        else:
            raise UnpackError(f"{'/'.join(parts)}: a parent is not a directory")
    return root.joinpath(*current)


def _opaque(root: Path, directory: tuple[str, ...], created: set[tuple[str, ...]]) -> None:
    real = _walk(root, directory, create=True)
    for child in os.listdir(real):
        if (*directory, child) not in created:
            _remove(real / child, _lstat(real / child))


def _whiteout(root: Path, parts: tuple[str, ...], created: set[tuple[str, ...]]) -> None:
    if parts[-1] in ("", ".", "..") or parts in created:
        return
    try:
        parent = _walk(root, parts[:-1], create=False)
    except UnpackError:
        return  # nothing below to delete
    target = parent / parts[-1]
    _remove(target, _lstat(target))


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except FileNotFoundError:
        return None


def _remove(path: Path, found: os.stat_result | None) -> None:
    if found is None:
        return
    if stat.S_ISDIR(found.st_mode):
        shutil.rmtree(path)
    else:
        path.unlink()


def _make_real_dir(path: Path) -> None:
    found = _lstat(path)
    if found is not None and stat.S_ISDIR(found.st_mode):
        return
    _remove(path, found)
    path.mkdir(0o755)

"""Unpacking layers: whiteouts, links, and every way a hostile layer could reach the host."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest
from hackattic_dockerized_solutions.unpack import UnpackError, UnpackLimits, unpack_layers

LIMITS = UnpackLimits(max_bytes=1024 * 1024, max_entries=1000)
Entry = tuple[str, str, bytes | str | None]
"""(kind, name, content): kind is file, dir, sym, hard, chr or fifo."""


def layer(folder: Path, name: str, entries: list[Entry], *, compress: bool = True) -> Path:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for kind, path, content in entries:
            info = tarfile.TarInfo(path)
            info.mode = 0o755 if kind == "dir" else 0o644
            if kind == "file":
                assert isinstance(content, bytes)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
                continue
            info.type = {
                "dir": tarfile.DIRTYPE,
                "sym": tarfile.SYMTYPE,
                "hard": tarfile.LNKTYPE,
                "chr": tarfile.CHRTYPE,
                "fifo": tarfile.FIFOTYPE,
            }[kind]
            if isinstance(content, str):
                info.linkname = content
            tar.addfile(info)
    path = folder / name
    path.write_bytes(gzip.compress(out.getvalue()) if compress else out.getvalue())
    return path


def test_layers_apply_in_order_with_whiteouts_and_opaque_directories(tmp_path: Path) -> None:
    lower = layer(tmp_path, "1", [
        ("dir", "app", None),
        ("file", "app/keep", b"kept"),
        ("file", "app/gone", b"deleted"),
        ("dir", "app/conf", None),
        ("file", "app/conf/old", b"old"),
        ("file", "app/replaced", b"first"),
        ("sym", "bin", "usr/bin"),
        ("dir", "usr/bin", None),
    ])  # fmt: skip
    upper = layer(tmp_path, "2", [
        ("file", "app/.wh.gone", b""),
        ("file", "app/conf/.wh..wh..opq", b""),
        ("file", "app/conf/new", b"new"),
        ("file", "app/replaced", b"second"),
        ("file", "bin/tool", b"through the symlink"),
        ("file", ".wh.nothing-there", b""),
    ], compress=False)  # fmt: skip
    root = tmp_path / "root"
    stats = unpack_layers([lower, upper], root, LIMITS)
    assert (root / "app/keep").read_bytes() == b"kept"
    assert not (root / "app/gone").exists()
    assert sorted(p.name for p in (root / "app/conf").iterdir()) == ["new"]
    assert (root / "app/replaced").read_bytes() == b"second"
    assert (root / "usr/bin/tool").read_bytes() == b"through the symlink"
    assert stats.whiteouts == 3
    for mount_point in ("proc", "dev", "tmp"):
        assert (root / mount_point).is_dir()
        assert not (root / mount_point).is_symlink()


def test_a_symlink_to_an_absolute_path_is_followed_inside_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "host"
    outside.mkdir()
    lower = layer(tmp_path, "1", [("sym", "evil", str(outside)), ("sym", "up", "/../..")])
    upper = layer(tmp_path, "2", [
        ("file", "evil/pwned", b"x"),
        ("file", "up/also", b"y"),
    ])  # fmt: skip
    root = tmp_path / "root"
    unpack_layers([lower, upper], root, LIMITS)
    assert list(outside.iterdir()) == []  # nothing landed on the host
    assert (root / str(outside).lstrip("/") / "pwned").read_bytes() == b"x"
    assert (root / "also").read_bytes() == b"y"


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("file", "/etc/passwd", b"x")], "absolute"),
        ([("file", "a/../../escape", b"x")], "'..'"),
        ([("sym", "a/link", "../../../etc/passwd")], "escapes the root"),
        ([("hard", "stolen", "/etc/passwd")], "absolute"),
        ([("hard", "stolen", "../etc/passwd")], "'..'"),
        ([("chr", "dev/kmsg", None)], "device"),
        ([("fifo", "pipe", None)], "fifo"),
        ([("file", "big", b"x" * (LIMITS.max_bytes + 1))], "bytes"),
        ([("file", f"f{n}", b"") for n in range(LIMITS.max_entries + 1)], "entries"),
    ],
)
def test_hostile_layers_are_refused(tmp_path: Path, entries: list[Entry], message: str) -> None:
    root = tmp_path / "root"
    with pytest.raises(UnpackError, match=message):
        unpack_layers([layer(tmp_path, "l", entries)], root, LIMITS)
    assert not (tmp_path / "escape").exists()


def test_a_hard_link_to_a_file_of_the_image_works(tmp_path: Path) -> None:
    root = tmp_path / "root"
    unpack_layers(
        [layer(tmp_path, "l", [("file", "a", b"data"), ("hard", "b", "a")])], root, LIMITS
    )
    assert (root / "b").read_bytes() == b"data"
    assert (root / "a").stat().st_ino == (root / "b").stat().st_ino


def test_garbage_is_one_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x1f\x8b" + b"not gzip at all" * 10)
    with pytest.raises(UnpackError, match="layer 1"):
        unpack_layers([junk], tmp_path / "root", LIMITS)

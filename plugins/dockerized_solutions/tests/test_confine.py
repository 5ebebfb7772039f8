"""An image's program inside bwrap: no network, no host files, no environment, bounded."""

from __future__ import annotations

import asyncio
import gzip
import io
import shutil
import socket
import tarfile
import threading
from pathlib import Path

import pytest
from hackattic_dockerized_solutions.confine import (
    Outcome,
    RunLimits,
    bwrap_command,
    container_env,
    run_confined,
)
from hackattic_dockerized_solutions.images import base_layer
from hackattic_dockerized_solutions.unpack import UnpackLimits, unpack_layers

BWRAP = shutil.which("bwrap") or "bwrap"
LIMITS = RunLimits(seconds=30, max_output_bytes=64 * 1024, tmp_bytes=1024 * 1024)


def image_root(tmp_path: Path, script: str) -> Path:
    """busybox and ``/run.sh`` holding ``script``, unpacked as the solver unpacks images."""
    base, _ = base_layer()
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "base").write_bytes(base.data)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        info = tarfile.TarInfo("run.sh")
        info.size, info.mode = len(script.encode()), 0o755
        tar.addfile(info, io.BytesIO(script.encode()))
    (tmp_path / "app").write_bytes(gzip.compress(out.getvalue()))
    root = tmp_path / "root"
    unpack_layers([tmp_path / "base", tmp_path / "app"], root, UnpackLimits(64 * 1024 * 1024, 1000))
    return root


def run(root: Path, limits: RunLimits = LIMITS, env: dict[str, str] | None = None) -> Outcome:
    command = bwrap_command(
        BWRAP, root, ["/bin/sh", "/run.sh"], container_env(["PATH=/bin"], env or {}), "/",
        limits.tmp_bytes,
    )  # fmt: skip
    return asyncio.run(run_confined(command, limits))


class Listener:
    """A TCP listener on the host's loopback that counts the connections it gets."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def wait_for_one(self) -> None:
        for _ in range(500):
            if self.accepted:
                return
            self._stop.wait(0.02)
        raise AssertionError("the host's own connection never arrived")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def test_the_network_is_unreachable_from_inside(tmp_path: Path) -> None:
    listener = Listener()
    try:
        # Reachable from the host, as the check at the end shows.
        root = image_root(
            tmp_path,
            f"busybox nc -w 2 127.0.0.1 {listener.port} </dev/null; echo nc=$?\n"
            f"busybox wget -T 2 -q -O- http://127.0.0.1:{listener.port}/ ; echo wget=$?\n"
            "busybox nc -w 2 1.1.1.1 80 </dev/null; echo remote=$?\n",
        )
        outcome = run(root)
        assert "nc=0" not in outcome.text
        assert "wget=0" not in outcome.text
        assert "remote=0" not in outcome.text
        assert listener.accepted == 0
        socket.create_connection(("127.0.0.1", listener.port), timeout=5).close()
        listener.wait_for_one()
    finally:
        listener.close()


def test_nothing_outside_the_root_is_visible_or_writable(tmp_path: Path) -> None:
    host_dir = tmp_path / "host"
    host_dir.mkdir()
    existing = host_dir / "existing"
    existing.write_text("original")
    created = host_dir / "created"
    root = image_root(
        tmp_path / "image",
        f"echo pwned > {existing}; echo pwned > {created}; echo pwned >> /run.sh\n"
        f"busybox ls {host_dir} && echo SEEN-HOST\n"
        "busybox mkdir /etc-new && echo MKDIR-OK\n"
        "echo scratch > /tmp/x && busybox cat /tmp/x\n"
        "busybox id -u\n",
    )
    before = (root / "run.sh").read_bytes()
    outcome = run(root)
    assert existing.read_text() == "original"
    assert not created.exists()
    assert (root / "run.sh").read_bytes() == before  # the image's own root is read-only
    assert not (root / "etc-new").exists()
    assert "SEEN-HOST" not in outcome.text
    assert "MKDIR-OK" not in outcome.text
    assert outcome.text.splitlines()[-2:] == ["scratch", "0"]  # /tmp is a private tmpfs


def test_only_the_images_environment_and_the_key_are_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HACKATTIC_SECRET_OF_THE_HOST", "leaked")
    root = image_root(tmp_path, "busybox env\n")
    outcome = run(root, env={"IGNITION_KEY": "IJ23F9FQCW45626S0YFXWKVIH1FZ"})
    lines = set(outcome.text.splitlines())
    assert "IGNITION_KEY=IJ23F9FQCW45626S0YFXWKVIH1FZ" in lines
    assert "PATH=/bin" in lines
    assert not any("leaked" in line for line in lines)
    assert outcome.exit_code == 0


def test_time_and_output_are_bounded(tmp_path: Path) -> None:
    sleeper = image_root(tmp_path / "a", "echo started; busybox sleep 600\n")
    slow = run(sleeper, RunLimits(seconds=0.5, max_output_bytes=1024, tmp_bytes=4096))
    assert slow.timed_out
    assert slow.exit_code is None
    assert slow.text == "started"
    talker = image_root(tmp_path / "b", "while :; do echo yyyyyyyyyyyyyyyy; done\n")
    loud = run(talker, RunLimits(seconds=60, max_output_bytes=1024, tmp_bytes=4096))
    assert loud.truncated
    assert loud.exit_code is None
    assert len(loud.stdout) <= 1024

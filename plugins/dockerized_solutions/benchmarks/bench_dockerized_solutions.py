"""dockerized_solutions: how fast the registry takes a push, and how fast an image is run.

Compared, on the same inputs in the same run: skopeo pushing a layout to our registry
against skopeo copying it to a local ``dir:`` (the client's own cost, the floor); and our
safe layer unpacker against ``tarfile.extractall`` (what a quick script or ``tar x`` does,
without whiteouts or escape checks).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from hackattic_dockerized_solutions.challenge import quiet_tls_probes
from hackattic_dockerized_solutions.confine import (
    RunLimits,
    bwrap_command,
    container_env,
    run_confined,
)
from hackattic_dockerized_solutions.images import base_layer, write_layout
from hackattic_dockerized_solutions.push import skopeo_copy
from hackattic_dockerized_solutions.registry import Credentials, Registry
from hackattic_dockerized_solutions.storage import Limits, Store
from hackattic_dockerized_solutions.unpack import UnpackLimits, unpack_layers

from hackattic_core import serve_asgi

BIG_MIB = 32
USER, PASSWORD = "bench-mark@hackattic.com", "BENCHMARK1"


def _big_layout(folder: Path) -> Path:
    """An OCI layout whose one layer holds BIG_MIB MiB of incompressible bytes."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        data = os.urandom(BIG_MIB * 1024 * 1024)
        info = tarfile.TarInfo("blob.bin")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    layer = gzip.compress(raw.getvalue(), compresslevel=1)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {}}).encode()

    def put(data: bytes) -> dict[str, object]:
        digest = hashlib.sha256(data).hexdigest()
        (folder / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        (folder / "blobs" / "sha256" / digest).write_bytes(data)
        return {"digest": f"sha256:{digest}", "size": len(data)}

    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **put(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **put(layer)}],
    }
    top = put(json.dumps(manifest).encode())
    (folder / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": manifest["mediaType"],
                **top,
                "annotations": {"org.opencontainers.image.ref.name": "latest"},
            }
        ],
    }
    (folder / "index.json").write_text(json.dumps(index))
    return folder


async def _push_seconds(layout: Path, scratch: Path) -> float:
    limits = Limits(1 << 30, 1 << 31, 4 << 20, 32)
    store = Store(limits, root=scratch)
    try:
        app = Registry(store, Credentials(USER, PASSWORD)).app()
        with quiet_tls_probes():
            async with serve_asgi(app, "127.0.0.1", 0) as bound:
                started = time.perf_counter()
                pushed = await skopeo_copy(
                    layout, f"127.0.0.1:{bound.port}", "1.0.0", (USER, PASSWORD),
                    docker_format=True, all_images=False, home=scratch, seconds=600,
                )  # fmt: skip
                elapsed = time.perf_counter() - started
                assert pushed.ok, pushed.log
                return elapsed
    finally:
        store.close()


def _dir_copy_seconds(layout: Path, scratch: Path) -> float:
    target = scratch / "dir-copy"
    started = time.perf_counter()
    subprocess.run(
        ["skopeo", "--insecure-policy", "copy", f"oci:{layout}:latest", f"dir:{target}"],
        check=True,
        capture_output=True,
        env={"PATH": os.environ.get("PATH", os.defpath), "HOME": str(scratch)},
    )
    return time.perf_counter() - started


def _layers(layout: Path) -> list[Path]:
    index = json.loads((layout / "index.json").read_text())
    digest = index["manifests"][0]["digest"].split(":")[1]
    manifest = json.loads((layout / "blobs" / "sha256" / digest).read_bytes())
    return [layout / "blobs" / "sha256" / d["digest"].split(":")[1] for d in manifest["layers"]]


def _best(fn: object, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="hackattic-bench-") as tmp:
        scratch = Path(tmp)
        big = _big_layout(scratch / "big")
        push = asyncio.run(_push_seconds(big, scratch))
        floor = _dir_copy_seconds(big, scratch)

        image = write_layout(scratch / "image", base_layer(), "salt", decoy=False)
        layers = _layers(image)
        counter = [0]

        def ours() -> None:
            counter[0] += 1
            unpack_layers(layers, scratch / f"ours-{counter[0]}", UnpackLimits(1 << 30, 100_000))

        def naive() -> None:
            counter[0] += 1
            target = scratch / f"naive-{counter[0]}"
            for layer in layers:
                with tarfile.open(layer) as tar:
                    tar.extractall(target, filter="tar")

        unpack_ours, unpack_naive = _best(ours), _best(naive)

        root = scratch / "run-root"
        unpack_layers(layers, root, UnpackLimits(1 << 30, 100_000))
        command = bwrap_command(
            shutil.which("bwrap") or "bwrap", root, ["/bin/sh", "/app/run.sh"],
            container_env(["PATH=/bin", "SALT_FILE=/app/conf/salt"], {"IGNITION_KEY": "K"}),
            "/app", 1 << 20,
        )  # fmt: skip
        limits = RunLimits(60, 65536, 1 << 20)
        run_seconds = _best(lambda: asyncio.run(run_confined(command, limits)))

    mib_s = BIG_MIB / push
    markdown = "\n".join(
        [
            "| what | ours | comparison |",
            "| --- | --- | --- |",
            f"| skopeo push of a {BIG_MIB} MiB layer | {push:.2f} s ({mib_s:.0f} MiB/s) to our "
            f"registry | {floor:.2f} s to a local `dir:` (the client's own cost) |",
            f"| unpack the sandbox image (3 layers, busybox) | {unpack_ours * 1000:.1f} ms "
            f"(whiteouts, escape checks) | {unpack_naive * 1000:.1f} ms `tarfile.extractall` "
            "(neither) |",
            f"| run it in bwrap | {run_seconds * 1000:.1f} ms | (docker run: no daemon here) |",
        ]
    )
    return {
        "title": "dockerized_solutions: push into the registry, unpack and run an image",
        "markdown": markdown,
        "targets": [
            {
                "name": "registry push throughput",
                "target": "≥ 20 MiB/s",
                "measured": f"{mib_s:.0f} MiB/s",
                "met": mib_s >= 20,
            },
            {
                "name": "unpack overhead vs tarfile",
                "target": "≤ 3×",
                "measured": f"{unpack_ours / unpack_naive:.1f}×",
                "met": unpack_ours <= 3 * unpack_naive,
            },
            {
                "name": "bwrap run of the image",
                "target": "≤ 200 ms",
                "measured": f"{run_seconds * 1000:.0f} ms",
                "met": run_seconds <= 0.2,
            },
        ],
    }


if __name__ == "__main__":
    print(run()["markdown"])

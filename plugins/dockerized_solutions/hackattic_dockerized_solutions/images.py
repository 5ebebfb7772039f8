"""The two tiny images the emulation pushes, built as OCI image layouts on disk.

Three layers each: a base shared by both (``/bin/busybox`` from Debian's busybox-static and
a ``/bin/sh`` link to it), an app layer (a script that sources every part in
``/app/parts``, a stale part and stale configuration), and a top layer that deletes the
stale part with a whiteout, empties ``/app/conf`` with an opaque whiteout and adds the
salt and the main part. The right image prints :func:`secret_for` of ``IGNITION_KEY``; the
decoy prints ``oops, wrong image!``. So an image run without the whiteouts applied, without
its Env or WorkingDir, or without the key prints something else.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .manifests import OCI_INDEX, OCI_MANIFEST

BUSYBOX = Path("/bin/busybox")
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
SALT_FILE = "/app/conf/salt"
SECRET_CHARS = 32
DECOY_TEXT = "oops, wrong image!"


def secret_for(salt: str, key: str) -> str:
    """The rule of the right image: the first 32 hex digits of sha256(``salt:key``)."""
    return hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()[:SECRET_CHARS]


@dataclass(frozen=True)
class Blob:
    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        return f"sha256:{hashlib.sha256(self.data).hexdigest()}"

    def descriptor(self, **extra: object) -> dict[str, object]:
        return {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": len(self.data),
            **extra,
        }


def _tar(entries: list[tuple[str, bytes | str | None, int]]) -> bytes:
    """A deterministic tar: (name, file bytes | symlink target | None for a dir, mode)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, content, mode in entries:
            info = tarfile.TarInfo(name)
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "root", "root"
            info.mode = mode
            if content is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif isinstance(content, str):
                info.type = tarfile.SYMTYPE
                info.linkname = content
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


def _layer(entries: list[tuple[str, bytes | str | None, int]]) -> tuple[Blob, str]:
    """A gzip layer blob and its diff ID (the digest of the uncompressed tar)."""
    raw = _tar(entries)
    diff_id = f"sha256:{hashlib.sha256(raw).hexdigest()}"
    return Blob(OCI_LAYER, gzip.compress(raw, compresslevel=6, mtime=0)), diff_id


def base_layer(busybox: Path = BUSYBOX) -> tuple[Blob, str]:
    return _layer(
        [
            ("bin", None, 0o755),
            ("bin/busybox", busybox.read_bytes(), 0o755),
            ("bin/sh", "/bin/busybox", 0o777),
            ("tmp", None, 0o1777),
        ]
    )


RUN_SH = b'#!/bin/sh\nfor part in /app/parts/*; do . "$part"; done\n'
SECRET_PART = (
    b'printf \'%s:%s\' "$(busybox cat "$SALT_FILE")" "$IGNITION_KEY"'
    b" | busybox sha256sum | busybox cut -c1-32\n"
)
DECOY_PART = b"echo 'oops, wrong image!'\n"


def app_layers(salt: str, decoy: bool) -> list[tuple[Blob, str]]:
    stale = b"echo 'stale layer: this part was deleted by a whiteout'\n"
    app = _layer(
        [
            ("app", None, 0o755),
            ("app/run.sh", RUN_SH, 0o755),
            ("app/parts", None, 0o755),
            ("app/parts/10-stale", stale, 0o644),
            ("app/conf", None, 0o755),
            ("app/conf/salt", b"stale-salt", 0o644),
            ("app/conf/extra", b"stale configuration", 0o644),
        ]
    )
    top = _layer(
        [
            ("app", None, 0o755),
            ("app/parts", None, 0o755),
            ("app/parts/.wh.10-stale", b"", 0o644),  # whiteouts before their siblings
            ("app/parts/20-main", DECOY_PART if decoy else SECRET_PART, 0o644),
            ("app/conf", None, 0o755),
            ("app/conf/.wh..wh..opq", b"", 0o644),
            ("app/conf/salt", salt.encode(), 0o644),
        ]
    )
    return [app, top]


def _config(diff_ids: list[str], architecture: str = "amd64") -> Blob:
    config = {
        "architecture": architecture,
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": {
            "Env": ["PATH=/bin", f"SALT_FILE={SALT_FILE}"],
            "Entrypoint": ["/bin/sh"],
            "Cmd": ["/app/run.sh"],
            "WorkingDir": "/app",
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    return Blob(OCI_CONFIG, json.dumps(config, sort_keys=True).encode())


def _manifest(layers: list[tuple[Blob, str]], architecture: str = "amd64") -> list[Blob]:
    """The image's blobs: layers, config and last its manifest."""
    config = _config([diff_id for _, diff_id in layers], architecture)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config.descriptor(),
        "layers": [blob.descriptor() for blob, _ in layers],
    }
    body = json.dumps(manifest, sort_keys=True).encode()
    return [*(blob for blob, _ in layers), config, Blob(OCI_MANIFEST, body)]


def write_layout(
    folder: Path, base: tuple[Blob, str], salt: str, *, decoy: bool, as_index: bool = False
) -> Path:
    """An OCI image layout in ``folder`` holding one image (or an index of it with an
    arm64 decoy beside it, if ``as_index``), referenced as ``latest``."""
    blobs = _manifest([base, *app_layers(salt, decoy)])
    top = blobs[-1]
    platform = {"architecture": "amd64", "os": "linux"}
    if as_index:
        other = _manifest([base, *app_layers(salt, decoy=True)], architecture="arm64")
        index = {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                other[-1].descriptor(platform={"architecture": "arm64", "os": "linux"}),
                top.descriptor(platform=platform),
            ],
        }
        top = Blob(OCI_INDEX, json.dumps(index, sort_keys=True).encode())
        blobs += [*other, top]
    (folder / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    for blob in blobs:
        (folder / "blobs" / "sha256" / blob.digest.split(":", 1)[1]).write_bytes(blob.data)
    (folder / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    index_json = {
        "schemaVersion": 2,
        "manifests": [top.descriptor(annotations={"org.opencontainers.image.ref.name": "latest"})],
    }
    (folder / "index.json").write_text(json.dumps(index_json))
    return folder

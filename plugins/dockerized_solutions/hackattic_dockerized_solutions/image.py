"""One pushed tag, run: its manifest resolved, its layers unpacked, its program confined.

An index resolves to its linux/amd64 image (else the first image manifest); the config's
Entrypoint, Cmd, Env and WorkingDir say what to run, with ``IGNITION_KEY`` added. The root
file system lives in a temporary folder removed as soon as the program has run.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from hackattic_core import run_blocking

from .confine import Outcome, RunLimits, bwrap_command, container_env, run_confined
from .manifests import (
    INDEXES,
    ImageConfig,
    ImageManifest,
    Index,
    ManifestInvalid,
    parse,
    parse_config,
    pick_image,
)
from .storage import RegistryError, Store
from .unpack import UnpackLimits, UnpackStats, ensure_dir, unpack_layers

MAX_CONFIG_BYTES = 4 * 1024 * 1024


class ImageError(ValueError):
    """A pushed image that cannot be run (one line)."""


@dataclass(frozen=True)
class Resolved:
    manifest_digest: str
    config: ImageConfig
    layers: list[Path]

    @property
    def argv(self) -> list[str]:
        run = self.config.config
        return [*(run.entrypoint or []), *(run.cmd or [])]


def resolve(store: Store, tag: str) -> Resolved:
    """The image ``hack:tag`` names, through an index if need be."""
    found = store.manifest(tag)
    if found is None:
        raise ImageError(f"hack:{tag}: no manifest")
    try:
        parsed = parse(found.body, found.media_type)
        digest = found.digest
        if isinstance(parsed, Index):
            entry = pick_image(parsed)
            inner = store.manifest(entry.digest)
            if inner is None or inner.media_type in INDEXES:
                raise ImageError(f"hack:{tag}: the index's image manifest is missing")
            parsed, digest = parse(inner.body, inner.media_type), inner.digest
        assert isinstance(parsed, ImageManifest)
        config = parse_config(store.read_blob(parsed.config.digest, MAX_CONFIG_BYTES))
    except (ManifestInvalid, RegistryError) as exc:
        raise ImageError(f"hack:{tag}: {exc}") from None
    layers = []
    for layer in parsed.layers:
        path = store.blob_path(layer.digest)
        if path is None:
            raise ImageError(f"hack:{tag}: layer {layer.digest[:19]}… is missing")
        layers.append(path)
    return Resolved(digest, config, layers)


@dataclass(frozen=True)
class RunSettings:
    bwrap: str
    unpack: UnpackLimits
    limits: RunLimits
    scratch: Path | None = None


async def run_image(resolved: Resolved, key: str, settings: RunSettings) -> Outcome:
    """Unpack ``resolved`` into a fresh root and run it inside bwrap with ``IGNITION_KEY``."""
    argv = resolved.argv
    if not argv:
        raise ImageError("the image has neither Entrypoint nor Cmd")
    root = Path(tempfile.mkdtemp(prefix="hackattic-rootfs-", dir=settings.scratch))
    try:
        workdir = resolved.config.config.working_dir or "/"
        if not workdir.startswith("/"):
            workdir = "/" + workdir
        await run_blocking(_prepare, resolved.layers, root, settings.unpack, workdir)
        env = container_env(resolved.config.config.env, {"IGNITION_KEY": key})
        command = bwrap_command(settings.bwrap, root, argv, env, workdir, settings.limits.tmp_bytes)
        return await run_confined(command, settings.limits)
    finally:
        # Not in a thread: a cancelled run must still leave no folder behind.
        shutil.rmtree(root, ignore_errors=True)


def _prepare(
    layers: list[Path],
    root: Path,
    limits: UnpackLimits,
    workdir: str,
    stop: threading.Event | None = None,
) -> UnpackStats:
    stats = unpack_layers(layers, root, limits, stop)
    ensure_dir(root, workdir)  # Docker creates a missing WorkingDir too
    return stats

"""The registry's store: blobs and manifests by digest, tags, uploads in progress.

Everything lives in one temporary folder that is removed when the store closes. Every blob
is verified against its digest before it is kept; sizes and counts are bounded by
:class:`Limits`. Single-threaded by design: the registry's handlers run on one event loop.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

DIGEST = re.compile(r"^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$")
"""The digests accepted (the algorithms the OCI distribution spec names)."""
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_TAGS = 10_000
"""Tags of the one repository (hackattic pushes two); a manifest re-tagged costs no bytes."""


class RegistryError(Exception):
    """A refusal in the registry's JSON error format: HTTP status, code, message."""

    def __init__(self, status: int, code: str, message: str, detail: object = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    max_blob_bytes: int
    max_total_bytes: int
    max_manifest_bytes: int
    max_uploads: int


def new_hash(digest: str) -> hashlib._Hash:
    """A hash object for ``digest``'s algorithm (already validated)."""
    return hashlib.sha512() if digest.startswith("sha512:") else hashlib.sha256()


def check_digest(digest: str) -> str:
    if not DIGEST.match(digest):
        raise RegistryError(400, "DIGEST_INVALID", "invalid or unsupported digest", digest[:140])
    return digest


@dataclass
class Upload:
    """A blob upload in progress: bytes so far, hashed as they arrive."""

    id: str
    path: Path
    file: IO[bytes]
    size: int = 0
    sha256: hashlib._Hash = field(default_factory=hashlib.sha256)
    sha512: hashlib._Hash = field(default_factory=hashlib.sha512)

    def digest(self, algorithm: str) -> str:
        h = self.sha512 if algorithm == "sha512" else self.sha256
        return f"{algorithm}:{h.hexdigest()}"


@dataclass(frozen=True)
class Manifest:
    digest: str
    media_type: str
    body: bytes


class Store:
    """Blobs, manifests and tags of the one repository, in a temporary folder."""

    def __init__(
        self,
        limits: Limits,
        listener: Callable[[str], None] | None = None,
        root: Path | None = None,
    ) -> None:
        self.limits = limits
        self._dir = Path(tempfile.mkdtemp(prefix="hackattic-registry-", dir=root))
        (self._dir / "blobs").mkdir()
        (self._dir / "uploads").mkdir()
        self.blobs: dict[str, int] = {}
        self.manifests: dict[str, Manifest] = {}
        self.tags: dict[str, str] = {}
        """tag → manifest digest, in the order the tags were (last) pushed."""
        self.uploads: dict[str, Upload] = {}
        self.total_bytes = 0
        self.refused = 0
        self._listener = listener or (lambda _: None)

    @property
    def folder(self) -> Path:
        return self._dir

    def close(self) -> None:
        """Discard uploads and remove the folder with everything in it."""
        for upload in self.uploads.values():
            upload.file.close()
        self.uploads.clear()
        shutil.rmtree(self._dir, ignore_errors=True)

    # Blobs ---------------------------------------------------------------------------

    def blob_path(self, digest: str) -> Path | None:
        if digest not in self.blobs:
            return None
        return self._dir / "blobs" / digest.replace(":", "-")

    def read_blob(self, digest: str, limit: int) -> bytes:
        """A stored blob's bytes (for a config, at most ``limit`` bytes)."""
        path = self.blob_path(digest)
        if path is None:
            raise RegistryError(404, "BLOB_UNKNOWN", "blob unknown to registry", digest)
        if self.blobs[digest] > limit:
            raise RegistryError(400, "SIZE_INVALID", f"blob larger than {limit} bytes", digest)
        return path.read_bytes()

    def start_upload(self) -> Upload:
        if len(self.uploads) >= self.limits.max_uploads:
            raise RegistryError(
                429, "TOOMANYREQUESTS", f"more than {self.limits.max_uploads} uploads at once"
            )
        upload_id = secrets.token_hex(16)
        path = self._dir / "uploads" / upload_id
        upload = Upload(upload_id, path, path.open("xb"))
        self.uploads[upload_id] = upload
        return upload

    def upload(self, upload_id: str) -> Upload:
        upload = self.uploads.get(upload_id) if UPLOAD_ID.match(upload_id) else None
        if upload is None:
            raise RegistryError(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")
        return upload

    def append(self, upload: Upload, chunk: bytes) -> None:
        """Add ``chunk`` to ``upload``, refusing it (and the upload) past the limits."""
        if upload.size + len(chunk) > self.limits.max_blob_bytes:
            self.cancel(upload)
            raise RegistryError(
                413, "SIZE_INVALID", f"blob larger than {self.limits.max_blob_bytes} bytes"
            )
        pending = sum(u.size for u in self.uploads.values())  # every open upload counts
        if self.total_bytes + pending + len(chunk) > self.limits.max_total_bytes:
            self.cancel(upload)
            raise RegistryError(
                413, "DENIED", f"the registry holds at most {self.limits.max_total_bytes} bytes"
            )
        upload.file.write(chunk)
        upload.size += len(chunk)
        upload.sha256.update(chunk)
        upload.sha512.update(chunk)

    def cancel(self, upload: Upload) -> None:
        upload.file.close()
        upload.path.unlink(missing_ok=True)
        self.uploads.pop(upload.id, None)

    def finish(self, upload: Upload, digest: str) -> None:
        """Keep the upload as blob ``digest`` if its bytes hash to it; else discard it."""
        algorithm = digest.split(":", 1)[0]
        actual = upload.digest(algorithm)
        upload.file.close()
        self.uploads.pop(upload.id, None)
        if actual != digest:
            upload.path.unlink(missing_ok=True)
            self.refused += 1
            self._listener(f"refused a blob: its bytes hash to {actual[:19]}…, not {digest[:19]}…")
            raise RegistryError(
                400, "DIGEST_INVALID", "provided digest did not match uploaded content", digest
            )
        if digest in self.blobs:  # pushed twice: the first copy stays
            upload.path.unlink(missing_ok=True)
            return
        upload.path.rename(self._dir / "blobs" / digest.replace(":", "-"))
        self.blobs[digest] = upload.size
        self.total_bytes += upload.size
        self._listener(f"blob {digest[:19]}… ({upload.size} bytes)")

    # Manifests -----------------------------------------------------------------------

    def manifest(self, reference: str) -> Manifest | None:
        digest = self.tags.get(reference, reference)
        return self.manifests.get(digest)

    def put_manifest(self, tag: str | None, manifest: Manifest, label: str) -> None:
        """Store ``manifest`` (under ``tag`` too); ``label`` names it for the listener."""
        if tag is not None and tag not in self.tags and len(self.tags) >= MAX_TAGS:
            raise RegistryError(400, "DENIED", f"more than {MAX_TAGS} tags")
        if manifest.digest not in self.manifests:
            if self.total_bytes + len(manifest.body) > self.limits.max_total_bytes:
                raise RegistryError(
                    413, "DENIED", f"the registry holds at most {self.limits.max_total_bytes} bytes"
                )
            self.total_bytes += len(manifest.body)
            self.manifests[manifest.digest] = manifest
        if tag is not None:
            self.tags.pop(tag, None)  # re-pushed: it moves to the end of the order
            self.tags[tag] = manifest.digest
        self._listener(f"manifest {'hack:' + tag if tag else manifest.digest[:19] + '…'} ({label})")

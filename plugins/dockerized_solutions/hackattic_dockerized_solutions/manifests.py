"""Image manifests and indexes (Docker v2 schema 2, OCI) and image configs: parsed, bounded.

Used by the registry to check what a manifest references before it is stored, and by the
solver to find an image's layers and config (an index resolves to linux/amd64).
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .storage import DIGEST

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
IMAGE_MANIFESTS = frozenset({DOCKER_MANIFEST, OCI_MANIFEST})
INDEXES = frozenset({DOCKER_LIST, OCI_INDEX})
SHORT_NAMES = {
    DOCKER_MANIFEST: "docker manifest",
    DOCKER_LIST: "docker manifest list",
    OCI_MANIFEST: "OCI manifest",
    OCI_INDEX: "OCI index",
}
MAX_ENTRIES = 1000
"""Layers of a manifest, or manifests of an index: far more than any real image has."""


class ManifestInvalid(ValueError):
    """A manifest or config that is not what it claims to be (one line)."""


class Descriptor(BaseModel):
    model_config = ConfigDict(extra="ignore")

    media_type: str = Field(default="", alias="mediaType", max_length=256)
    digest: str
    size: int = Field(ge=0)

    @field_validator("digest")
    @classmethod
    def _digest(cls, value: str) -> str:
        if not DIGEST.match(value):
            raise ValueError("not a sha256 or sha512 digest")
        return value


class Platform(BaseModel):
    model_config = ConfigDict(extra="ignore")

    architecture: str = Field(default="", max_length=64)
    os: str = Field(default="", max_length=64)
    variant: str = Field(default="", max_length=64)


class IndexEntry(Descriptor):
    platform: Platform | None = None


class ImageManifest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: Literal[2] = Field(alias="schemaVersion")
    media_type: str = Field(default="", alias="mediaType")
    config: Descriptor
    layers: list[Descriptor] = Field(max_length=MAX_ENTRIES)


class Index(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: Literal[2] = Field(alias="schemaVersion")
    media_type: str = Field(default="", alias="mediaType")
    manifests: list[IndexEntry] = Field(max_length=MAX_ENTRIES)


def media_type_of(body: bytes, content_type: str | None) -> str:
    """The manifest's media type: its ``mediaType`` field, else the request's Content-Type
    (OCI makes the field optional), else guessed from its shape."""
    document = _json_object(body)
    declared = document.get("mediaType")
    if isinstance(declared, str) and declared:
        media_type = declared
    elif content_type and content_type.split(";")[0].strip() in IMAGE_MANIFESTS | INDEXES:
        media_type = content_type.split(";")[0].strip()
    else:
        media_type = OCI_INDEX if "manifests" in document else OCI_MANIFEST
    if media_type not in IMAGE_MANIFESTS | INDEXES:
        raise ManifestInvalid(f"unsupported manifest media type {media_type[:100]!r}")
    return media_type


def parse(body: bytes, media_type: str) -> ImageManifest | Index:
    try:
        if media_type in INDEXES:
            return Index.model_validate_json(body)
        return ImageManifest.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "manifest"
        raise ManifestInvalid(f"{where}: {first['msg']}") from None


def pick_image(index: Index) -> IndexEntry:
    """linux/amd64 from an index, else its first image manifest (what ``docker run`` on an
    amd64 machine takes, leniently)."""
    images = [m for m in index.manifests if m.media_type not in INDEXES]
    for entry in images:
        platform = entry.platform
        if platform is not None and (platform.os, platform.architecture) == ("linux", "amd64"):
            return entry
    if not images:
        raise ManifestInvalid("the index lists no image manifest")
    return images[0]


class RunConfig(BaseModel):
    """The part of an image config that says how to run it (``config`` in the JSON)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    entrypoint: list[str] | None = Field(default=None, alias="Entrypoint", max_length=1000)
    cmd: list[str] | None = Field(default=None, alias="Cmd", max_length=1000)
    env: list[str] | None = Field(default=None, alias="Env", max_length=1000)
    working_dir: str = Field(default="", alias="WorkingDir", max_length=4096)
    user: str = Field(default="", alias="User", max_length=256)

    @field_validator("entrypoint", "cmd", "env")
    @classmethod
    def _no_nul(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any("\0" in item or len(item) > 65536 for item in value):
            raise ValueError("holds a NUL byte or an argument longer than 64 KiB")
        return value


class ImageConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    architecture: str = Field(default="", max_length=64)
    os: str = Field(default="", max_length=64)
    config: RunConfig = Field(default_factory=RunConfig)


def parse_config(body: bytes) -> ImageConfig:
    try:
        return ImageConfig.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "config"
        raise ManifestInvalid(f"image config {where}: {first['msg']}") from None


def _json_object(body: bytes) -> dict[str, object]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise ManifestInvalid("the manifest is not JSON") from None
    if not isinstance(document, dict):
        raise ManifestInvalid("the manifest is not a JSON object")
    return document

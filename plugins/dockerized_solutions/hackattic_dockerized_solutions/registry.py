"""The registry: the push side of the Docker Registry HTTP API v2 / OCI Distribution spec.

A Starlette app over a :class:`~.storage.Store`: the API version check with a Basic auth
challenge, blob existence, monolithic and chunked uploads (a cross-repository mount is
answered "not mounted", as a fresh upload), manifests and indexes by tag and digest, and
the tag list. Only repository ``hack`` exists; every request needs exactly the problem's
credentials (compared in constant time); errors are the spec's JSON error bodies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from .manifests import INDEXES, SHORT_NAMES, ImageManifest, ManifestInvalid, media_type_of, parse
from .storage import DIGEST, TAG, Manifest, RegistryError, Store, Upload, check_digest

REPOSITORY = "hack"
REALM = "hackattic registry"
API_VERSION = {"Docker-Distribution-API-Version": "registry/2.0"}
CONTENT_RANGE = re.compile(r"^(?:bytes )?(\d{1,19})-(\d{1,19})$")

Handler = Callable[[Request], Awaitable[Response]]


def error_response(error: RegistryError) -> Response:
    body = {"errors": [{"code": error.code, "message": error.message, "detail": error.detail}]}
    headers = dict(API_VERSION)
    if error.status == 401:
        headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return JSONResponse(body, status_code=error.status, headers=headers)


class Credentials:
    """The one user and password allowed to push, checked in constant time."""

    def __init__(self, user: str, password: str) -> None:
        self._user = user.encode()
        self._password = password.encode()

    def check(self, header: str | None) -> None:
        if header is None or not header[:6].lower() == "basic ":
            raise RegistryError(401, "UNAUTHORIZED", "authentication required")
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True)
        except (binascii.Error, ValueError):
            raise RegistryError(401, "UNAUTHORIZED", "malformed credentials") from None
        user, _, password = decoded.partition(b":")
        # Both compared, always: the time taken says nothing about which one was wrong.
        user_ok = hmac.compare_digest(user, self._user)
        password_ok = hmac.compare_digest(password, self._password)
        if not (user_ok and password_ok):
            raise RegistryError(401, "UNAUTHORIZED", "wrong user name or password")


class Registry:
    """The API's handlers over ``store``, allowing ``credentials``."""

    def __init__(self, store: Store, credentials: Credentials) -> None:
        self.store = store
        self.credentials = credentials
        self.unauthorized = 0

    def app(self) -> Starlette:
        def route(path: str, handler: Handler, methods: list[str]) -> Route:
            return Route(path, self._guard(handler), methods=methods)

        return Starlette(
            routes=[
                route("/v2/", self.version, ["GET"]),
                route("/v2/{name}/blobs/uploads/", self.start_upload, ["POST"]),
                route("/v2/{name}/blobs/uploads", self.start_upload, ["POST"]),
                route(
                    "/v2/{name}/blobs/uploads/{upload_id}",
                    self.upload,
                    ["GET", "PATCH", "PUT", "DELETE"],
                ),
                route("/v2/{name}/blobs/{digest}", self.blob, ["GET"]),
                route("/v2/{name}/manifests/{reference}", self.manifest, ["GET", "PUT"]),
                route("/v2/{name}/tags/list", self.tag_list, ["GET"]),
                route("/v2/{rest:path}", self.unknown, ["GET", "POST", "PUT", "PATCH", "DELETE"]),
            ]
        )

    def _guard(self, handler: Handler) -> Handler:
        """Authentication first, then the handler; refusals as JSON error bodies."""

        async def guarded(request: Request) -> Response:
            try:
                try:
                    self.credentials.check(request.headers.get("authorization"))
                except RegistryError:
                    self.unauthorized += 1
                    raise
                name = request.path_params.get("name")
                if name is not None and name != REPOSITORY:
                    raise RegistryError(
                        404, "NAME_UNKNOWN", "repository name not known to registry", name[:100]
                    )
                response = await handler(request)
            except RegistryError as error:
                return error_response(error)
            response.headers.update(API_VERSION)
            return response

        return guarded

    # The API ---------------------------------------------------------------------------

    async def version(self, request: Request) -> Response:
        return JSONResponse({})

    async def unknown(self, request: Request) -> Response:
        raise RegistryError(404, "NAME_UNKNOWN", "repository name not known to registry")

    async def blob(self, request: Request) -> Response:
        digest = check_digest(request.path_params["digest"])
        path = self.store.blob_path(digest)
        if path is None:
            raise RegistryError(404, "BLOB_UNKNOWN", "blob unknown to registry", digest)
        headers = {"Docker-Content-Digest": digest, "Content-Type": "application/octet-stream"}
        if request.method == "HEAD":
            headers["Content-Length"] = str(self.store.blobs[digest])
            return Response(headers=headers)
        return FileResponse(path, headers=headers)

    async def start_upload(self, request: Request) -> Response:
        # ``?mount=&from=`` is answered as the spec allows when nothing is mounted: a fresh
        # upload (202), so the client uploads the bytes and they are verified here.
        digest = request.query_params.get("digest")
        upload = self.store.start_upload()
        if digest is None:
            return self._accepted(upload)
        try:
            check_digest(digest)
            await self._read_into(request, upload)
        except RegistryError:
            self.store.cancel(upload)
            raise
        self.store.finish(upload, digest)
        return _created_blob(digest)

    async def upload(self, request: Request) -> Response:
        upload = self.store.upload(request.path_params["upload_id"])
        if request.method == "GET":
            return Response(status_code=204, headers=_upload_headers(upload))
        if request.method == "DELETE":
            self.store.cancel(upload)
            return Response(status_code=204)
        if request.method == "PATCH":
            start, end = _content_range(request.headers.get("content-range"), upload)
            await self._read_into(request, upload)
            if end is not None and upload.size != end + 1:
                self.store.cancel(upload)
                raise RegistryError(
                    416, "BLOB_UPLOAD_INVALID", f"Content-Range {start}-{end} does not match"
                )
            return self._accepted(upload)
        # PUT ?digest=: the last chunk, if any, then the whole blob's digest is verified.
        digest = request.query_params.get("digest")
        if digest is None or not DIGEST.match(digest):
            self.store.cancel(upload)
            raise RegistryError(400, "DIGEST_INVALID", "a sha256 digest is required", digest)
        await self._read_into(request, upload)
        self.store.finish(upload, digest)
        return _created_blob(digest)

    async def manifest(self, request: Request) -> Response:
        reference = request.path_params["reference"]
        is_digest = DIGEST.match(reference) is not None
        if not is_digest and not TAG.match(reference):
            raise RegistryError(400, "TAG_INVALID", "invalid tag or digest", reference[:140])
        if request.method == "PUT":
            return await self._put_manifest(request, reference, is_digest)
        found = self.store.manifest(reference)
        if found is None:
            raise RegistryError(404, "MANIFEST_UNKNOWN", "manifest unknown", reference[:140])
        headers = {"Docker-Content-Digest": found.digest, "Content-Type": found.media_type}
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(found.body))
            return Response(headers=headers)
        return Response(found.body, headers=headers)

    async def tag_list(self, request: Request) -> Response:
        return JSONResponse({"name": REPOSITORY, "tags": list(self.store.tags)})

    # Helpers ---------------------------------------------------------------------------

    async def _put_manifest(self, request: Request, reference: str, is_digest: bool) -> Response:
        limit = self.store.limits.max_manifest_bytes
        body = await _read_bounded(request, limit)
        digest = f"sha256:{hashlib.sha256(body).hexdigest()}"
        if is_digest and reference.startswith("sha512:"):
            digest = f"sha512:{hashlib.sha512(body).hexdigest()}"
        if is_digest and digest != reference:
            raise RegistryError(
                400, "DIGEST_INVALID", "the manifest's bytes do not match its digest", reference
            )
        try:
            media_type = media_type_of(body, request.headers.get("content-type"))
            parsed = parse(body, media_type)
        except ManifestInvalid as exc:
            raise RegistryError(400, "MANIFEST_INVALID", str(exc)) from None
        if isinstance(parsed, ImageManifest):
            for descriptor in [parsed.config, *parsed.layers]:
                size = self.store.blobs.get(descriptor.digest)
                if size is None:
                    raise RegistryError(
                        400, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry", descriptor.digest
                    )
                if size != descriptor.size:
                    raise RegistryError(
                        400, "MANIFEST_INVALID", "a blob's size differs", descriptor.digest
                    )
        else:
            for entry in parsed.manifests:
                if entry.digest not in self.store.manifests:
                    raise RegistryError(
                        400, "MANIFEST_BLOB_UNKNOWN", "manifest unknown to registry", entry.digest
                    )
        stored = Manifest(digest, media_type, body)
        label = SHORT_NAMES[media_type]
        if media_type in INDEXES:
            label += f" of {len(parsed.manifests)}"  # type: ignore[union-attr]
        else:
            label += f", {len(parsed.layers)} layers"  # type: ignore[union-attr]
        self.store.put_manifest(None if is_digest else reference, stored, label)
        return Response(
            status_code=201,
            headers={
                "Location": f"/v2/{REPOSITORY}/manifests/{digest}",
                "Docker-Content-Digest": digest,
            },
        )

    def _accepted(self, upload: Upload) -> Response:
        return Response(status_code=202, headers=_upload_headers(upload))

    async def _read_into(self, request: Request, upload: Upload) -> None:
        length = request.headers.get("content-length")
        if (
            length is not None
            and length.isdigit()
            and upload.size + int(length) > self.store.limits.max_blob_bytes
        ):
            self.store.cancel(upload)
            raise RegistryError(
                413, "SIZE_INVALID", f"blob larger than {self.store.limits.max_blob_bytes}"
            )
        async for chunk in request.stream():
            if chunk:
                if upload.id not in self.store.uploads:  # cancelled meanwhile
                    raise RegistryError(404, "BLOB_UPLOAD_UNKNOWN", "upload cancelled")
                self.store.append(upload, chunk)


def _upload_headers(upload: Upload) -> dict[str, str]:
    return {
        "Location": f"/v2/{REPOSITORY}/blobs/uploads/{upload.id}",
        "Range": f"0-{max(upload.size - 1, 0)}",
        "Docker-Upload-UUID": upload.id,
        "Content-Length": "0",
    }


def _created_blob(digest: str) -> Response:
    return Response(
        status_code=201,
        headers={
            "Location": f"/v2/{REPOSITORY}/blobs/{digest}",
            "Docker-Content-Digest": digest,
        },
    )


def _content_range(header: str | None, upload: Upload) -> tuple[int | None, int | None]:
    """A PATCH's ``Content-Range`` (optional: a streamed upload has none), checked against
    what was received so far: a chunk must start where the last one ended."""
    if header is None:
        return None, None
    match = CONTENT_RANGE.match(header.strip())
    if match is None:
        raise RegistryError(416, "BLOB_UPLOAD_INVALID", "malformed Content-Range", header[:60])
    start, end = int(match[1]), int(match[2])
    if start != upload.size or end < start:
        raise RegistryError(
            416,
            "BLOB_UPLOAD_INVALID",
            f"Content-Range {start}-{end}: the upload holds {upload.size} bytes",
        )
    return start, end


async def _read_bounded(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise RegistryError(413, "SIZE_INVALID", f"manifest larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise RegistryError(413, "SIZE_INVALID", f"manifest larger than {limit} bytes")
    return bytes(body)

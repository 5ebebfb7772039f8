"""The registry over real HTTP on loopback: authentication, uploads, digests, manifests, bounds;
and the real skopeo pushing to it, with right and wrong credentials."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from hackattic_dockerized_solutions.images import base_layer, write_layout
from hackattic_dockerized_solutions.manifests import DOCKER_MANIFEST, OCI_MANIFEST
from hackattic_dockerized_solutions.push import push_corrupt_blob, skopeo_copy
from hackattic_dockerized_solutions.registry import Credentials, Registry
from hackattic_dockerized_solutions.storage import Limits, Store

from hackattic_core import serve_asgi

USER, PASSWORD = "plain-art@hackattic.com", "UQ0UA2ZJAS"
LIMITS = Limits(
    max_blob_bytes=1024 * 1024,
    max_total_bytes=8 * 1024 * 1024,
    max_manifest_bytes=64 * 1024,
    max_uploads=4,
)


def digest_of(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


@asynccontextmanager
async def running(tmp_path: Path) -> AsyncIterator[tuple[Store, httpx.AsyncClient, str]]:
    store = Store(LIMITS, root=tmp_path)
    registry = Registry(store, Credentials(USER, PASSWORD))
    try:
        async with serve_asgi(registry.app(), "127.0.0.1", 0) as bound:
            host = f"127.0.0.1:{bound.port}"
            async with httpx.AsyncClient(
                base_url=f"http://{host}", auth=(USER, PASSWORD), trust_env=False
            ) as client:
                yield store, client, host
    finally:
        store.close()


def run(tmp_path: Path, test: Callable[[Store, httpx.AsyncClient, str], Awaitable[None]]) -> None:
    async def main() -> None:
        async with running(tmp_path) as (store, client, host):
            await test(store, client, host)

    asyncio.run(main())


async def upload(
    client: httpx.AsyncClient, data: bytes, digest: str | None = None
) -> httpx.Response:
    started = await client.post("/v2/hack/blobs/uploads/")
    assert started.status_code == 202
    location = started.headers["location"]
    patched = await client.patch(
        location, content=data, headers={"Content-Range": f"0-{len(data) - 1}"}
    )
    assert patched.status_code == 202, patched.text
    assert patched.headers["range"] == f"0-{len(data) - 1}"
    return await client.put(location, params={"digest": digest or digest_of(data)})


def test_the_api_check_challenges_for_basic_auth_and_wants_the_exact_credentials(
    tmp_path: Path,
) -> None:
    async def test(store: Store, client: httpx.AsyncClient, host: str) -> None:
        anonymous = await client.get("/v2/", auth=None)
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"].startswith("Basic realm=")
        assert anonymous.json()["errors"][0]["code"] == "UNAUTHORIZED"
        for user, password in [(USER, "UQ0UA2ZJAT"), (USER.upper(), PASSWORD), (USER, "")]:
            wrong = await client.get("/v2/", auth=(user, password))
            assert wrong.status_code == 401
        wrong_push = await client.post("/v2/hack/blobs/uploads/", auth=(USER, "nope"))
        assert wrong_push.status_code == 401
        assert store.uploads == {}
        right = await client.get("/v2/")
        assert right.status_code == 200
        assert right.headers["docker-distribution-api-version"] == "registry/2.0"

    run(tmp_path, test)


def test_a_chunked_blob_is_kept_only_when_it_matches_its_digest(tmp_path: Path) -> None:
    async def test(store: Store, client: httpx.AsyncClient, host: str) -> None:
        data = b"layer bytes" * 1000
        wrong = await upload(client, data, digest_of(data + b"x"))
        assert wrong.status_code == 400
        assert wrong.json()["errors"][0]["code"] == "DIGEST_INVALID"
        assert (await client.head(f"/v2/hack/blobs/{digest_of(data + b'x')}")).status_code == 404
        assert store.uploads == {}
        assert list((store.folder / "uploads").iterdir()) == []  # the upload was discarded

        right = await upload(client, data)
        assert right.status_code == 201
        assert right.headers["docker-content-digest"] == digest_of(data)
        head = await client.head(f"/v2/hack/blobs/{digest_of(data)}")
        assert head.status_code == 200
        assert head.headers["content-length"] == str(len(data))
        assert (await client.get(f"/v2/hack/blobs/{digest_of(data)}")).content == data

    run(tmp_path, test)


def test_chunks_must_follow_each_other(tmp_path: Path) -> None:
    async def test(store: Store, client: httpx.AsyncClient, host: str) -> None:
        location = (await client.post("/v2/hack/blobs/uploads/")).headers["location"]
        first = await client.patch(location, content=b"abcd", headers={"Content-Range": "0-3"})
        assert first.status_code == 202
        gap = await client.patch(location, content=b"efgh", headers={"Content-Range": "5-8"})
        assert gap.status_code == 416
        second = await client.patch(location, content=b"efgh", headers={"Content-Range": "4-7"})
        assert second.status_code == 202
        assert (
            await client.put(location, params={"digest": digest_of(b"abcdefgh")})
        ).status_code == 201

    run(tmp_path, test)


def test_monolithic_uploads_and_mounts_answered_as_fresh_uploads(tmp_path: Path) -> None:
    async def test(store: Store, client: httpx.AsyncClient, host: str) -> None:
        data = b"config"
        mono = await client.post(
            "/v2/hack/blobs/uploads/", params={"digest": digest_of(data)}, content=data
        )
        assert mono.status_code == 201
        corrupt = await client.post(
            "/v2/hack/blobs/uploads/", params={"digest": digest_of(b"other")}, content=data
        )
        assert corrupt.status_code == 400
        assert digest_of(b"other") not in store.blobs
        mount = await client.post(
            "/v2/hack/blobs/uploads/", params={"mount": digest_of(b"zzz"), "from": "library/x"}
        )
        assert mount.status_code == 202  # not mounted: a fresh upload
        assert mount.headers["location"].startswith("/v2/hack/blobs/uploads/")
        assert (await client.post("/v2/hack/blobs/uploads")).status_code == 202  # no slash

    run(tmp_path, test)


def test_manifests_need_their_blobs_and_are_served_by_tag_and_digest(tmp_path: Path) -> None:
    async def test(store: Store, client: httpx.AsyncClient, host: str) -> None:
        config, layer = b'{"config": {"Cmd": ["/bin/true"]}}', b"\x1f\x8b not really"
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": DOCKER_MANIFEST,
                "config": {"mediaType": "x", "digest": digest_of(config), "size": len(config)},
                "layers": [{"mediaType": "y", "digest": digest_of(layer), "size": len(layer)}],
            }
        ).encode()
        headers = {"Content-Type": DOCKER_MANIFEST}
        missing = await client.put("/v2/hack/manifests/1.2.3", content=manifest, headers=headers)
        assert missing.status_code == 400
        assert missing.json()["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"
        for blob in (config, layer):
            assert (await upload(client, blob)).status_code == 201
        put = await client.put("/v2/hack/manifests/1.2.3", content=manifest, headers=headers)
        assert put.status_code == 201
        assert put.headers["docker-content-digest"] == digest_of(manifest)
        for reference in ("1.2.3", digest_of(manifest)):
            got = await client.get(f"/v2/hack/manifests/{reference}")
            assert got.content == manifest
            assert got.headers["content-type"] == DOCKER_MANIFEST
            assert got.headers["docker-content-digest"] == digest_of(manifest)
        by_wrong_digest = await client.put(
            f"/v2/hack/manifests/{digest_of(b'x')}", content=manifest, headers=headers
        )
        assert by_wrong_digest.status_code == 400
        not_json = await client.put(
            "/v2/hack/manifests/2.0.0", content=b"{", headers={"Content-Type": OCI_MANIFEST}
        )
        assert not_json.json()["errors"][0]["code"] == "MANIFEST_INVALID"
        assert list(store.tags) == ["1.2.3"]
        other = await client.get("/v2/other/manifests/1.2.3")
        assert other.status_code == 404
        assert other.json()["errors"][0]["code"] == "NAME_UNKNOWN"
        nested = await client.post("/v2/library/hack/blobs/uploads/")
        assert nested.status_code == 404

    run(tmp_path, test)


def test_sizes_and_uploads_are_bounded_and_the_folder_goes_with_the_store(tmp_path: Path) -> None:
    async def test(store: Store, client: httpx.AsyncClient, host: str) -> None:
        too_big = b"x" * (LIMITS.max_blob_bytes + 1)
        refused = await client.post(
            "/v2/hack/blobs/uploads/", params={"digest": digest_of(too_big)}, content=too_big
        )
        assert refused.status_code == 413
        assert store.blobs == {}
        for _ in range(LIMITS.max_uploads):
            assert (await client.post("/v2/hack/blobs/uploads/")).status_code == 202
        assert (await client.post("/v2/hack/blobs/uploads/")).status_code == 429
        huge_manifest = b" " * (LIMITS.max_manifest_bytes + 1)
        assert (await client.put("/v2/hack/manifests/t", content=huge_manifest)).status_code == 413

    run(tmp_path, test)
    assert list(tmp_path.iterdir()) == []  # the store's folder is gone


def test_skopeo_pushes_with_the_right_credentials_only(tmp_path: Path) -> None:
    layout = write_layout(tmp_path / "layout", base_layer(), "salt", decoy=True)
    home = tmp_path / "home"
    home.mkdir()

    async def test(store: Store, client: httpx.AsyncClient, host: str) -> None:
        wrong = await skopeo_copy(
            layout, host, "1.0.0", (USER, "WRONGPASS1"),
            docker_format=True, all_images=False, home=home, seconds=60,
        )  # fmt: skip
        assert not wrong.ok
        assert "WRONGPASS1" not in wrong.log
        assert store.tags == {}
        assert store.blobs == {}
        right = await skopeo_copy(
            layout, host, "1.0.0", (USER, PASSWORD),
            docker_format=True, all_images=False, home=home, seconds=60,
        )  # fmt: skip
        assert right.ok, right.log
        assert list(store.tags) == ["1.0.0"]
        assert store.manifest("1.0.0").media_type == DOCKER_MANIFEST  # type: ignore[union-attr]
        corrupt = await push_corrupt_blob(host, (USER, PASSWORD), 30)
        assert corrupt.refused, corrupt.log

    (tmp_path / "store").mkdir()
    run(tmp_path / "store", test)

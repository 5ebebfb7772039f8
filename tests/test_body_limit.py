"""Answers bounded once decoded: gzip and deflate decoded here, with zlib's max_length."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest

from hackattic_core.body_limit import ACCEPT_ENCODING, BoundedBodyTransport
from hackattic_core.errors import ServiceError

LIMIT = 64 * 1024
URL = "https://hackattic.com/challenges/x/problem?access_token=tok-SECRET-123456"


async def fetch(
    body: bytes | AsyncIterator[bytes], headers: dict[str, str] | None = None, limit: int = LIMIT
) -> tuple[httpx.Request, bytes]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if isinstance(body, bytes):  # as a stream: content= would be decoded at once
            return httpx.Response(200, headers=headers, stream=httpx.ByteStream(body))
        return httpx.Response(200, headers=headers, content=body)

    transport = BoundedBodyTransport(httpx.MockTransport(answer), limit)
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get(URL)
    return seen[0], response.content


def gzip_layers(data: bytes, layers: int) -> bytes:
    for _ in range(layers):
        data = gzip.compress(data)
    return data


@pytest.mark.parametrize("layers", [1, 2])
async def test_gzip_layers_are_decoded(layers: int) -> None:
    data = b"hello " * 1000
    encoding = ", ".join(["gzip"] * layers)
    request, body = await fetch(gzip_layers(data, layers), {"Content-Encoding": encoding})
    assert body == data
    assert request.headers["Accept-Encoding"] == ACCEPT_ENCODING


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
async def test_deflate_with_or_without_its_wrapper_is_decoded(wbits: int) -> None:
    compressor = zlib.compressobj(wbits=wbits)
    data = b"numbers 1 2 3 " * 100
    _, body = await fetch(
        compressor.compress(data) + compressor.flush(), {"Content-Encoding": "deflate"}
    )
    assert body == data


async def test_identity_and_the_limit_itself_are_accepted() -> None:
    data = b"x" * LIMIT
    _, body = await fetch(data, {"Content-Encoding": "identity"})
    assert body == data


@pytest.mark.parametrize("layers", [1, 2])
async def test_a_bomb_is_refused_naming_the_request_without_its_token(layers: int) -> None:
    bomb = gzip_layers(bytes(50 * LIMIT), layers)
    assert len(bomb) < LIMIT // 10
    encoding = ", ".join(["gzip"] * layers)
    with pytest.raises(ServiceError) as caught:
        await fetch(bomb, {"Content-Encoding": encoding})
    message = str(caught.value)
    assert message.startswith(
        f"GET https://hackattic.com/challenges/x/problem: the answer is larger than {LIMIT} "
        f"bytes once decoded ({encoding})"
    )
    assert "tok-SECRET" not in message


async def test_a_streamed_plain_body_is_refused_past_the_limit() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"x" * 1024

    with pytest.raises(ServiceError, match=f"larger than {LIMIT} bytes; refused"):
        await fetch(chunks())


async def test_a_declared_length_past_the_limit_is_refused_before_reading() -> None:
    async def never() -> AsyncIterator[bytes]:
        raise AssertionError("the body was read")
        yield b""  # pragma: no cover

    with pytest.raises(ServiceError, match="larger than"):
        await fetch(never(), {"Content-Length": str(LIMIT + 1)})


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("br", "Content-Encoding 'br' is not supported"),
        ("gzip, zstd", "Content-Encoding 'zstd' is not supported"),
        ("gzip, gzip, gzip", "encoded 3 times"),
    ],
)
async def test_an_encoding_not_decoded_here_is_refused(encoding: str, expected: str) -> None:
    with pytest.raises(ServiceError, match=expected):
        await fetch(b"whatever", {"Content-Encoding": encoding})


async def test_corrupt_gzip_is_a_service_error() -> None:
    with pytest.raises(ServiceError, match="gzip data is corrupt"):
        await fetch(b"not gzip at all", {"Content-Encoding": "gzip"})

"""HTTP answers bounded by what they decode to, not only by what travels.

httpx decodes ``Content-Encoding`` before a reader can count anything: a few KB of gzip
(or of ``gzip, gzip``) decode to gigabytes in memory. :class:`BoundedBodyTransport` wraps
a transport: it asks only for the encodings it decodes itself (gzip and deflate, at most
:data:`MAX_ENCODING_LAYERS` of them), decodes each layer with zlib's ``max_length``, and
refuses an answer (:class:`~hackattic_core.errors.ServiceError`) as soon as its raw bytes,
any layer or the decoded body exceed the limit. The response it hands on is already
decoded (no ``Content-Encoding`` left), so httpx has nothing more to inflate.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Sequence

import httpx

from hackattic_core.errors import ServiceError

ACCEPT_ENCODING = "gzip, deflate"
"""What is asked for: only what :class:`BoundedBodyTransport` decodes itself."""
MAX_ENCODING_LAYERS = 2
"""More layers than this are refused: nothing honest compresses a body three times."""
DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
"""Content-Encoding → zlib's ``wbits`` (deflate falls back to raw deflate, as httpx does)."""


def _slack(limit: int) -> int:
    # Compressed data may be a little larger than what it decodes to (stored blocks,
    # headers); raw bytes and inner layers get this much beyond the limit.
    return 1024 + limit // 64


def _where(request: httpx.Request) -> str:
    """The request for a message: method and URL without its query (the token)."""
    return f"{request.method} {request.url.copy_with(query=None, fragment=None)}"


def _too_large(request: httpx.Request, limit: int, encodings: Sequence[str]) -> ServiceError:
    decoded = f" once decoded ({', '.join(encodings)})" if encodings else ""
    return ServiceError(
        f"{_where(request)}: the answer is larger than {limit} bytes{decoded}; refused "
        "(raise HACKATTIC_MAX_BODY_BYTES if this is expected)"
    )


class _Layer:
    """One encoding layer's decoder, whose output is never more than asked for."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._wbits = DECODERS[encoding]
        self._inflate = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes, budget: int) -> bytes:
        """Decode ``data``; more than ``budget`` bytes out means the answer is too large
        (at most ``budget + 1`` are produced, so memory stays bounded either way)."""
        if self._inflate.eof:
            return b""  # what follows the end of the stream is ignored, as httpx does
        try:
            out = self._inflate.decompress(data, budget + 1)
        except zlib.error as exc:
            if self.encoding != "deflate" or self._started:
                raise ServiceError(
                    f"the answer's {self.encoding} data is corrupt ({exc})"
                ) from None
            # Some servers send raw deflate without the zlib wrapper (httpx accepts both).
            self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
            self._started = True
            return self.feed(data, budget)
        self._started = True
        return out

    def flush(self) -> bytes:
        try:
            return self._inflate.flush()
        except zlib.error as exc:  # pragma: no cover - flush rarely finds anything wrong
            raise ServiceError(f"the answer's {self.encoding} data is corrupt ({exc})") from None


class BodyDecoder:
    """Decodes an answer's layers in turn, each bounded; raises :class:`ServiceError`
    with the request named when a limit is passed."""

    def __init__(self, request: httpx.Request, encodings: Sequence[str], limit: int) -> None:
        self.request = request
        self.encodings = list(encodings)
        self.limit = limit
        # Layers are listed in the order they were applied: decode from the last.
        self._layers = [_Layer(name) for name in reversed(self.encodings)]
        self._raw_limit = limit + _slack(limit) if self._layers else limit
        self._sizes = [0] * (len(self._layers) + 1)  # raw, then each layer's output

    def feed(self, data: bytes) -> bytes:
        data = self._count(0, data, self._raw_limit)
        for index, layer in enumerate(self._layers, 1):
            if not data:
                break
            budget = self._budget(index) - self._sizes[index]
            data = self._count(index, layer.feed(data, budget), self._budget(index))
        return data

    def flush(self) -> bytes:
        """What the layers still hold once the raw stream has ended."""
        data = b""
        for index, layer in enumerate(self._layers, 1):
            budget = self._budget(index) - self._sizes[index]
            if data:
                data = self._count(index, layer.feed(data, budget), self._budget(index))
            data += self._count(index, layer.flush(), self._budget(index))
        return data

    def _budget(self, index: int) -> int:
        """What layer ``index`` may produce in all: the limit for the last, a little more
        for the layers inside."""
        return self.limit if index == len(self._layers) else self.limit + _slack(self.limit)

    def _count(self, index: int, data: bytes, budget: int) -> bytes:
        self._sizes[index] += len(data)
        if self._sizes[index] > budget:
            raise _too_large(self.request, self.limit, self.encodings)
        return data


def content_encodings(request: httpx.Request, response: httpx.Response) -> list[str]:
    """The answer's encodings, in the order applied (``identity`` dropped), or a
    :class:`ServiceError` for one that is not decoded here or too many layers."""
    names = [
        value.strip().lower()
        for value in response.headers.get_list("Content-Encoding", split_commas=True)
        if value.strip() and value.strip().lower() != "identity"
    ]
    unknown = [name for name in names if name not in DECODERS]
    if unknown:
        raise ServiceError(
            f"{_where(request)}: the answer's Content-Encoding {unknown[0][:40]!r} is not "
            f"supported (only {ACCEPT_ENCODING}); refused"
        )
    if len(names) > MAX_ENCODING_LAYERS:
        raise ServiceError(
            f"{_where(request)}: the answer is encoded {len(names)} times "
            f"({', '.join(names)[:80]}); more than {MAX_ENCODING_LAYERS} layers are refused"
        )
    return names


class _DecodedStream(httpx.AsyncByteStream):
    def __init__(self, raw: httpx.AsyncByteStream, decoder: BodyDecoder) -> None:
        self._raw = raw
        self._decoder = decoder

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._raw:
            decoded = self._decoder.feed(chunk)
            if decoded:
                yield decoded
        tail = self._decoder.flush()
        if tail:
            yield tail

    async def aclose(self) -> None:
        await self._raw.aclose()


class BoundedBodyTransport(httpx.AsyncBaseTransport):
    """``inner`` with every answer's body bounded to ``limit`` bytes once decoded."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int) -> None:
        self._inner = inner
        self.limit = limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
        response = await self._inner.handle_async_request(request)
        try:
            encodings = content_encodings(request, response)
            declared = response.headers.get("Content-Length", "")
            allowed = self.limit + _slack(self.limit) if encodings else self.limit
            if declared.isdigit() and int(declared) > allowed:
                raise _too_large(request, self.limit, encodings)
        except ServiceError:
            await response.aclose()
            raise
        headers = response.headers
        if encodings:
            # Decoded here: the length and the encoding no longer describe the body.
            dropped = {b"content-encoding", b"content-length"}
            headers = httpx.Headers(
                [(k, v) for k, v in response.headers.raw if k.lower() not in dropped]
            )
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=_DecodedStream(response.stream, BodyDecoder(request, encodings, self.limit)),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()

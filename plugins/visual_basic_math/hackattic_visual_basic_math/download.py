"""The one-time picture download, bounded in size before it is read.

hackattic's links work once: a link that answers with an error (already used, expired)
cannot be retried, so the problem is lost and a fresh one may succeed (``AttemptLost``).
"""

from __future__ import annotations

import httpx

from hackattic_core import AttemptLost, ProblemError

MAX_BYTES_SETTING = "HACKATTIC_VISUAL_BASIC_MATH_MAX_IMAGE_BYTES"


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        f"the picture at image_url is larger than {limit:,} bytes: refused before reading "
        f"the rest (raise {MAX_BYTES_SETTING} only if you expect it)"
    )


async def fetch_once(http: httpx.AsyncClient, url: str, *, max_bytes: int) -> bytes:
    """The body at ``url``, at most ``max_bytes`` of it (``ProblemError`` past that)."""
    try:
        async with http.stream("GET", url) as response:
            if response.status_code != httpx.codes.OK:
                raise AttemptLost(
                    f"the picture link answered HTTP {response.status_code} "
                    "(hackattic's links work once)"
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(max_bytes)
            chunks: list[bytes] = []
            received = 0
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise _too_large(max_bytes)
                chunks.append(chunk)
    except httpx.HTTPError as error:
        raise AttemptLost(f"downloading the picture failed: {type(error).__name__}") from None
    return b"".join(chunks)

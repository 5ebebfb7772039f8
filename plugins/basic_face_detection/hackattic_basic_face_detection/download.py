"""The one-time image download, bounded in size and taken at once.

hackattic's link works once and expires 5 s after the problem: the solver fetches it
before anything else. A link that answers with an error (expired, already used) cannot be
retried, so the problem is lost and a fresh one may succeed (:class:`AttemptLost`).
"""

from __future__ import annotations

import httpx

from hackattic_core import AttemptLost, ProblemError

MAX_BYTES_SETTING = "HACKATTIC_BASIC_FACE_DETECTION_MAX_IMAGE_BYTES"


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        f"the image at image_url is larger than {limit} bytes ({MAX_BYTES_SETTING}): "
        f"refused before reading the rest; raise {MAX_BYTES_SETTING} only if you expect it"
    )


async def fetch_once(http: httpx.AsyncClient, url: str, *, max_bytes: int) -> bytes:
    """The body at ``url``, read up to ``max_bytes``: :class:`ProblemError` past that,
    :class:`AttemptLost` if the link fails (an error status, a dropped connection)."""
    try:
        async with http.stream("GET", url) as response:
            if response.status_code != httpx.codes.OK:
                raise AttemptLost(
                    f"the image link answered HTTP {response.status_code} (hackattic's "
                    "links work once and expire 5 s after the problem)"
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
    except httpx.HTTPError as exc:
        raise AttemptLost(f"downloading the image failed: {type(exc).__name__}") from None
    return b"".join(chunks)

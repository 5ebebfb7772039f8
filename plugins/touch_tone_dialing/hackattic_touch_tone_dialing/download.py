"""The one-time download a problem points to, its failures as one line each.

``context.http`` already bounds the body (``HACKATTIC_MAX_BODY_BYTES``, once decoded) and
never proxies loopback; what is left is to turn a failed fetch into the core's errors
(exit 3) rather than a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hackattic_core import ServiceError

if TYPE_CHECKING:
    from hackattic_core import Context

MAX_URL_LENGTH = 4096


def check_download_url(value: str) -> str:
    """``value`` if it is an absolute http(s) URL of sane length; ValueError otherwise."""
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"a URL of {len(value):,} characters (at most {MAX_URL_LENGTH:,})")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an absolute http(s) URL")
    return value


async def download(context: Context[Any], url: str, *, what: str) -> bytes:
    """The body at ``url``; a :class:`ServiceError` naming ``what`` if it cannot be had."""
    import httpx  # here: `hackattic list` imports this module and must stay light

    try:
        response = await context.http.get(url)
    except httpx.HTTPError as exc:  # a transport failure; the core describes a body too large
        raise ServiceError(f"could not download the {what}: {exc or type(exc).__name__}") from None
    if response.status_code != httpx.codes.OK:
        # hackattic's links work once: a second fetch, or a late one, is a 404.
        raise ServiceError(
            f"could not download the {what}: HTTP {response.status_code} "
            f"{response.reason_phrase}".rstrip()
        )
    return response.content

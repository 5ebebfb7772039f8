"""The HTTP app hackattic posts its tokens to (Starlette).

It serves one thing: ``POST`` of a raw token to the app's path, answered with JSON. Every
other method or path gets 405/404 from Starlette. A body is read only up to
``max_body_bytes`` (a JWT is a few hundred bytes): a larger one is refused with 413 before
it is all read, whatever ``Content-Length`` claims. Non-final tokens get ``{}`` (hackattic
ignores those answers); the final one ``{"solution": "..."}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .tokens import Outcome, TokenCollector, Verdict

Listener = Callable[[Verdict], None]


class BodyTooLarge(Exception):
    pass


async def read_bounded(request: Request, limit: int) -> bytes:
    """The request's body, or :class:`BodyTooLarge` as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def build_app(
    collector: TokenCollector,
    *,
    max_body_bytes: int,
    paths: Iterable[str] = ("/",),
    listener: Listener | None = None,
) -> Starlette:
    """The app: each body posted to one of ``paths`` goes to ``collector``; ``listener``
    hears every verdict (for progress)."""

    async def receive_token(request: Request) -> Response:
        try:
            body = await read_bounded(request, max_body_bytes)
        except BodyTooLarge:
            verdict = Verdict(Outcome.REFUSED, f"a body larger than {max_body_bytes} bytes")
            if listener is not None:
                listener(verdict)
            # Closing: the rest of a huge body is never read.
            return JSONResponse({"error": verdict.detail}, 413, headers={"Connection": "close"})
        verdict = collector.receive(body)
        if listener is not None:
            listener(verdict)
        if verdict.outcome is Outcome.FINAL:
            return JSONResponse({"solution": verdict.detail})
        if verdict.outcome is Outcome.REFUSED:
            return JSONResponse({"error": verdict.detail}, 429)
        return JSONResponse({})

    unique = dict.fromkeys(path or "/" for path in paths)
    return Starlette(routes=[Route(path, receive_token, methods=["POST"]) for path in unique])

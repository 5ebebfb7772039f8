"""The emulation's tokens, encoded by hand (RFC 7519/7515) rather than with PyJWT.

The app checks tokens with PyJWT; the emulation makes them with nothing but ``hmac`` and
``base64``, so that a mistake shared by both sides cannot hide, and so that it can make
the broken tokens a library refuses to make (``alg: none``, a wrong signature).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def encode(claims: dict[str, Any], secret: bytes, *, alg: str = "HS256") -> str:
    """A compact JWS of ``claims``: HS256 or HS512 signed with ``secret``, or ``none``."""
    signing_input = f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(claims)}"
    if alg == "none":
        return signing_input + "."
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
    signature = hmac.new(secret, signing_input.encode("ascii"), digest).digest()
    return f"{signing_input}.{b64url(signature)}"

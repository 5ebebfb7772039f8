"""Proxy URLs as the user gives them: validated, and never shown with their credentials.

A proxy URL may carry a user name and password (``http://user:pass@host:3128``): those are
secrets. :class:`ProxySpec` keeps the URL for the request and a masked form for every
message (``http://***@host:3128``), and :meth:`ProxySpec.mask` scrubs any text (an error
message from the network library) of the credentials before it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from hackattic_core import is_loopback_host

SCHEMES = ("http", "https", "socks5", "socks5h")
MASK = "***"
MAX_URL_CHARS = 2048


class BadProxy(ValueError):
    """A proxy URL that cannot be used; the message never holds its credentials."""


@dataclass(frozen=True)
class ProxySpec:
    url: str
    """The whole URL, credentials included: only for the request itself."""
    shown: str
    """The URL for messages: ``scheme://***@host:port`` when it has credentials."""
    host: str
    secrets: tuple[str, ...] = ()

    def mask(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    @property
    def on_loopback(self) -> bool:
        return is_loopback_host(self.host)


def parse_proxy(raw: str, position: int = 1) -> ProxySpec:
    """``raw`` as a :class:`ProxySpec`, or :class:`BadProxy` naming it by ``position``."""
    text = raw.strip()
    where = f"proxy #{position}"
    if not text or len(text) > MAX_URL_CHARS or any(c.isspace() for c in text):
        raise BadProxy(f"{where} is empty, too long or holds spaces")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise BadProxy(
            f"{where}: the scheme must be one of {', '.join(SCHEMES)} (as in http://host:3128)"
        )
    try:
        port = parts.port
    except ValueError:
        raise BadProxy(f"{where} has a bad port") from None
    if not parts.hostname or port is None:
        raise BadProxy(f"{where} must name a host and a port (scheme://host:port)")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise BadProxy(f"{where} must be scheme://[user:password@]host:port, without a path")
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    secrets = tuple(
        value
        for value in {userinfo, parts.username or "", parts.password or "",
                      unquote(parts.username or ""), unquote(parts.password or "")}
        if value
    )  # fmt: skip
    host = parts.hostname
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    shown = f"{scheme}://{MASK + '@' if userinfo else ''}{authority}"
    return ProxySpec(f"{scheme}://{parts.netloc}", shown, host, secrets)

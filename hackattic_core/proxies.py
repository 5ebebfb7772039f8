"""Which proxy a request takes: never one for loopback, the environment's for other hosts.

httpx's own proxy support (``trust_env``) sends loopback requests too through
``HTTP_PROXY``: a sandbox run then leaks its token to the proxy in cleartext, or fails.
Here a loopback host is never proxied; any other host takes the environment's proxy for its
scheme (``HTTPS_PROXY``, else ``ALL_PROXY``; ``NO_PROXY`` honoured), and an https request
always goes through it as a CONNECT tunnel: the proxy sees the host and port, never the
URL, the token or the body, whatever the proxy's own scheme. Since the hackattic API uses
https everywhere but loopback (the settings refuse plain http elsewhere), its token never
crosses a proxy in cleartext. A plain-http download a problem points to may take
``HTTP_PROXY`` like any http request: it carries no token.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from typing import Any

import httpx

from hackattic_core.errors import ConfigError
from hackattic_core.settings import is_loopback_host

PROXY_SCHEMES = ("http", "https")
"""Proxy schemes httpx speaks without extras (socks needs a package not installed)."""


def bypassed(host: str, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` (comma-separated hosts or domains, ``*`` for all) names ``host``."""
    host = host.lower().rstrip(".")
    for entry in no_proxy.lower().split(","):
        entry = entry.strip()
        if entry.startswith("[") and "]" in entry:  # [::1]:8080
            entry = entry[1 : entry.index("]")]
        elif entry.count(":") == 1:  # host:port: any port
            entry = entry.split(":", 1)[0]
        entry = entry.lstrip("*").lstrip(".").rstrip(".")
        if entry == "" and "*" in no_proxy:
            return True
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


def proxy_for(url: httpx.URL, proxies: Mapping[str, str] | None = None) -> str | None:
    """The proxy for ``url`` from the environment (or ``proxies``), or None: direct."""
    if is_loopback_host(url.host):
        return None
    if proxies is None:
        proxies = urllib.request.getproxies()
    if bypassed(url.host, proxies.get("no", "")):
        return None
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy:
        return None
    if "://" not in proxy:
        proxy = "http://" + proxy  # "proxy:3128", as curl reads it
    scheme = proxy.split("://", 1)[0].lower()
    if scheme not in PROXY_SCHEMES:
        # Only the scheme is named: a proxy URL may carry a password.
        raise ConfigError(
            f"the {url.scheme} proxy from the environment uses {scheme}://, which is not "
            "supported (use an http:// or https:// proxy, or unset it)"
        )
    return proxy


class ProxyRoutingTransport(httpx.AsyncBaseTransport):
    """Sends each request directly or through the proxy :func:`proxy_for` names (one
    transport per proxy, made when first needed)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._direct = httpx.AsyncHTTPTransport(**options)
        self._proxied: dict[str, httpx.AsyncHTTPTransport] = {}

    def transport_for(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        proxy = proxy_for(url)
        if proxy is None:
            return self._direct
        if proxy not in self._proxied:
            self._proxied[proxy] = httpx.AsyncHTTPTransport(proxy=proxy, **self._options)
        return self._proxied[proxy]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transport_for(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        for transport in (self._direct, *self._proxied.values()):
            await transport.aclose()

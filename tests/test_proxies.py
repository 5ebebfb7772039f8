"""Proxies: never for loopback, the environment's otherwise, NO_PROXY honoured."""

from __future__ import annotations

import httpx
import pytest

from hackattic_core.errors import ConfigError
from hackattic_core.proxies import bypassed, proxy_for

PROXIES = {"http": "http://plain:3128", "https": "http://tunnel:3128", "all": "http://any:1"}


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/x", "https://localhost/x", "http://[::1]:80/", "http://127.5.6.7/"],
)
def test_loopback_is_never_proxied(url: str) -> None:
    assert proxy_for(httpx.URL(url), PROXIES) is None


def test_other_hosts_take_the_proxy_of_their_scheme() -> None:
    assert proxy_for(httpx.URL("https://hackattic.com/x"), PROXIES) == "http://tunnel:3128"
    assert proxy_for(httpx.URL("http://example.com/x"), PROXIES) == "http://plain:3128"
    assert proxy_for(httpx.URL("https://hackattic.com"), {"all": "any:1"}) == "http://any:1"
    assert proxy_for(httpx.URL("https://hackattic.com"), {}) is None


def test_no_proxy_is_honoured() -> None:
    proxies = {**PROXIES, "no": "example.org, .hackattic.com"}
    assert proxy_for(httpx.URL("https://api.hackattic.com/"), proxies) is None
    assert proxy_for(httpx.URL("https://hackattic.com/"), proxies) is None
    assert proxy_for(httpx.URL("https://example.com/"), proxies) == "http://tunnel:3128"


@pytest.mark.parametrize(
    ("host", "no_proxy", "expected"),
    [
        ("a.example.com", "example.com", True),
        ("example.com", ".example.com", True),
        ("badexample.com", "example.com", False),
        ("anything", "*", True),
        ("host", "foo, host:8080", True),
        ("::1", "[::1]:80", True),
        ("x", " , ", False),
    ],
)
def test_bypassed(host: str, no_proxy: str, expected: bool) -> None:
    assert bypassed(host, no_proxy) is expected


def test_an_unsupported_proxy_scheme_is_a_config_error_without_its_password() -> None:
    with pytest.raises(ConfigError, match="socks5://") as caught:
        proxy_for(httpx.URL("https://hackattic.com"), {"https": "socks5://u:pw-SECRET@p:1"})
    assert "pw-SECRET" not in str(caught.value)

"""Proxy URLs: accepted forms, and credentials that never reach a message."""

from __future__ import annotations

import pytest
from hackattic_a_global_presence.presence import BadAnswer, parse_countries
from hackattic_a_global_presence.proxies import BadProxy, parse_proxy


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("http://10.0.0.1:3128", "http://10.0.0.1:3128"),
        ("https://proxy.example:443/", "https://proxy.example:443"),
        ("socks5://user:pa%40ss@198.51.100.4:1080", "socks5://***@198.51.100.4:1080"),
        ("SOCKS5H://[2001:db8::1]:1080", "socks5h://[2001:db8::1]:1080"),
    ],
)
def test_accepted_proxies_and_how_they_are_shown(raw: str, shown: str) -> None:
    assert parse_proxy(raw).shown == shown


def test_credentials_are_masked_in_any_text() -> None:
    spec = parse_proxy("http://alice:pa%40ss-w0rd@198.51.100.4:8080")
    text = f"failed: {spec.url} said 'alice' and 'pa@ss-w0rd'"
    masked = spec.mask(text)
    assert "alice" not in masked
    assert "pa@ss-w0rd" not in masked
    assert "pa%40ss-w0rd" not in masked
    assert "198.51.100.4:8080" in masked


@pytest.mark.parametrize(
    "raw",
    [
        "ftp://user:hunter2secret@host:21",
        "http://user:hunter2secret@host",  # no port
        "http://user:hunter2secret@host:99999",
        "http://user:hunter2secret@host:3128/path",
        "user:hunter2secret@host:3128",
        "http://user:hunter2secret@host :3128",
    ],
)
def test_bad_proxies_are_refused_without_their_credentials(raw: str) -> None:
    with pytest.raises(BadProxy) as caught:
        parse_proxy(raw, 3)
    assert "hunter2secret" not in str(caught.value)
    assert "proxy #3" in str(caught.value)


def test_presence_answers() -> None:
    assert parse_countries(b"PL,NL,DE,CA,RU\n") == ["PL", "NL", "DE", "CA", "RU"]
    assert parse_countries(b"pl, nl") == ["PL", "NL"]
    for bad in (b"", b"<html>", b"PL,NETHERLANDS", b",".join([b"PL"] * 301)):
        with pytest.raises(BadAnswer):
            parse_countries(bad)

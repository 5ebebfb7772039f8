"""The sandbox's geolocation: a fixed map from loopback source addresses to countries.

Each of the emulation's proxies connects out from its own address in ``127.0.0.11`` …
``127.0.0.30`` (every 127/8 address is this machine on Linux, with no setup); whatever
comes from any other address (a direct request, from ``127.0.0.1``) is the home country.
"""

from __future__ import annotations

HOME_COUNTRY = "US"

COUNTRIES = (
    "PL", "NL", "DE", "CA", "RU", "JP", "BR", "AU", "IN", "ZA",
    "FR", "SE", "MX", "KR", "SG", "AR", "NG", "EG", "NZ", "FI",
)  # fmt: skip
"""The countries of ``127.0.0.11`` onwards, in order (PL,NL,DE,CA,RU as hackattic's page)."""

SOURCES = tuple(f"127.0.0.{11 + index}" for index in range(len(COUNTRIES)))
"""The source address of each proxy, in the same order."""

_BY_ADDRESS = dict(zip(SOURCES, COUNTRIES, strict=True))


def country_of(address: str | None) -> str:
    """The country a client address geolocates to."""
    return _BY_ADDRESS.get(address or "", HOME_COUNTRY)

"""Shared by the plugin's tests: keys (RSA key generation is kept to a few per run) and the
sandbox's strictness."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hackattic_tales_of_ssl.emulation import generate_private_key
from hackattic_tales_of_ssl.keys import encode_private_key

REQUIRED_DATA = {
    "domain": "summer-fire-4799.gov",
    "serial_number": "0x7a771e7a1",  # nine digits: an odd length
    "country": "Cocos Islands",
}


@pytest.fixture(scope="session")
def private_key() -> rsa.RSAPrivateKey:
    """The problem's key (1024 bits, as hackattic's)."""
    return generate_private_key()


@pytest.fixture(scope="session")
def other_key() -> rsa.RSAPrivateKey:
    """A key that is not the problem's."""
    return generate_private_key()


@pytest.fixture
def problem_json(private_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """A problem as hackattic sends it, for ``private_key``."""
    return {"private_key": encode_private_key(private_key), "required_data": dict(REQUIRED_DATA)}


STRICT = {
    "country_check": "code",
    "signature_hash": "sha256",
    "domain_check": "cn",
    "breadth": "wide",
}
"""The strict check on the wide problems (23 country names, random serials): the ISO code,
SHA-256 and the CN, which our solver must always pass."""


@pytest.fixture
def hackattic_sandbox_options() -> dict[str, dict[str, Any]]:
    """The core fixtures' sandbox checks our certificates strictly."""
    return {"tales_of_ssl": dict(STRICT)}

"""The sandbox's default problem against the facts file's description of real ones:

``{"private_key": base64 of a DER PKCS#1 RSA key (1024-bit, no PEM armour),
"required_data": {"domain": "summer-fire-4799.gov", "serial_number": "0x7a771e7a1e",
"country": "Cocos Islands"}}``; serials are hex words of 7 to 10 digits, possibly of odd
length; the countries seen are five informal names."""

from __future__ import annotations

import asyncio
import base64
import re
from typing import Any

from hackattic_tales_of_ssl.challenge import TalesOfSslChallenge
from hackattic_tales_of_ssl.der import rsa_modulus_bits
from hackattic_tales_of_ssl.emulation import HEX_WORDS

PROBLEMS = 20
SEEN_COUNTRIES = {
    "Cocos Islands",
    "Keeling Islands",
    "Christmas Island",
    "Tokelau Islands",
    "Sint Maarten",
}
SEEN_SERIALS = {"0x7a771e7a1e", "0xdeadbeef"}


def test_default_problems_look_like_real_ones(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(TalesOfSslChallenge)

    async def issue() -> list[dict[str, Any]]:
        return [(await emulation.new_problem()).problem for _ in range(PROBLEMS)]

    problems = asyncio.run(issue())
    countries, lengths = set(), set()
    for problem in problems:
        assert list(problem) == ["private_key", "required_data"]
        assert re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", problem["private_key"])  # no PEM armour
        der = base64.b64decode(problem["private_key"])
        assert der[:2] == b"\x30\x82"  # a SEQUENCE...
        assert der[4:7] == b"\x02\x01\x00"  # ... PKCS#1: version 0, then the modulus
        assert rsa_modulus_bits(der) == 1024
        required = problem["required_data"]
        assert list(required) == ["domain", "serial_number", "country"]
        assert re.fullmatch(r"[a-z]+-[a-z]+-\d{4}\.[a-z]+", required["domain"])
        assert re.fullmatch(r"0x[0-9a-f]{7,10}", required["serial_number"])
        assert required["serial_number"][2:] in HEX_WORDS
        assert required["country"] in SEEN_COUNTRIES
        countries.add(required["country"])
        lengths.add(len(required["serial_number"]) - 2)
    assert len(countries) >= 4  # the five names all come up
    assert any(length % 2 for length in lengths)  # odd lengths too
    assert {serial[2:] for serial in SEEN_SERIALS} <= set(HEX_WORDS)

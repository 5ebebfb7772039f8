"""The digests against published test vectors, and the scrypt control value."""

from __future__ import annotations

import pytest
from hackattic_password_hashing.hashes import (
    KNOWN_CONTROL,
    ScryptCase,
    hmac_sha256_hex,
    pbkdf2_hex,
    scrypt_agrees_with,
    scrypt_hex,
    sha256_hex,
)


def test_the_control_value_is_the_facts() -> None:
    assert KNOWN_CONTROL.expected_hex == (
        "b19a18ea8a50a861d08eb94be602f6cbfe67ab98d2021400a3b83fbe3b8ba698"
    )
    assert scrypt_hex(b"rosebud", b"pepper", 128, 4, 8, 32) == KNOWN_CONTROL.expected_hex
    assert scrypt_agrees_with(KNOWN_CONTROL)


def test_a_wrong_expectation_is_noticed() -> None:
    wrong = ScryptCase(b"rosebud", b"pepper", 128, 4, 8, 32, "00" * 32)
    assert not scrypt_agrees_with(wrong)


# FIPS 180-2 appendix B.
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ],
)
def test_sha256(data: bytes, expected: str) -> None:
    assert sha256_hex(data) == expected


# RFC 4231 section 4: test cases 1, 2, 3 and 6 (HMAC-SHA-256).
@pytest.mark.parametrize(
    ("key", "message", "expected"),
    [
        (
            b"\x0b" * 20,
            b"Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        ),
        (
            b"Jefe",
            b"what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            b"\xaa" * 20,
            b"\xdd" * 50,
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        ),
        (
            b"\xaa" * 131,
            b"Test Using Larger Than Block-Size Key - Hash Key First",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        ),
    ],
)
def test_hmac_sha256(key: bytes, message: bytes, expected: str) -> None:
    assert hmac_sha256_hex(key, message) == expected


# RFC 7914 section 11: PBKDF2-HMAC-SHA256, 64 bytes.
@pytest.mark.parametrize(
    ("password", "salt", "rounds", "expected"),
    [
        (
            b"passwd",
            b"salt",
            1,
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
            "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
        ),
        (
            b"Password",
            b"NaCl",
            80000,
            "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
            "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d",
        ),
    ],
)
def test_pbkdf2_hmac_sha256(password: bytes, salt: bytes, rounds: int, expected: str) -> None:
    assert pbkdf2_hex("sha256", password, salt, rounds, 64) == expected


def test_pbkdf2_defaults_to_32_bytes() -> None:
    assert pbkdf2_hex("sha256", b"passwd", b"salt", 1) == (
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
    )


# RFC 7914 section 12 (its last vector, N=2**20, needs 1 GiB: left out).
@pytest.mark.parametrize(
    ("password", "salt", "n", "r", "p", "expected"),
    [
        (
            b"",
            b"",
            16,
            1,
            1,
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
            "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906",
        ),
        (
            b"password",
            b"NaCl",
            1024,
            8,
            16,
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
            "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
        ),
        (
            b"pleaseletmein",
            b"SodiumChloride",
            16384,
            8,
            1,
            "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
            "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887",
        ),
    ],
)
def test_scrypt(password: bytes, salt: bytes, n: int, r: int, p: int, expected: str) -> None:
    assert scrypt_hex(password, salt, n, r, p, 64) == expected

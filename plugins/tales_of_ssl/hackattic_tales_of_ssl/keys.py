"""The problem's private key: base64 of a DER RSA key, PKCS#1 ("traditional"), no PEM armour."""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

MAX_KEY_BITS = 4096
MAX_KEY_DER_BYTES = 2400
"""A 4096-bit key in DER, PKCS#1 or PKCS#8, is under 2,400 bytes. hackattic sends 1024-bit
keys; loading checks the key's primes, which takes 0.8 s at 4096 bits but 7 s at 8192:
a hostile or broken service must not be able to stall the solver with a huge key."""


def decode_private_key(text: str) -> bytes:
    """The DER bytes of ``text``, checked to hold an RSA private key; ValueError if not."""
    try:
        der = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not valid base64: {exc}") from None
    load_private_key(der)
    return der


def load_private_key(der: bytes) -> rsa.RSAPrivateKey:
    """The RSA private key in ``der`` (PKCS#1 or PKCS#8); ValueError saying what it is not."""
    if len(der) > MAX_KEY_DER_BYTES:
        raise ValueError(f"{len(der)} bytes: larger than an RSA key of at most {MAX_KEY_BITS} bits")
    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, UnsupportedAlgorithm):
        raise ValueError("not a DER private key") from None
    except TypeError:  # cryptography's way of saying that the key needs a password
        raise ValueError("an encrypted private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"not an RSA key but {type(key).__name__.removesuffix('PrivateKey')}")
    return key


def encode_private_key(key: rsa.RSAPrivateKey) -> str:
    """``key`` as hackattic sends it: base64 of its PKCS#1 DER, unencrypted."""
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return base64.b64encode(der).decode("ascii")

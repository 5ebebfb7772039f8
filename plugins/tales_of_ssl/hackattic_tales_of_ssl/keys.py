"""The problem's private key: base64 of a DER RSA key, PKCS#1 ("traditional"), no PEM armour."""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .der import BadKey, rsa_modulus_bits


def decode_private_key(text: str) -> bytes:
    """The DER bytes of ``text``, checked to be shaped as an RSA private key (from its
    structure only: loading the key, which checks its primes, costs time that is bounded
    first, from the modulus's length); ValueError if not."""
    try:
        der = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not valid base64: {exc}") from None
    rsa_modulus_bits(der)
    return der


def load_private_key(der: bytes) -> rsa.RSAPrivateKey:
    """The RSA private key in ``der`` (PKCS#1 or PKCS#8), checked by cryptography (its
    primes included: bound its size first); BadKey (a ValueError) saying what it is not."""
    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, UnsupportedAlgorithm):
        raise BadKey("not a DER private key") from None
    except TypeError:  # cryptography's way of saying that the key needs a password
        raise BadKey("an encrypted private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise BadKey(f"not an RSA key but {type(key).__name__.removesuffix('PrivateKey')}")
    return key


def encode_private_key(key: rsa.RSAPrivateKey) -> str:
    """``key`` as hackattic sends it: base64 of its PKCS#1 DER, unencrypted."""
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return base64.b64encode(der).decode("ascii")

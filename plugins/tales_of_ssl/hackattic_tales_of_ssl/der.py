"""The size of an RSA private key read from its DER structure, without loading the key.

Loading a key with cryptography checks it (its primes above all): 0.8 s at 4096 bits, 7 s
at 8192, minutes beyond. The problem's cost is bounded before that, from the modulus's
length, which the DER states: PKCS#1 is ``SEQUENCE { INTEGER version, INTEGER modulus,
... }``; PKCS#8 wraps it as ``SEQUENCE { INTEGER 0, SEQUENCE { OID rsaEncryption, ... },
OCTET STRING { <PKCS#1> } }``. Only the first few elements are read, each in O(1).
"""

from __future__ import annotations

SEQUENCE, INTEGER, OCTET_STRING, OBJECT_IDENTIFIER = 0x30, 0x02, 0x04, 0x06
RSA_ENCRYPTION = bytes.fromhex("2a864886f70d010101")
"""1.2.840.113549.1.1.1, DER-encoded."""
KNOWN_ALGORITHMS = {
    bytes.fromhex("2a8648ce3d0201"): "EC",
    bytes.fromhex("2a8648ce380401"): "DSA",
    bytes.fromhex("2b6570"): "Ed25519",
    bytes.fromhex("2b6571"): "Ed448",
    bytes.fromhex("2b656e"): "X25519",
}
NOT_RSA = "not a DER RSA private key"


class BadKey(ValueError):
    """The problem's private key is not a usable RSA key; the message says why."""


def der_bytes_limit(max_key_bits: int) -> int:
    """The most DER bytes an RSA key of ``max_key_bits`` takes (PKCS#1 or PKCS#8): the
    modulus and private exponent, five half-size numbers, and some framing."""
    return max_key_bits * 9 // 16 + 512


def _element(der: bytes, start: int, end: int) -> tuple[int, int, int]:
    """(tag, where its content starts, where it ends) of the element at ``start``."""
    if start + 2 > end:
        raise BadKey(NOT_RSA)
    tag, length = der[start], der[start + 1]
    position = start + 2
    if length & 0x80:  # long form: the next (length & 0x7f) bytes are the length
        count = length & 0x7F
        if not 1 <= count <= 4 or position + count > end:
            raise BadKey(NOT_RSA)
        length = int.from_bytes(der[position : position + count], "big")
        position += count
    if position + length > end:
        raise BadKey(NOT_RSA)
    return tag, position, position + length


def _integer_bits(der: bytes, start: int, end: int) -> int:
    """The bit length of the non-negative INTEGER whose content is ``der[start:end]``."""
    while start < end and der[start] == 0:
        start += 1
    return 0 if start == end else (end - start - 1) * 8 + der[start].bit_length()


def rsa_modulus_bits(der: bytes) -> int:
    """The modulus's length in bits of the RSA private key in ``der`` (PKCS#1 or PKCS#8);
    ValueError saying what it is not (a key of another algorithm is named)."""
    return _modulus_bits(der, 0, len(der), pkcs8_allowed=True)


def _modulus_bits(der: bytes, start: int, end: int, *, pkcs8_allowed: bool) -> int:
    tag, content, stop = _element(der, start, end)
    if tag != SEQUENCE or stop != end:
        raise BadKey(NOT_RSA)
    tag, _, after_version = _element(der, content, stop)
    if tag != INTEGER:
        raise BadKey(NOT_RSA)
    tag, second, after_second = _element(der, after_version, stop)
    if tag == INTEGER:  # PKCS#1: the modulus
        return _integer_bits(der, second, after_second)
    if tag != SEQUENCE or not pkcs8_allowed:
        raise BadKey(NOT_RSA)
    tag, oid, oid_end = _element(der, second, after_second)  # the AlgorithmIdentifier's OID
    if tag != OBJECT_IDENTIFIER:
        raise BadKey(NOT_RSA)
    algorithm = der[oid:oid_end]
    if algorithm != RSA_ENCRYPTION:
        name = KNOWN_ALGORITHMS.get(algorithm, "another algorithm")
        raise BadKey(f"not an RSA key but {name}")
    tag, inner, inner_end = _element(der, after_second, stop)
    if tag != OCTET_STRING:
        raise BadKey(NOT_RSA)
    return _modulus_bits(der, inner, inner_end, pkcs8_allowed=False)

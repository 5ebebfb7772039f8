"""The four digests the challenge asks for, as lowercase hex, and the scrypt self-check.

Pure functions on bytes, with no asyncio: the solver runs the slow two (PBKDF2, scrypt) in
threads. Both release the GIL for their whole computation (hashlib's PBKDF2 and
cryptography's scrypt are OpenSSL calls), so two threads really run on two cores.

scrypt is cryptography's (OpenSSL's EVP_PBE_scrypt) rather than ``hashlib.scrypt``:
hashlib refuses a ``maxmem`` above 2**31 - 1 bytes, so it cannot compute the largest
parameters hackattic sends (N=2**19, r=32 needs 2 GiB). cryptography sizes the limit
from the parameters; whether the machine has that memory is :mod:`.memory`'s question.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

PBKDF2_LENGTH = 32
"""Bytes of PBKDF2 output hackattic asks for (a SHA-256-sized key, whatever the hash)."""


@dataclass(frozen=True)
class ScryptCase:
    """One scrypt computation and the hex it must give."""

    password: bytes
    salt: bytes
    n: int
    r: int
    p: int
    length: int
    expected_hex: str


KNOWN_CONTROL = ScryptCase(
    password=b"rosebud",
    salt=b"pepper",
    n=128,
    r=4,
    p=8,
    length=32,
    expected_hex="b19a18ea8a50a861d08eb94be602f6cbfe67ab98d2021400a3b83fbe3b8ba698",
)
"""What hackattic's ``_control`` is: scrypt of rosebud/pepper, published to check one's scrypt."""


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def hmac_sha256_hex(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 of ``message`` under ``key``."""
    return hmac.digest(key, message, "sha256").hex()


def pbkdf2_hex(
    hash_name: str, password: bytes, salt: bytes, rounds: int, length: int = PBKDF2_LENGTH
) -> str:
    """PBKDF2-HMAC-``hash_name`` of ``password`` and ``salt``: ``length`` bytes."""
    return hashlib.pbkdf2_hmac(hash_name, password, salt, rounds, length).hex()


def scrypt_hex(password: bytes, salt: bytes, n: int, r: int, p: int, length: int) -> str:
    """scrypt of ``password`` and ``salt`` (RFC 7914): ``length`` bytes.

    Needs about ``128 * r * (n + p)`` bytes of memory (see :func:`.memory.scrypt_memory`).
    """
    # Imported here: loading cryptography costs `hackattic list` ~20 ms.
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=length, n=n, r=r, p=p).derive(password).hex()


def scrypt_agrees_with(case: ScryptCase) -> bool:
    """Whether :func:`scrypt_hex` computes ``case`` as expected."""
    got = scrypt_hex(case.password, case.salt, case.n, case.r, case.p, case.length)
    return got == case.expected_hex

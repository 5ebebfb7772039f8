"""Two different files with one MD5, both holding a string: a published collision + a suffix.

MD5 is a Merkle–Damgård hash: it pads the message (a ``0x80`` byte, zeros, the length in
bits), cuts it into 64-byte blocks and folds each block into a 128-bit state with a
compression function; the digest is the final state. Wang, Feng, Lai and Yu published in
2004 two 128-byte messages (two blocks each) that differ in six bytes yet leave that state
equal after their second block. Append the same bytes ``S`` to both: the blocks that
follow are equal, the state they start from is equal, and the lengths are equal (so is the
padding), hence ``MD5(M1 + S) == MD5(M2 + S)`` for every ``S``. Since 128 is a multiple of
the 64-byte block, the suffix starts on a block boundary and nothing before it changes.

No search is done: building the two files costs two concatenations.
"""

from __future__ import annotations

import functools
import hashlib

# The pair of X. Wang, D. Feng, X. Lai, H. Yu, "Collisions for Hash Functions MD4, MD5,
# HAVAL-128 and RIPEMD" (IACR ePrint 2004/199), as bytes; they differ at offsets 19, 45,
# 59, 83, 109 and 123, and both hash to 79054025255fb1a26e4bc422aef54eb4.
WANG_2004_FIRST = bytes.fromhex(
    "d131dd02c5e6eec4693d9a0698aff95c2fcab58712467eab4004583eb8fb7f89"
    "55ad340609f4b30283e488832571415a085125e8f7cdc99fd91dbdf280373c5b"
    "d8823e3156348f5bae6dacd436c919c6dd53e2b487da03fd02396306d248cda0"
    "e99f33420f577ee8ce54b67080a80d1ec69821bcb6a8839396f9652b6ff72a70"
)
WANG_2004_SECOND = bytes.fromhex(
    "d131dd02c5e6eec4693d9a0698aff95c2fcab50712467eab4004583eb8fb7f89"
    "55ad340609f4b30283e4888325f1415a085125e8f7cdc99fd91dbd7280373c5b"
    "d8823e3156348f5bae6dacd436c919c6dd53e23487da03fd02396306d248cda0"
    "e99f33420f577ee8ce54b67080280d1ec69821bcb6a8839396f965ab6ff72a70"
)
WANG_2004_MD5 = "79054025255fb1a26e4bc422aef54eb4"

MD5_BLOCK_SIZE = 64


def md5_hex(data: bytes) -> str:
    """The MD5 of ``data`` in hex (here to show a collision, not for security)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class BrokenCollisionPair(ValueError):
    """The stored pair does not collide: a suffix would not give equal MD5s."""


def verify_collision_pair(first: bytes, second: bytes) -> None:
    """Raise :class:`BrokenCollisionPair` unless ``first`` and ``second`` differ, share an
    MD5, and end on an MD5 block boundary with equal lengths (so a common suffix keeps them
    colliding)."""
    if first == second:
        raise BrokenCollisionPair("the two halves of the MD5 collision pair are identical")
    if len(first) != len(second) or len(first) % MD5_BLOCK_SIZE:
        raise BrokenCollisionPair(
            f"the MD5 collision pair must be two messages of one length, a multiple of "
            f"{MD5_BLOCK_SIZE} bytes; got {len(first)} and {len(second)}"
        )
    first_md5, second_md5 = md5_hex(first), md5_hex(second)
    if first_md5 != second_md5:
        raise BrokenCollisionPair(
            f"the stored MD5 collision pair does not collide: {first_md5} != {second_md5}"
        )


@functools.cache
def verified_pair() -> tuple[bytes, bytes]:
    """The published pair, checked once (at first use, so that a damaged constant is a
    one-line error of the solver rather than a plugin that fails to load)."""
    verify_collision_pair(WANG_2004_FIRST, WANG_2004_SECOND)
    return WANG_2004_FIRST, WANG_2004_SECOND


def colliding_files(suffix: bytes) -> tuple[bytes, bytes]:
    """Two different byte strings with the same MD5, each ending with ``suffix``."""
    first, second = verified_pair()
    return first + suffix, second + suffix

"""The published collision pair and the files built from it (no core needed)."""

from __future__ import annotations

import hashlib
import random

import pytest
from hackattic_collision_course.collision import (
    WANG_2004_FIRST,
    WANG_2004_MD5,
    WANG_2004_SECOND,
    BrokenCollisionPair,
    colliding_files,
    verified_pair,
    verify_collision_pair,
)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_the_published_pair_differs_and_collides() -> None:
    assert WANG_2004_FIRST != WANG_2004_SECOND
    assert len(WANG_2004_FIRST) == len(WANG_2004_SECOND) == 128
    assert md5_hex(WANG_2004_FIRST) == WANG_2004_MD5
    assert md5_hex(WANG_2004_SECOND) == WANG_2004_MD5
    pairs = zip(WANG_2004_FIRST, WANG_2004_SECOND, strict=True)
    differing = [offset for offset, (a, b) in enumerate(pairs) if a != b]
    assert differing == [19, 45, 59, 83, 109, 123]
    assert verified_pair() == (WANG_2004_FIRST, WANG_2004_SECOND)


@pytest.mark.parametrize("seed", range(5))
def test_a_common_suffix_keeps_the_collision(seed: int) -> None:
    rng = random.Random(seed)
    include = f"{rng.getrandbits(128):032x}".encode()
    first, second = colliding_files(include)
    assert first != second
    assert first.endswith(include)
    assert second.endswith(include)
    assert md5_hex(first) == md5_hex(second)


def test_suffixes_of_every_length_around_a_block_keep_the_collision() -> None:
    for length in range(0, 130):
        first, second = colliding_files(bytes(range(length)))
        assert md5_hex(first) == md5_hex(second), length


def flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 1]) + data[offset + 1 :]


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        (WANG_2004_FIRST, WANG_2004_FIRST, "identical"),
        (WANG_2004_FIRST, flip(WANG_2004_FIRST, 0), "does not collide"),
        (WANG_2004_FIRST + b"x", WANG_2004_SECOND + b"x", "multiple of 64"),
        (WANG_2004_FIRST, WANG_2004_SECOND[:64], "one length"),
    ],
)
def test_a_damaged_pair_is_refused(first: bytes, second: bytes, reason: str) -> None:
    with pytest.raises(BrokenCollisionPair, match=reason):
        verify_collision_pair(first, second)

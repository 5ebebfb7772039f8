"""The search itself: serialisation, the threshold, one chunk, in process and in processes."""

from __future__ import annotations

import hashlib
import multiprocessing
import random
import time
from typing import Any

import pytest
from hackattic_mini_miner.mining import (
    CHUNK,
    MiningCancelled,
    MiningFailed,
    block_prefix,
    leading_zero_bits,
    mine,
    mine_in_process,
    mine_in_processes,
    scan_chunk,
    serialise_block,
    threshold,
)

# From the challenge page: SHA-256 of {"data":[],"nonce":45} starts with 00d696db.
CHECK_BLOCK = b'{"data":[],"nonce":45}'


def random_data(rng: random.Random) -> list[list[Any]]:
    return [[rng.randbytes(16).hex(), rng.randint(-100, 100)] for _ in range(rng.randint(1, 8))]


def first_nonce(data: list[list[Any]], difficulty: int, nonces: range) -> int | None:
    """The slow, obvious search: serialise every block in full."""
    for nonce in nonces:
        digest = hashlib.sha256(serialise_block(data, nonce)).digest()
        if leading_zero_bits(digest) >= difficulty:
            return nonce
    return None


def test_the_check_vector_of_the_challenge_page() -> None:
    assert serialise_block([], 45) == CHECK_BLOCK
    digest = hashlib.sha256(CHECK_BLOCK).digest()
    assert digest.hex().startswith("00d696db")
    assert leading_zero_bits(digest) == 8
    # 45 is the first nonce of the empty block with 8 zero bits: the search finds it.
    assert mine_in_process(block_prefix([]), 8).nonce == 45
    assert first_nonce([], 8, range(46)) == 45


def test_the_block_is_serialised_with_sorted_keys_and_no_whitespace() -> None:
    data = [["00ff", -40], ["abcd", 7]]
    assert serialise_block(data, 12) == b'{"data":[["00ff",-40],["abcd",7]],"nonce":12}'
    assert serialise_block(data, None).endswith(b',"nonce":null}')


@pytest.mark.parametrize("data", [[], [["00ff", -40]], [['quo"te\\', 1], ["é\n", -2]]])
def test_prefix_digits_and_brace_are_the_whole_block(data: list[list[Any]]) -> None:
    prefix = block_prefix(data)
    for nonce in (0, 9, 10, 45, 10_000, 123_456_789):
        assert prefix + b"%d}" % nonce == serialise_block(data, nonce)


@pytest.mark.parametrize("difficulty", [1, 8, 13, 14, 24, 255, 256])
def test_the_threshold_is_the_zero_bits_boundary(difficulty: int) -> None:
    limit = threshold(difficulty)
    just_enough = (1 << (256 - difficulty)) - 1  # exactly `difficulty` zero bits
    one_short = 1 << (256 - difficulty)  # one zero bit fewer
    assert leading_zero_bits(just_enough.to_bytes(32, "big")) == difficulty
    assert just_enough.to_bytes(32, "big") < limit
    assert leading_zero_bits(one_short.to_bytes(32, "big")) == difficulty - 1
    assert not one_short.to_bytes(32, "big") < limit


@pytest.mark.parametrize("difficulty", [0, 257, -1])
def test_a_difficulty_outside_the_digest_is_refused(difficulty: int) -> None:
    with pytest.raises(ValueError, match=r"difficulty must be 1\.\.256 bits"):
        threshold(difficulty)


@pytest.mark.parametrize("chunk", [0, 1, 3, 1234])
def test_a_chunk_finds_the_first_nonce_the_slow_search_finds(chunk: int) -> None:
    data = [["5f" * 16, -40], ["0a" * 16, 3]]
    base = hashlib.sha256(block_prefix(data))
    nonces = range(chunk * CHUNK, (chunk + 1) * CHUNK)
    for difficulty in (6, 10):
        expected = first_nonce(data, difficulty, nonces)
        assert expected is not None
        assert scan_chunk(base, threshold(difficulty), chunk) == expected


def test_a_chunk_without_a_hit_says_so() -> None:
    assert scan_chunk(hashlib.sha256(block_prefix([])), threshold(256), 2) is None


def test_random_blocks_are_mined_in_process() -> None:
    rng = random.Random(7)
    for _ in range(5):
        data = random_data(rng)
        result = mine_in_process(block_prefix(data), 12)
        assert result.processes == 0
        # In process the search is in order: the nonce is the first one that works.
        assert first_nonce(data, 12, range(result.nonce + 1)) == result.nonce
        assert result.hashes == result.nonce + 1


def test_processes_find_a_valid_nonce_in_their_own_chunks() -> None:
    data = random_data(random.Random(3))
    result = mine_in_processes(block_prefix(data), 14, workers=2)
    assert result.processes == 2
    digest = hashlib.sha256(serialise_block(data, result.nonce)).digest()
    assert leading_zero_bits(digest) >= 14
    # A worker's hit is the first valid nonce of its chunk ...
    chunk_start = result.nonce // CHUNK * CHUNK
    assert first_nonce(data, 14, range(chunk_start, result.nonce + 1)) == result.nonce
    # ... and the in-process search, in order, finds the smallest valid nonce of all.
    alone = mine_in_process(block_prefix(data), 14)
    assert alone.nonce <= result.nonce
    assert first_nonce(data, 14, range(alone.nonce + 1)) == alone.nonce
    assert not multiprocessing.active_children()


def test_mine_runs_one_worker_in_process() -> None:
    assert mine(block_prefix([]), 8, workers=1).processes == 0


def test_progress_is_reported_and_cancellation_stops_the_search() -> None:
    reports: list[int] = []
    started = time.monotonic()
    with pytest.raises(MiningCancelled):
        mine_in_process(
            block_prefix([]),
            256,
            report=reports.append,
            cancelled=lambda: time.monotonic() - started > 0.6,
        )
    assert time.monotonic() - started < 2
    assert len(reports) >= 2
    assert reports == sorted(reports)
    assert reports[0] > 0


def test_cancellation_stops_the_processes() -> None:
    reports: list[int] = []
    started = time.monotonic()
    with pytest.raises(MiningCancelled):
        mine_in_processes(
            block_prefix([]),
            256,
            workers=2,
            report=reports.append,
            cancelled=lambda: time.monotonic() - started > 1.0,
        )
    assert time.monotonic() - started < 5
    assert reports
    assert reports[-1] > 0
    assert not multiprocessing.active_children()


def test_a_worker_that_dies_fails_the_search() -> None:
    # A str prefix makes hashlib raise in every worker (its traceback goes to stderr).
    with pytest.raises(MiningFailed, match="died"):
        mine_in_processes("not bytes", 8, workers=2)  # type: ignore[arg-type]
    assert not multiprocessing.active_children()

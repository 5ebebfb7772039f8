"""The search engine: the C kernel against a plain-Python reference, the real ZIPs found
by the real search, and a search that stops when asked."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from pathlib import Path

import pytest
from hackattic_brute_force_zip._zipcrypto import search as native_search
from hackattic_brute_force_zip.archive import Archive, read_archive
from hackattic_brute_force_zip.search import Search, SearchSpace, Target
from hackattic_brute_force_zip.zipcrypto import ZipCrypto

FIXTURES = Path(__file__).parent / "fixtures"
REAL_ZIPS: dict[str, dict[str, str]] = json.loads((FIXTURES / "answers.json").read_text())
CHARSET = b"abcdefghijklmnopqrstuvwxyz0123456789"


def _archive(name: str) -> Archive:
    data = (FIXTURES / name).read_bytes()
    return read_archive(data, max_entries=10, max_secret_bytes=4096, entries_setting="X")


def _target(archive: Archive) -> Target:
    return Target(
        headers=b"".join(e.header for e in archive.entries),
        checks=bytes(e.check for e in archive.entries),
        confirm=lambda password: archive.open_secret(password, 4096),
    )


def _reference_matches(password: bytes, header: bytes, check: int) -> bool:
    return ZipCrypto(password).decrypt(header)[-1] == check


@pytest.mark.parametrize(
    ("seed", "size", "suffix"), [(0, 5, 1), (1, 7, 2), (2, 9, 3), (3, 4, 3), (4, 70, 2)]
)
def test_the_kernel_finds_exactly_what_plain_python_finds(
    seed: int, size: int, suffix: int
) -> None:
    # Lanes over the last two characters, or over the last one (suffix 1; 70² > 4096 lanes).
    rng = random.Random(seed)
    charset = bytes(rng.sample(range(33, 127), size))
    prefix = bytes(rng.choice(charset) for _ in range(rng.randint(0, 3)))
    header = rng.randbytes(12)
    # The check byte of one candidate: at least that one must be found.
    planted = prefix + bytes(rng.choice(charset) for _ in range(suffix))
    check = ZipCrypto(planted).decrypt(header)[-1]
    found = native_search(prefix, charset, suffix, header, bytes([check]))
    expected = [
        prefix + bytes(tail)
        for tail in itertools.product(charset, repeat=suffix)
        if _reference_matches(prefix + bytes(tail), header, check)
    ]
    assert planted in expected
    assert sorted(found) == sorted(expected)


def test_every_entry_must_match_not_only_the_first() -> None:
    archive = _archive("thalesb_package.zip")
    first = archive.entries[0]
    one = native_search(b"o2", CHARSET, 3, first.header, bytes([first.check]))
    target = _target(archive)
    all_three = native_search(b"o2", CHARSET, 3, target.headers, target.checks)
    assert b"o2955" in one
    assert len(one) > 50  # one check byte in 256 lets many wrong passwords through
    assert all_three == [b"o2955"]


def test_the_kernel_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError, match="12 bytes per check byte"):
        native_search(b"", CHARSET, 3, b"short", b"\x00")
    with pytest.raises(ValueError, match="charset"):
        native_search(b"", b"", 3, bytes(12), b"\x00")
    with pytest.raises(OverflowError):  # more matches than a call may return
        native_search(b"", bytes(range(1, 129)), 3, bytes(12), b"\x00")


@pytest.mark.parametrize("name", sorted(REAL_ZIPS))
def test_the_real_search_finds_a_real_password(name: str) -> None:
    archive = _archive(name)
    search = Search(SearchSpace(CHARSET, (5, 4, 6)), _target(archive), workers=2)
    found = search.run()
    assert found is not None
    assert found.password.decode() == REAL_ZIPS[name]["password"]
    assert found.secret.decode().strip() == REAL_ZIPS[name]["secret"]
    assert search.tried > 0


def test_a_search_may_start_near_a_known_answer() -> None:
    # The engine on a 6-character space (last in our order) without its 2·10⁹ candidates.
    password = b"k9z0x4"
    archive = _emulated_archive(password)
    space = SearchSpace(CHARSET, (6,))
    search = Search(space, _target(archive), workers=2, start=password)
    found = search.run()
    assert found is not None
    assert found.password == password
    assert search.tried < 36**3 * 2 + 36**4  # only the chunks from the password's on


def _emulated_archive(password: bytes) -> Archive:
    from datetime import UTC, datetime

    from hackattic_brute_force_zip.zipwriter import Member, write_zip

    data = write_zip(
        [Member("a.txt", b"x" * 1000, deflate=True), Member("secret.txt", b"s\n", deflate=False)],
        password,
        datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
        random.Random(1),
    )
    return read_archive(data, max_entries=10, max_secret_bytes=4096, entries_setting="X")


def test_a_small_charset_and_a_long_password() -> None:
    # 2 characters: 2^10 candidates, more characters than one call into C enumerates.
    archive = _emulated_archive(b"abbabaabbb")
    found = Search(SearchSpace(b"ab", (10,)), _target(archive), workers=2).run()
    assert found is not None
    assert found.password == b"abbabaabbb"


def test_a_search_that_finds_nothing_says_so() -> None:
    archive = _emulated_archive(b"ABCD")  # not in the charset
    search = Search(SearchSpace(b"abc", (1, 2, 3, 4)), _target(archive), workers=2)
    assert search.run() is None
    assert search.tried == 3 + 9 + 27 + 81


def test_a_long_search_stops_within_a_chunk_when_asked() -> None:
    archive = _emulated_archive(b"999999")  # last of the 2·10⁹ candidates
    search = Search(SearchSpace(CHARSET, (5, 4, 6)), _target(archive), workers=2)
    stop = threading.Event()
    thread = threading.Thread(target=search.run, args=(stop,))
    thread.start()
    time.sleep(0.3)
    asked = time.perf_counter()
    stop.set()
    thread.join(30)
    took = time.perf_counter() - asked
    assert not thread.is_alive()
    assert search.found is None
    assert 0 < search.tried < SearchSpace(CHARSET, (5, 4, 6)).total
    print(f"stopped {took * 1000:.1f} ms after the request")

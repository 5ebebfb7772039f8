"""The password search: every candidate of the search space, on every core.

The space is cut into chunks, one per prefix: each chunk is one call into the C extension
(``_zipcrypto.search``), which releases the GIL, so plain threads use every core. Between
chunks (about a millisecond each) a worker checks the stop flag, so a Ctrl-C or a found
password ends the search at once. The few candidates whose check bytes match every entry
(about one in 2^24 with three entries) are confirmed on ``secret.txt``: decrypted,
inflated, and compared with its CRC.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from ._zipcrypto import search as native_search

CHUNK_CANDIDATES = 1 << 17
"""At most this many passwords per call into C: ~1 ms at native speed, so stop requests
are seen within milliseconds, and the few candidates a call returns stay bounded."""
MAX_SUFFIX = 8
"""The most trailing characters the C kernel enumerates in one call."""


@dataclass(frozen=True)
class SearchSpace:
    """Every password over ``charset`` of each length in ``lengths``, in that order."""

    charset: bytes
    lengths: tuple[int, ...]

    def size(self, length: int) -> int:
        return int(len(self.charset) ** length)

    @property
    def total(self) -> int:
        return sum(self.size(length) for length in self.lengths)

    def suffix_length(self, length: int) -> int:
        """How many trailing characters one call into C enumerates for this length."""
        suffix = 1
        limit = min(length, MAX_SUFFIX)
        while suffix < limit and len(self.charset) ** (suffix + 1) <= CHUNK_CANDIDATES:
            suffix += 1
        return suffix

    def chunks(self, start: bytes = b"") -> Iterator[tuple[bytes, int]]:
        """``(prefix, suffix_length)`` for every chunk, lengths in order. With ``start``,
        the chunks of its length begin at the one holding it (to test on a known password
        without searching everything before it)."""
        for length in self.lengths:
            suffix = self.suffix_length(length)
            prefixes: Iterator[tuple[int, ...]] = itertools.product(
                self.charset, repeat=length - suffix
            )
            if start and len(start) == length:
                prefixes = _from(prefixes, start[: length - suffix])
            for prefix in prefixes:
                yield bytes(prefix), suffix


def _from(prefixes: Iterator[tuple[int, ...]], head: bytes) -> Iterator[tuple[int, ...]]:
    """``prefixes`` from ``head`` on."""
    return itertools.dropwhile(lambda prefix: bytes(prefix) != head, prefixes)


@dataclass(frozen=True)
class Target:
    """What a candidate must satisfy: each entry's encryption header and check byte."""

    headers: bytes
    checks: bytes
    confirm: Callable[[bytes], bytes | None]
    """The secret under a candidate password, or None if it is not the password."""


@dataclass
class Found:
    password: bytes
    secret: bytes


@dataclass
class Search:
    """One search, run by :meth:`run` (blocking); progress is read from other threads."""

    space: SearchSpace
    target: Target
    workers: int
    start: bytes = b""
    tried: int = 0
    """Candidates tried so far (updated per chunk)."""
    found: Found | None = None
    confirmed_false: int = 0
    """Candidates whose check bytes all matched but whose secret did not (false alarms)."""
    started_at: float = 0.0
    finished_at: float = 0.0
    error: BaseException | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def cancel(self) -> None:
        """Stop every worker after its current chunk (a millisecond or two)."""
        self._cancel.set()

    @property
    def elapsed(self) -> float:
        end = self.finished_at or time.perf_counter()
        return end - self.started_at if self.started_at else 0.0

    def run(self, stop: threading.Event | None = None) -> Found | None:
        """Search until the password is found, the space is exhausted or ``stop`` (or
        :meth:`cancel`) is set; the password and secret, or None."""
        chunks = self.space.chunks(self.start)
        self.started_at = time.perf_counter()
        threads = [
            threading.Thread(
                target=self._work, args=(chunks, stop), name=f"zip-search-{i}", daemon=True
            )
            for i in range(self.workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.finished_at = time.perf_counter()
        if self.error is not None:
            raise self.error
        return self.found

    def _work(self, chunks: Iterator[tuple[bytes, int]], stop: threading.Event | None) -> None:
        target, charset = self.target, self.space.charset
        try:
            while not self._cancel.is_set() and not (stop is not None and stop.is_set()):
                with self._lock:  # the chunk iterator is shared: one chunk to one worker
                    chunk = next(chunks, None)
                if chunk is None:
                    return
                prefix, suffix = chunk
                candidates = native_search(prefix, charset, suffix, target.headers, target.checks)
                self._settle(candidates, int(len(charset) ** suffix))
        except BaseException as exc:  # handed to run(): never lost in a thread
            self.error = exc
            self._cancel.set()

    def _settle(self, candidates: Sequence[bytes], count: int) -> None:
        for password in candidates:
            secret = self.target.confirm(password)
            with self._lock:
                if secret is None:
                    self.confirmed_false += 1
                elif self.found is None:
                    self.found = Found(password, secret)
                    self._cancel.set()
        with self._lock:
            self.tried += count

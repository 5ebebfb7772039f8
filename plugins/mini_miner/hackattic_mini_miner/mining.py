"""The proof-of-work search: a nonce whose block hashes below a threshold.

The block is serialised as JSON with sorted keys and no whitespace,
``{"data":[...],"nonce":N}``, so only the nonce's digits and the closing brace change from
one nonce to the next. The constant prefix is hashed once; each nonce costs a copy of that
SHA-256 state, an update with a few bytes and a digest.

Nonces are searched in chunks of ``CHUNK`` consecutive numbers. For chunk ``c >= 1`` the
nonce's digits are ``str(c)`` followed by ``TAIL_DIGITS`` zero-padded digits, so the head is
hashed once per chunk and the tails (``b"0000}"`` … ``b"9999}"``) are precomputed bytes: the
inner loop formats nothing. "At least D leading zero bits" is a single bytes comparison:
``digest < (2**(256 - D)).to_bytes(32, "big")`` (equal-length bytes compare as big-endian
numbers).

Workers are processes (hashing holds the GIL for inputs this short): worker ``k`` of ``W``
takes chunks ``k, k + W, k + 2W, …``; the first hit sets a shared event that every worker
checks after each chunk (a few milliseconds). Processes are started with ``spawn`` rather
than ``fork``: the solver runs in a thread of a process that has an event loop and other
threads, and forking such a process can copy a lock held by another thread. This module
imports only the standard library, so that a spawned worker starts fast, and
``multiprocessing`` only when processes are used.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized
    from multiprocessing.synchronize import Event as ProcessEvent

TAIL_DIGITS = 4
CHUNK: int = 10**TAIL_DIGITS  # annotated: int ** int is Any to mypy
"""Nonces per chunk: the unit of work between two looks at the stop event (~4 ms)."""
DIGEST_BITS = 256
REPORT_INTERVAL = 0.25
"""Seconds between two progress reports (and two looks at a cancellation)."""

Report = Callable[[int], None]
"""Called with the number of hashes tried so far, at most every REPORT_INTERVAL."""


class HashState(Protocol):
    """What the search needs of a ``hashlib.sha256`` object."""

    def copy(self) -> HashState: ...
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...


class MiningCancelled(Exception):
    """The search was asked to stop before it found a nonce."""


class MiningFailed(Exception):
    """A worker process died before any nonce was found."""


@dataclass(frozen=True)
class MiningResult:
    nonce: int
    hashes: int
    """Hashes tried, over all workers (counted per chunk: the hit's chunk is counted whole)."""
    seconds: float
    """Wall time of the search, process start-up included."""
    processes: int
    """Worker processes used; 0 when the search ran in the calling process."""


# ----------------------------------------------------------------------------- the block


def serialise_block(data: Sequence[Sequence[Any]], nonce: int | None) -> bytes:
    """The block as hackattic hashes it: sorted keys, no whitespace, UTF-8."""
    text = json.dumps({"data": data, "nonce": nonce}, sort_keys=True, separators=(",", ":"))
    return text.encode()


def block_prefix(data: Sequence[Sequence[Any]]) -> bytes:
    """The serialised block up to its nonce's digits: ``{"data":[...],"nonce":``."""
    whole = serialise_block(data, 0)
    # "nonce" sorts after "data", so the nonce is the last thing before the closing brace.
    if not whole.endswith(b',"nonce":0}'):
        raise ValueError(f"unexpected serialisation of the block: {whole[-40:]!r}")
    return whole[: -len(b"0}")]


def threshold(difficulty: int) -> bytes:
    """The 32 bytes every digest with at least ``difficulty`` leading zero bits is below."""
    if not 1 <= difficulty <= DIGEST_BITS:
        raise ValueError(f"difficulty must be 1..{DIGEST_BITS} bits, got {difficulty}")
    return (1 << (DIGEST_BITS - difficulty)).to_bytes(DIGEST_BITS // 8, "big")


def leading_zero_bits(digest: bytes) -> int:
    """How many zero bits ``digest`` starts with."""
    return len(digest) * 8 - int.from_bytes(digest, "big").bit_length()


# ----------------------------------------------------------------------------- one chunk


@functools.cache
def tails() -> tuple[bytes, ...]:
    """The last digits of every nonce of a chunk ``c >= 1``, with the block's closing brace.

    Made on first use, not at import (~5 ms that `hackattic list` need not pay).
    """
    return tuple(b"%0*d}" % (TAIL_DIGITS, low) for low in range(CHUNK))


def scan_chunk(base: HashState, limit: bytes, chunk: int) -> int | None:
    """The first nonce of ``chunk`` whose block hashes below ``limit``, or None.

    ``base`` holds the SHA-256 state after the block's prefix; chunk ``c`` is the nonces
    ``c * CHUNK`` to ``c * CHUNK + CHUNK - 1``.
    """
    if chunk == 0:
        # Nonces below CHUNK have fewer digits than TAIL_DIGITS: no zero padding.
        for nonce in range(CHUNK):
            state = base.copy()
            state.update(b"%d}" % nonce)
            if state.digest() < limit:
                return nonce
        return None
    head = base.copy()
    head.update(b"%d" % chunk)
    copy = head.copy  # bound once: the loop below is the whole cost of mining
    for tail in tails():
        state = copy()
        state.update(tail)
        if state.digest() < limit:
            return chunk * CHUNK + int(tail[:-1])
    return None


# ----------------------------------------------------------------------------- in process


def mine_in_process(
    prefix: bytes,
    difficulty: int,
    *,
    report: Report | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> MiningResult:
    """Search nonces 0, 1, 2, … in this process (and thread)."""
    started = time.monotonic()
    base = hashlib.sha256(prefix)
    limit = threshold(difficulty)
    next_look = started + REPORT_INTERVAL
    for chunk in itertools.count():
        nonce = scan_chunk(base, limit, chunk)
        if nonce is not None:
            hashes = nonce + 1
            return MiningResult(nonce, hashes, time.monotonic() - started, processes=0)
        now = time.monotonic()
        if now >= next_look:
            next_look = now + REPORT_INTERVAL
            if report is not None:
                report((chunk + 1) * CHUNK)
            if cancelled is not None and cancelled():
                raise MiningCancelled
    raise AssertionError("unreachable: itertools.count() never ends")


# ----------------------------------------------------------------------------- processes


def _worker(
    prefix: bytes,
    difficulty: int,
    index: int,
    workers: int,
    stop: ProcessEvent,
    found: Synchronized[int],
    chunks_done: Any,
) -> None:
    """Worker ``index`` of ``workers``: chunks ``index``, ``index + workers``, … until stopped."""
    import multiprocessing  # already imported: this process was spawned by it

    # Ctrl-C reaches the whole process group: the parent stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A parent killed outright (SIGKILL) cannot stop its workers: they look for it.
    parent = multiprocessing.parent_process()
    base = hashlib.sha256(prefix)
    limit = threshold(difficulty)
    for chunk in itertools.count(index, workers):
        if stop.is_set() or (parent is not None and not parent.is_alive()):
            return
        nonce = scan_chunk(base, limit, chunk)
        if nonce is not None:
            with found.get_lock():
                if found.value < 0:
                    found.value = nonce
            stop.set()
            return
        chunks_done[index] += 1


def mine_in_processes(
    prefix: bytes,
    difficulty: int,
    workers: int,
    *,
    report: Report | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> MiningResult:
    """Search with ``workers`` processes, each its own chunks; the first hit stops them all."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    threshold(difficulty)  # a bad difficulty fails here, not in every worker
    import multiprocessing  # here: importing it costs ~20 ms, and `hackattic list` imports us

    started = time.monotonic()
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    found = context.Value("q", -1)
    # One slot per worker, written only by it: no lock needed to read a running total.
    chunks_done = context.Array("q", workers, lock=False)
    processes = [
        context.Process(
            target=_worker,
            args=(prefix, difficulty, index, workers, stop, found, chunks_done),
            name=f"mini_miner-{index}",
            daemon=True,
        )
        for index in range(workers)
    ]
    try:
        for process in processes:
            process.start()
        while not stop.wait(REPORT_INTERVAL):
            if report is not None:
                report(sum(chunks_done) * CHUNK)
            if cancelled is not None and cancelled():
                raise MiningCancelled
            dead = [p for p in processes if p.exitcode is not None]
            if dead and not stop.is_set():
                raise MiningFailed(
                    f"mining process {dead[0].name} died (exit code {dead[0].exitcode})"
                )
        nonce = found.value
        if nonce < 0:
            raise MiningFailed("the mining processes stopped without a nonce")
        # The hit's chunk is counted whole: close enough for a rate.
        hashes = (sum(chunks_done) + 1) * CHUNK
        return MiningResult(nonce, hashes, time.monotonic() - started, processes=workers)
    finally:
        stop.set()
        for process in processes:
            if process.pid is not None:
                process.join(timeout=2)
                if process.is_alive():
                    process.terminate()
                    process.join()


def mine(
    prefix: bytes,
    difficulty: int,
    workers: int,
    *,
    report: Report | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> MiningResult:
    """In this process for one worker, else in ``workers`` processes."""
    if workers <= 1:
        return mine_in_process(prefix, difficulty, report=report, cancelled=cancelled)
    return mine_in_processes(prefix, difficulty, workers, report=report, cancelled=cancelled)


def hash_rate(prefix: bytes, seconds: float = 0.05) -> float:
    """Hashes per second of one core on this block (measured for about ``seconds``)."""
    base = hashlib.sha256(prefix)
    limit = bytes(DIGEST_BITS // 8)  # nothing is below zero: every nonce of a chunk is tried
    chunks = 0
    started = time.perf_counter()
    while True:
        scan_chunk(base, limit, 1 + chunks)
        chunks += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return chunks * CHUNK / elapsed


def usable_cores() -> int:
    """Cores this process may run on (its affinity where the OS tells it), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1

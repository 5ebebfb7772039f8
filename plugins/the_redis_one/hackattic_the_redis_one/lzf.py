"""LZF decompression (liblzf's format, as Redis writes compressed strings), bounded.

Written here rather than taken from python-lzf: that package ships no wheels (it needs a
compiler at install time), and Redis's strings are small, so a careful pure-Python loop
is fast enough. The output can never grow past ``expected`` (the length the snapshot
declares, itself checked against a setting before this runs): an LZF bomb stops at once.
"""

from __future__ import annotations

from .errors import RdbError


def lzf_decompress(data: bytes, expected: int) -> bytes:
    """The ``expected`` bytes that ``data`` decompresses to; RdbError if it does not."""
    out = bytearray()
    i, end = 0, len(data)
    while i < end:
        ctrl = data[i]
        i += 1
        if ctrl < 32:  # a literal run of ctrl + 1 bytes
            run = ctrl + 1
            if i + run > end:
                raise RdbError("LZF literal run goes past the end of the compressed data")
            if len(out) + run > expected:
                raise RdbError(f"LZF data expands past its declared length of {expected} bytes")
            out += data[i : i + run]
            i += run
            continue
        length = ctrl >> 5
        if length == 7:  # a long back reference: one more length byte
            if i >= end:
                raise RdbError("LZF back reference cut short")
            length += data[i]
            i += 1
        length += 2
        if i >= end:
            raise RdbError("LZF back reference cut short")
        ref = len(out) - ((ctrl & 0x1F) << 8) - data[i] - 1
        i += 1
        if ref < 0:
            raise RdbError("LZF back reference points before the start of the data")
        if len(out) + length > expected:
            raise RdbError(f"LZF data expands past its declared length of {expected} bytes")
        # The reference may overlap what it writes (a repeated pattern): copy what exists,
        # then again from where the copy reached.
        while length > 0:
            take = min(length, len(out) - ref)
            out += out[ref : ref + take]
            ref += take
            length -= take
    if len(out) != expected:
        raise RdbError(f"LZF data decompresses to {len(out)} bytes, its header says {expected}")
    return bytes(out)


def lzf_compress(data: bytes) -> bytes:
    """``data`` as LZF of literal runs and simple back references (for writing snapshots).

    Not liblzf's hash-chain compressor, but a valid stream any LZF reader accepts: runs of
    a repeated byte become back references, everything else literals.
    """
    out = bytearray()
    literal = bytearray()

    def flush() -> None:
        for start in range(0, len(literal), 32):
            chunk = literal[start : start + 32]
            out.append(len(chunk) - 1)
            out.extend(chunk)
        literal.clear()

    i = 0
    while i < len(data):
        run = 1
        while i + run < len(data) and data[i + run] == data[i] and run < 265:
            run += 1
        if run >= 4:  # one literal byte, then a back reference at distance 1
            literal.append(data[i])
            flush()
            length = run - 1 - 2
            if length < 7:
                out.append(length << 5)
            else:
                out += bytes((7 << 5, length - 7))
            out.append(0)  # distance - 1 = 0: the byte just written
            i += run
        else:
            literal.append(data[i])
            i += 1
    flush()
    return bytes(out)

"""The answer: the ssn of every alive row of ``criminal_records``, straight from the dump."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .dump_reader import read_table
from .errors import DumpError
from .gunzip import gunzip_lines
from .limits import DumpLimits

TABLE = "criminal_records"
SSN = "ssn"
STATUS = "status"
ALIVE = "alive"


@dataclass(frozen=True)
class AliveSsns:
    ssns: list[str]
    """In table order."""
    rows: int
    """How many rows the table has."""


def find_alive_ssns(
    compressed: bytes, limits: DumpLimits | int, stop: threading.Event | None = None
) -> AliveSsns:
    """The ssn of every row whose status is ``alive``, in the order of the dump.

    ``compressed`` is the gzipped plain-text dump, read within ``limits`` (an int: the
    decompressed size, the other limits at their defaults). Raises DumpError (naming what
    is wrong) for anything pg_dump would not have written, and for an alive row whose ssn
    is NULL; DumpLimitExceeded for a dump beyond a limit; Stopped soon after ``stop`` is
    set (by ``run_blocking`` when the run is cancelled).
    """
    if isinstance(limits, int):
        limits = DumpLimits(max_dump_bytes=limits)
    lines = gunzip_lines(compressed, limits.max_dump_bytes, limits.max_line_bytes, stop)
    ssns = []
    rows = 0
    for ssn, status in read_table(lines, TABLE, (SSN, STATUS), limits=limits):
        rows += 1
        if status != ALIVE:
            continue
        if ssn is None:
            raise DumpError(f"row {rows} of {TABLE} is alive but its ssn is NULL")
        ssns.append(ssn)
    return AliveSsns(ssns=ssns, rows=rows)

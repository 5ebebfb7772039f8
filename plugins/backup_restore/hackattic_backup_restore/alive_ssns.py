"""The answer: the ssn of every alive row of ``criminal_records``, straight from the dump."""

from __future__ import annotations

from dataclasses import dataclass

from .dump_reader import read_table
from .errors import DumpError
from .gunzip import gunzip_lines

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


def find_alive_ssns(compressed: bytes, max_bytes: int) -> AliveSsns:
    """The ssn of every row whose status is ``alive``, in the order of the dump.

    ``compressed`` is the gzipped plain-text dump; at most ``max_bytes`` of it are
    decompressed. Raises DumpError (naming what is wrong) for anything pg_dump would not
    have written, and for an alive row whose ssn is NULL.
    """
    ssns = []
    rows = 0
    for ssn, status in read_table(gunzip_lines(compressed, max_bytes), TABLE, (SSN, STATUS)):
        rows += 1
        if status != ALIVE:
            continue
        if ssn is None:
            raise DumpError(f"row {rows} of {TABLE} is alive but its ssn is NULL")
        ssns.append(ssn)
    return AliveSsns(ssns=ssns, rows=rows)

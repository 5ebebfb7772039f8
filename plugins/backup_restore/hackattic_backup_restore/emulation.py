"""The offline sandbox's stand-in for backup_restore: issues a dump, checks the alive ssns.

Each problem is a fresh table of :mod:`.records` written as hackattic's pg_dump 10.19
writes it (:mod:`.pg_dump_writer`), gzipped and base64-encoded. By default the table is
shaped on real dumps (no NULL, no escape, ASCII only: a solver that reads the rows from
line 96 passes); ``-o breadth=wide`` brings NULLs, escapes, non-ASCII text and rows over
several lines, for our own solver's tests. The checker computes the answer from
its own rows, not by reading the dump back. Whether hackattic minds the order of
``alive_ssns`` is not known: any order passes, unless the condition ``check_order`` is set.
A rejection names what is wrong, e.g. ``wrong alive_ssns: missing 3 alive ssns, e.g. …``.

Two faults of its own test a solver on hostile dumps (it must fail with exit 3, in one
line): ``gzip_bomb`` and ``truncated_dump``.
"""

from __future__ import annotations

import base64
import gzip
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import Field

from hackattic_core import Emulation, EmulationConditions, EmulationEnv, Issued

from .pg_dump_writer import write_dump
from .records import CriminalRecord, alive_ssns, hackattic_records, wide_records

FIELD = "alive_ssns"
EXAMPLES = 3
"""How many ssns a rejection names for each thing wrong."""
MIB = 1024 * 1024
BOMB_BYTES = 256 * MIB


class BackupRestoreConditions(EmulationConditions):
    breadth: Literal["hackattic", "wide"] = Field(
        default="hackattic",
        description="hackattic: rows like the real dumps' (no NULL, no escape, ASCII); "
        "wide: NULLs, escaped tabs, newlines and backslashes, non-ASCII names, id gaps.",
    )
    check_order: bool = Field(
        default=False,
        description="Reject alive_ssns that are not in table order (hackattic's rule is "
        "not known; solvers send table order).",
    )


@dataclass(frozen=True)
class IssuedDump:
    """What ``check`` needs: the rows the dump was written from."""

    records: list[CriminalRecord]

    @property
    def alive_ssns(self) -> list[str]:
        return alive_ssns(self.records)


def check_alive_ssns(
    expected: list[str], solution: dict[str, Any], *, check_order: bool
) -> str | None:
    """None when ``solution`` lists ``expected``; otherwise everything wrong with it."""
    if FIELD not in solution:
        return f"missing field {FIELD!r}"
    got = solution[FIELD]
    if not isinstance(got, list):
        return f"wrong {FIELD}: expected a list of strings, got {type(got).__name__}"
    not_strings = [item for item in got if not isinstance(item, str)]
    if not_strings:
        return f"wrong {FIELD}: expected a list of strings, it holds {not_strings[0]!r}"
    wanted, sent = Counter(expected), Counter(got)
    missing = list((wanted - sent).elements())
    distinct = list(dict.fromkeys(got))  # in the order sent
    extra = [ssn for ssn in distinct if ssn not in wanted]
    repeated = [ssn for ssn in distinct if ssn in wanted and sent[ssn] > wanted[ssn]]
    problems = []
    if missing:
        problems.append(f"missing {_count(missing, 'alive ssn')}, e.g. {_examples(missing)}")
    if extra:
        problems.append(f"{_count(extra, 'ssn')} that {_are(extra)} not alive: {_examples(extra)}")
    if repeated:
        problems.append(f"{_count(repeated, 'ssn')} listed more than once: {_examples(repeated)}")
    if not problems and check_order and got != expected:
        position = next(i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b)
        problems.append(
            f"not in table order: at position {position} got {got[position]}, "
            f"expected {expected[position]}"
        )
    return f"wrong {FIELD}: " + "; ".join(problems) if problems else None


def _count(items: list[str], noun: str) -> str:
    return f"{len(items)} {noun}" + ("" if len(items) == 1 else "s")


def _are(items: list[str]) -> str:
    return "is" if len(items) == 1 else "are"


def _examples(items: list[str]) -> str:
    shown = ", ".join(items[:EXAMPLES])
    return shown + (", …" if len(items) > EXAMPLES else "")


def gzip_bomb(size: int) -> bytes:
    """A gzip file of ``size`` bytes of zeros (rounded to MiB), in about size / 1000 bytes.

    Made of 1 MiB members, all the same: a gzip file may hold several, one after another,
    and building it costs one MiB of compression whatever the size.
    """
    return gzip.compress(bytes(MIB), compresslevel=9, mtime=0) * (size // MIB)


class BackupRestoreEmulation(Emulation[BackupRestoreConditions, IssuedDump]):
    conditions_model = BackupRestoreConditions
    faults: ClassVar[Mapping[str, str]] = {
        "gzip_bomb": f"the first fault_count problems' dump decompresses to {BOMB_BYTES // MIB} "
        "MiB of zeros (a solver must refuse it, exit 3)",
        "truncated_dump": "the first fault_count problems' dump is cut off halfway through "
        "its gzip (a solver must refuse it, exit 3)",
    }

    def __init__(self, env: EmulationEnv[BackupRestoreConditions]) -> None:
        super().__init__(env)
        self._faulty_problems_left = env.fault_count

    async def new_problem(self) -> Issued[IssuedDump]:
        wide = self.env.conditions.breadth == "wide"
        records = (wide_records if wide else hackattic_records)(self.env.rng)
        text = write_dump(records, nullable=wide)
        # mtime=0: the same seed gives the same bytes.
        compressed = gzip.compress(text.encode(), compresslevel=9, mtime=0)
        if self.env.faults and self._faulty_problems_left > 0:
            self._faulty_problems_left -= 1
            if self.env.has_fault("gzip_bomb"):
                compressed = gzip_bomb(BOMB_BYTES)
            elif self.env.has_fault("truncated_dump"):
                compressed = compressed[: len(compressed) // 2]
        return Issued(
            problem={"dump": base64.b64encode(compressed).decode("ascii")},
            state=IssuedDump(records=records),
        )

    async def check(self, issued: Issued[IssuedDump], solution: dict[str, Any]) -> str | None:
        return check_alive_ssns(
            issued.state.alive_ssns, solution, check_order=self.env.conditions.check_order
        )

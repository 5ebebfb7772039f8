"""Issue 20's hostile dumps, served by a loopback service of the test's own and run through
the real CLI (``hackattic run backup_restore --json``): each ends within seconds, in bounded
memory, with one line and exit 3; and SIGINT ends a solve that would run for minutes.

Each case of the issue comes at the issue's size (an ~80 KB problem that decompresses to
about 60 MB) with the default limits, then with the limit it first crosses raised out of
the way, to show that what is left is linear: the next limit, or a plain error, still in
seconds and bounded memory.
"""

from __future__ import annotations

import base64
import functools
import json
import resource
import time
import zlib
from collections.abc import Iterable
from typing import Any

import pytest

from hackattic_core import ExitCode
from hackattic_core.testing import interrupt

SLUG = "backup_restore"
MIB = 1024 * 1024
MEMORY_BOUND_MB = 1024
COPY = b"COPY public.criminal_records (id, name, felony, ssn, home_address, entry, city, status)"
COPY_LINE = COPY + b" FROM stdin;\n"
ISSUE_SIZE = 60 * MIB
"""What the issue's 82 KB problems decompress to (just under the 64 MiB bound)."""
PREFIX = "HACKATTIC_BACKUP_RESTORE_"


def gzipped(parts: Iterable[bytes]) -> bytes:
    """One gzip stream of ``parts`` (fed one at a time: a large repeat is never built)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [compressor.compress(part) for part in parts]
    out.append(compressor.flush())
    return b"".join(out)


def repeated(unit: bytes, total: int) -> Iterable[bytes]:
    """``unit`` repeated to about ``total`` bytes, in 1 MiB pieces."""
    block = unit * (min(total, MIB) // len(unit))
    for _ in range(total // len(block)):
        yield block


def problem(parts: Iterable[bytes]) -> dict[str, str]:
    return {"dump": base64.b64encode(gzipped(parts)).decode()}


@functools.cache  # each is built once (compressing 60 MB takes a while)
def escaped_tab_field(size: int) -> dict[str, str]:
    """A row whose field is made of escaped tabs (``\\`` + TAB, repeated)."""
    return problem(
        [COPY_LINE, b"1\tname\t", *repeated(b"\\\t", size), b"\t1-2-3\ta\t2000\tc\talive\n\\.\n"]
    )


@functools.cache  # each is built once (compressing 60 MB takes a while)
def never_closed_quote(size: int) -> dict[str, str]:
    """A COPY line that opens a quoted identifier and never closes it."""
    return problem([b'COPY public."criminal_records', *repeated(b"a", size), b" FROM stdin;\n"])


@functools.cache  # each is built once (compressing 60 MB takes a while)
def column_list(size: int) -> dict[str, str]:
    """A COPY line naming millions of columns (30 M at the issue's size)."""
    return problem([b"COPY public.criminal_records (", *repeated(b"a,", size), b"b) FROM stdin;\n"])


@functools.cache  # each is built once (compressing 60 MB takes a while)
def escaped_newlines(size: int) -> dict[str, str]:
    """A row continued over millions of escaped newlines (31 M at the issue's size)."""
    return problem([COPY_LINE, b"1\tname", *repeated(b"\\\n", size), b"\tx\n\\.\n"])


def run(hackattic_cli: Any, service: Any, crafted: dict[str, str], **env: str) -> Any:
    environment = service.serve(crafted)
    environment["HACKATTIC_MAX_BODY_BYTES"] = str(4 * MIB)
    environment.update({PREFIX + name.upper(): value for name, value in env.items()})
    result = hackattic_cli("run", SLUG, "--json", env=environment, timeout=120)
    print(f"{result.elapsed:.2f} s, {result.max_rss_mb:.0f} MiB, exit {result.exit_code}")
    return result


def refused(result: Any, *expected: str) -> str:
    """The one-line error of a run that ended with exit 3 in bounded memory."""
    assert result.exit_code == ExitCode.SERVICE, result
    assert result.max_rss_mb < MEMORY_BOUND_MB, f"peak RSS {result.max_rss_mb:.0f} MiB"
    error: str = result.json["error"]
    assert "\n" not in error
    assert len(error) < 600, error
    assert len(result.stdout.splitlines()) == 1, result.stdout  # --json: the error is in it
    assert not result.stderr_lines(), result.stderr
    for text in expected:
        assert text in error, error
    return error


LARGE = {"max_line_bytes": str(128 * MIB), "max_copy_statement_bytes": str(128 * MIB)}
"""The line limits out of the way (the decompressed dump stays bounded by its own)."""


@pytest.mark.parametrize(
    ("crafted", "limit"),
    [
        # The long line is refused as soon as it passes 1 MiB...
        (escaped_tab_field, "over the limit of 1048576 bytes (HACKATTIC_BACKUP_RESTORE_MAX_LINE_"),
        (
            never_closed_quote,
            "over the limit of 1048576 bytes (HACKATTIC_BACKUP_RESTORE_MAX_LINE_",
        ),
        (column_list, "over the limit of 1048576 bytes (HACKATTIC_BACKUP_RESTORE_MAX_LINE_"),
        # ... and the row of 31 M short lines at its 1001st line.
        (escaped_newlines, "is 1001 lines, over the limit of 1000 lines (HACKATTIC_BACKUP_"),
    ],
)
def test_the_issues_cases_cross_a_limit_at_once(
    hackattic_cli: Any, hackattic_fake_service: Any, crafted: Any, limit: str
) -> None:
    result = run(hackattic_cli, hackattic_fake_service, crafted(ISSUE_SIZE))
    refused(result, limit)
    assert not hackattic_fake_service.submitted()


def test_an_escaped_tab_field_is_split_in_linear_time(
    hackattic_cli: Any, hackattic_fake_service: Any
) -> None:
    # 30 M escaped tabs in one field: the row splits into its 8 fields and is answered.
    result = run(hackattic_cli, hackattic_fake_service, escaped_tab_field(ISSUE_SIZE), **LARGE)
    assert result.exit_code == ExitCode.PASSED, result
    assert result.max_rss_mb < MEMORY_BOUND_MB, f"peak RSS {result.max_rss_mb:.0f} MiB"
    assert json.loads(hackattic_fake_service.submitted()[0]) == {"alive_ssns": ["1-2-3"]}


def test_a_never_closed_quote_is_named_in_linear_time(
    hackattic_cli: Any, hackattic_fake_service: Any
) -> None:
    result = run(hackattic_cli, hackattic_fake_service, never_closed_quote(ISSUE_SIZE), **LARGE)
    refused(result, "a quoted identifier at character 13 is never closed", "characters)")


def test_a_huge_column_list_stops_at_the_column_limit(
    hackattic_cli: Any, hackattic_fake_service: Any
) -> None:
    result = run(hackattic_cli, hackattic_fake_service, column_list(ISSUE_SIZE), **LARGE)
    refused(result, "column list is ", "over the limit of 1600 names", PREFIX + "MAX_COLUMNS")
    small = run(hackattic_cli, hackattic_fake_service, column_list(4 * 1024), max_columns="5000")
    refused(small, "malformed backup_restore dump: the COPY for public.criminal_records on line")


def test_a_row_over_millions_of_lines_stops_at_the_lines_limit(
    hackattic_cli: Any, hackattic_fake_service: Any
) -> None:
    result = run(hackattic_cli, hackattic_fake_service, escaped_newlines(ISSUE_SIZE), **LARGE)
    refused(result, "row 1 of public.criminal_records (line 2) is 1001 lines, over the limit")
    refused(result, "over the limit of 1000 lines", PREFIX + "MAX_LINES_PER_ROW")


def test_a_long_copy_statement_is_refused_by_its_own_limit(
    hackattic_cli: Any, hackattic_fake_service: Any
) -> None:
    result = run(hackattic_cli, hackattic_fake_service, column_list(512 * 1024))
    refused(result, "COPY statement on line 1 is ", "over the limit of 262144 bytes")


def test_too_many_rows_are_refused(hackattic_cli: Any, hackattic_fake_service: Any) -> None:
    rows = problem([COPY_LINE, *repeated(b"1\ta\tb\tc\td\te\tf\tmissing\n", MIB), b"\\.\n"])
    result = run(hackattic_cli, hackattic_fake_service, rows, max_rows="1000")
    refused(
        result,
        "row count of the table is 1001 rows, over the limit of 1000 rows",
        PREFIX + "MAX_ROWS",
    )


# ---- interrupted -------------------------------------------------------------------------

ROW = (
    b"%d\tJohn Smith\tArson\t123-45-6789\t1 Main St\t2000-01-01 00:00:00\tTown, ST 12345\tmissing\n"
)
ENDLESS_MEMBERS = 32
"""Gzip members of 64 MiB of rows each: 2 GiB of rows, minutes of reading, ~2 MB sent."""


@pytest.fixture(scope="module")
def endless_dump() -> dict[str, str]:
    """A valid dump whose 25 M rows take minutes to read (no alive row: nothing grows)."""
    member = gzipped([COPY_LINE]) + gzipped(repeated(ROW % 1, 64 * MIB)) * ENDLESS_MEMBERS
    return {"dump": base64.b64encode(member + gzipped([b"\\.\n"])).decode()}


@pytest.mark.parametrize(
    "bound", [pytest.param(None, id="untimed"), pytest.param(5.0, marks=pytest.mark.timing)]
)
def test_sigint_ends_a_solve_that_would_run_for_minutes(
    bound: float | None,
    hackattic_cli_start: Any,
    hackattic_fake_service: Any,
    endless_dump: dict[str, str],
) -> None:
    environment = hackattic_fake_service.serve(endless_dump)
    environment.update(
        HACKATTIC_MAX_BODY_BYTES=str(16 * MIB),
        HACKATTIC_BACKUP_RESTORE_MAX_DUMP_BYTES=str(1 << 40),
        HACKATTIC_BACKUP_RESTORE_MAX_ROWS=str(1 << 40),
    )
    process = hackattic_cli_start("run", SLUG, "--json", env=environment)
    assert hackattic_fake_service.fetched.wait(30), process.stderr_so_far()
    time.sleep(1.0)  # into the solve (which alone would take minutes)
    result, after_signal = interrupt(process, hackattic_fake_service.fetched)
    print(f"gone {after_signal:.2f} s after SIGINT")
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED
    assert not hackattic_fake_service.submitted()
    assert bound is None or after_signal < bound, f"{after_signal:.2f} s after SIGINT"


# ---- out of memory -------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs Linux's prlimit")
def test_running_out_of_memory_is_one_line_and_exit_3(
    hackattic_cli_start: Any, hackattic_fake_service: Any
) -> None:
    # The limits allow a 60 MB row, but the process may only grow by 60 MiB once it has
    # started: reading the dump meets a MemoryError, which must not be exit 1 or a trace.
    hackattic_fake_service.hold_problem.set()
    environment = hackattic_fake_service.serve(escaped_tab_field(ISSUE_SIZE))
    environment.update(
        HACKATTIC_MAX_BODY_BYTES=str(4 * MIB), **{PREFIX + "MAX_LINE_BYTES": str(128 * MIB)}
    )
    process = hackattic_cli_start("run", SLUG, "--json", env=environment)
    assert hackattic_fake_service.fetched.wait(30), process.stderr_so_far()
    with open(f"/proc/{process.pid}/status") as status:
        size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))
    resource.prlimit(process.pid, resource.RLIMIT_AS, (size + 60 * MIB, size + 60 * MIB))
    hackattic_fake_service.released.set()
    result = process.wait(timeout=60)
    assert result.exit_code in (ExitCode.SERVICE, ExitCode.SOLVER), result
    error = result.json["error"]
    assert "ran out of memory" in error, error
    assert "\n" not in error
    assert not hackattic_fake_service.submitted()

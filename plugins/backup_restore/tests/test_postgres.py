"""Checked by the real tool: dumps restored by psql into a throwaway PostgreSQL.

One cluster for the module: initdb into a fresh folder, listening on a Unix socket in that
folder only (no TCP), stopped and removed at the end. As root, PostgreSQL's own programs
run as the ``postgres`` user (PostgreSQL refuses root); psql, the client, runs as we are.

Where PostgreSQL is missing the tests skip, saying why, unless HACKATTIC_REQUIRE_POSTGRES=1
(set in CI), which makes them fail instead.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from hackattic_backup_restore.alive_ssns import find_alive_ssns
from hackattic_backup_restore.challenge import BackupRestoreChallenge
from hackattic_backup_restore.copy_text import split_fields, unescape_field
from hackattic_backup_restore.dump_reader import read_table
from hackattic_backup_restore.emulation import BackupRestoreEmulation
from hackattic_backup_restore.records import COLUMNS, CriminalRecord

REQUIRE_POSTGRES = "HACKATTIC_REQUIRE_POSTGRES"
SERVER_USER = "postgres"
DUMPS = 3
MIB = 1024 * 1024


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail where PostgreSQL is required."""
    if os.environ.get(REQUIRE_POSTGRES) == "1":
        pytest.fail(f"PostgreSQL is required ({REQUIRE_POSTGRES}=1) but {reason}")
    pytest.skip(f"needs PostgreSQL: {reason}")


def postgres_bin_dir() -> Path | None:
    """Where initdb is: on PATH, or the newest of Debian's /usr/lib/postgresql/<N>/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    installed = Path("/usr/lib/postgresql").glob("*/bin/initdb")
    versions = sorted(installed, key=lambda path: [int(n) for n in re.findall(r"\d+", str(path))])
    return versions[-1].parent if versions else None


@dataclass(frozen=True)
class Postgres:
    """A running throwaway cluster, reached through psql over its Unix socket."""

    psql: str
    socket_dir: Path
    _databases: list[str]

    def psql_command(self, database: str, *arguments: str) -> list[str]:
        return [
            self.psql, "-X", "-q", "-h", str(self.socket_dir), "-U", SERVER_USER,
            "-d", database, *arguments,
        ]  # fmt: skip

    def run(
        self, database: str, *arguments: str, stdin: bytes = b"", check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        # Our own psql, with arguments of our own.
        return subprocess.run(  # noqa: S603
            self.psql_command(database, *arguments),
            input=stdin,
            capture_output=True,
            check=check,
            timeout=60,
            env={**os.environ, "PGDATESTYLE": "ISO, MDY", "PGCLIENTENCODING": "UTF8"},
        )

    def query(self, database: str, sql: str) -> str:
        """The result of ``sql``, unaligned and without headers."""
        return self.run(database, "-At", "-c", sql).stdout.decode()

    def new_database(self) -> str:
        name = f"dump_{len(self._databases) + 1}"
        self.run("postgres", "-c", f'CREATE DATABASE "{name}"')
        self._databases.append(name)
        return name


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        unavailable("initdb was not found (on PATH or in /usr/lib/postgresql/*/bin)")
    psql = str(bin_dir / "psql") if (bin_dir / "psql").exists() else shutil.which("psql")
    if psql is None:
        unavailable("psql was not found")
    as_server_user: list[str] = []
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam(SERVER_USER)
        except KeyError:
            unavailable(f"we run as root, PostgreSQL refuses root and there is no {SERVER_USER}")
        runuser = shutil.which("runuser")
        if runuser is None:
            unavailable(
                f"we run as root and runuser, to run PostgreSQL as {SERVER_USER}, is missing"
            )
        as_server_user = [runuser, "-u", SERVER_USER, "--"]
    # Under /tmp, not pytest's tmp_path: that may sit in a folder that only root can enter,
    # and a Unix socket's path must stay short.
    folder = Path(tempfile.mkdtemp(prefix="hackattic-pg-", dir="/tmp"))
    if as_server_user:
        os.chown(folder, server_user.pw_uid, server_user.pw_gid)
    data, log = folder / "data", folder / "server.log"
    pg_ctl = [*as_server_user, str(bin_dir / "pg_ctl"), "-D", str(data)]
    try:
        server_run(
            [*as_server_user, str(bin_dir / "initdb"), "-D", str(data), "-U", SERVER_USER,
             "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]
        )  # fmt: skip
        options = f"-c listen_addresses='' -k '{folder}' -c fsync=off"
        server_run([*pg_ctl, "-l", str(log), "-w", "-t", "30", "-o", options, "start"], log)
        yield Postgres(psql=psql, socket_dir=folder, _databases=[])
    finally:
        # Whenever a server may run, even one whose start timed out.
        if (data / "postmaster.pid").exists():
            subprocess.run(  # noqa: S603
                [*pg_ctl, "-m", "immediate", "stop"], capture_output=True, timeout=60, check=False
            )
        shutil.rmtree(folder, ignore_errors=True)


def server_run(command: list[str], log: Path | None = None) -> None:
    """Run initdb or pg_ctl; its output (and the server's log) tell why it failed."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    if result.returncode != 0:
        server_log = log.read_text(errors="replace") if log and log.exists() else ""
        pytest.fail(f"{command[-1]} failed: {result.stdout}{result.stderr}{server_log}")


# ---- the emulation's dumps, restored ----------------------------------------------------

ROWS_AS_TEXT = (
    "SELECT json_agg(json_build_array(id::text, name, felony, ssn, home_address, entry::text,"
    " city, status) ORDER BY id) FROM criminal_records"
)


def issued_dumps(emulation: BackupRestoreEmulation) -> list[tuple[bytes, list[CriminalRecord]]]:
    dumps = []
    for _ in range(DUMPS):
        issued = asyncio.run(emulation.new_problem())
        dumps.append((base64.b64decode(issued.problem["dump"]), issued.state.records))
    return dumps


@pytest.mark.parametrize("breadth", ["hackattic", "wide"])
def test_psql_restores_the_dumps_to_the_emulations_rows_and_answer(
    postgres: Postgres, hackattic_emulation: Any, breadth: str
) -> None:
    emulation = hackattic_emulation(BackupRestoreChallenge, breadth=breadth)
    for compressed, records in issued_dumps(emulation):
        database = postgres.new_database()
        restore = postgres.run(database, "-v", "ON_ERROR_STOP=0", stdin=gzip.decompress(compressed))
        errors = [line for line in restore.stderr.decode().splitlines() if "ERROR" in line]
        # PostgreSQL 12+ refuses ``SET default_with_oids = true``, as for hackattic's dumps;
        # nothing else may fail.
        assert all("WITH OIDS" in line for line in errors), errors

        rows = json.loads(postgres.query(database, ROWS_AS_TEXT))
        assert rows == [list(record.values()) for record in records]

        alive = postgres.query(
            database, "SELECT ssn FROM criminal_records WHERE status = 'alive' ORDER BY id"
        ).splitlines()
        assert alive
        assert find_alive_ssns(compressed, 64 * MIB).ssns == alive

        ours = read_table(gzip.decompress(compressed).split(b"\n"), "criminal_records", COLUMNS)
        assert [list(row) for row in ours] == rows


# ---- the escapes: PostgreSQL and the reader agree ---------------------------------------

# Every rule of the text format, as fields written by hand (those PostgreSQL accepts as
# UTF-8 text: it refuses NUL and invalid UTF-8 from \000 or \377).
HAND_WRITTEN_FIELDS = [
    rb"plain",
    rb"\b\f\n\r\t\v",
    rb"back\\slash",
    rb"\101\60\7 \1011",
    rb"\x41\x4\x4g\x414",
    rb"\xg\X41",
    rb"\q\N\ \'",
    rb"\\N",
    rb"Zo\303\253 \xc3\xa9 caf" + "é".encode(),
    b"tab\\\tinside",
    b"line\\\nbreak",
    b"",
]


def test_postgresql_reads_hand_written_fields_as_the_reader_does(postgres: Postgres) -> None:
    database = postgres.new_database()
    rows = b"".join(b"%d\t%s\n" % (n, field) for n, field in enumerate(HAND_WRITTEN_FIELDS))
    script = (
        b"CREATE TABLE fields (n integer, v text);\n"
        b"COPY fields (n, v) FROM stdin;\n" + rows + b"\\.\n"
        b"INSERT INTO fields VALUES (-1, NULL);\n"
    )
    postgres.run(database, "-v", "ON_ERROR_STOP=1", stdin=script)
    stored = json.loads(
        postgres.query(
            database,
            "SELECT json_object_agg(n, encode(convert_to(v, 'UTF8'), 'hex')) FROM fields",
        )
    )
    assert len(stored) == len(HAND_WRITTEN_FIELDS) + 1
    for n, field in enumerate(HAND_WRITTEN_FIELDS):
        assert unescape_field(field) == bytes.fromhex(stored[str(n)]), field
    assert stored["-1"] is None


def test_the_reader_reads_what_postgresql_writes(postgres: Postgres) -> None:
    database = postgres.new_database()
    # Every ASCII character but NUL, twice, then a backslash; and some beyond ASCII.
    postgres.run(
        database,
        "-v", "ON_ERROR_STOP=1",
        "-c", "CREATE TABLE written (n integer, v text)",
        "-c", "INSERT INTO written"
              " SELECT n, repeat(chr(n), 2) || '\\' FROM generate_series(1, 127) AS n",
        "-c", "INSERT INTO written"
              " VALUES (1000, 'Zoë Łukasiewicz'), (1001, E'\\\\N'), (1002, ''), (1003, NULL)",
    )  # fmt: skip
    written = postgres.run(database, "-c", "COPY written TO STDOUT").stdout
    assert written.endswith(b"\n")
    read = {}
    for line in written[:-1].split(b"\n"):
        n, v = (unescape_field(field) for field in split_fields(line))
        assert n is not None
        read[int(n)] = None if v is None else v.decode()
    assert read == {
        **{n: chr(n) * 2 + "\\" for n in range(1, 128)},
        1000: "Zoë Łukasiewicz",
        1001: "\\N",
        1002: "",
        1003: None,
    }


# ---- where PostgreSQL is missing --------------------------------------------------------


def test_missing_postgresql_skips_or_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_POSTGRES, raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs PostgreSQL: initdb was not found"):
        unavailable("initdb was not found")
    monkeypatch.setenv(REQUIRE_POSTGRES, "1")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is required"):
        unavailable("initdb was not found")

"""A plain-text dump of ``public.criminal_records`` laid out as hackattic's pg_dump writes it.

Line for line the layout of two real hackattic dumps (pg_dump 10.19 on Debian): the header
comments, the session SETs (``xmloption = content``; ``default_with_oids = true``:
hackattic's table has OIDs, which PostgreSQL 12+ refuses, and psql carries on), the
``COMMENT ON DATABASE postgres`` block, the table with its real column sizes, its id
sequence, the rows in a ``COPY ... FROM stdin`` block (the COPY on line 95, the rows from
line 96), the sequence's value and the primary key ``criminal_records_pk``. Escaping
follows PostgreSQL's own COPY TO: a backslash and the six control characters with a letter
escape are escaped, everything else is written as is.
"""

from __future__ import annotations

from collections.abc import Sequence

from .records import COLUMNS, CriminalRecord

TABLE = "public.criminal_records"
SEQUENCE = "public.criminal_records_id_seq"
OWNER = "postgres"
NO_OWNER = " "
"""pg_dump writes ``Owner: `` with a trailing space for an extension."""
SERVER_VERSION = "10.19 (Debian 10.19-1.pgdg90+1)"
"""What both real dumps say they were dumped from and by."""
CONSTRAINT = "criminal_records_pk"
COLUMN_TYPES = {
    "id": "integer",
    "name": "character varying(120)",
    "felony": "character varying(30)",
    "ssn": "character varying(11)",
    "home_address": "character varying(100)",
    "entry": "timestamp without time zone",
    "city": "character varying(100)",
    "status": "character varying(16)",
}
"""As in the real dumps, where every column is also NOT NULL."""
NULLABLE = frozenset({"felony", "home_address", "entry", "city"})
"""Columns that a wide dump (with NULLs) leaves nullable."""
COPY_LINE_NUMBER = 95
"""Where the real dumps' COPY line is (their rows start on the next line)."""

_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
)


def encode_field(value: str | None) -> str:
    """``value`` in COPY's text format: ``\\N`` for NULL."""
    return "\\N" if value is None else value.translate(_ESCAPES)


def copy_line(values: Sequence[str | None]) -> str:
    """One row of a COPY block, without its newline."""
    return "\t".join(encode_field(value) for value in values)


def column_definitions(*, nullable: bool = False) -> list[str]:
    """The CREATE TABLE's column lines; ``nullable`` leaves NULLABLE without NOT NULL."""
    return [
        f"    {name} {COLUMN_TYPES[name]}" + ("" if nullable and name in NULLABLE else " NOT NULL")
        for name in COLUMNS
    ]


def write_dump(
    records: Sequence[CriminalRecord],
    *,
    server_version: str = SERVER_VERSION,
    nullable: bool = False,
) -> str:
    """The dump's text, as ``pg_dump`` of ``server_version`` writes it (``nullable``: the
    optional columns without NOT NULL, for records with NULLs)."""
    columns = ",\n".join(column_definitions(nullable=nullable))
    rows = "".join(copy_line(record.values()) + "\n" for record in records)
    last_id = max((record.id for record in records), default=1)
    # The text is a file for psql, not a query run here; the rows are COPY-escaped.
    return f"""--
-- PostgreSQL database dump
--

-- Dumped from database version {server_version}
-- Dumped by pg_dump version {server_version}

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: DATABASE postgres; Type: COMMENT; Schema: -; Owner: {OWNER}
--

COMMENT ON DATABASE postgres IS 'default administrative connection database';


--
-- Name: plpgsql; Type: EXTENSION; Schema: -; Owner:{NO_OWNER}
--

CREATE EXTENSION IF NOT EXISTS plpgsql WITH SCHEMA pg_catalog;


--
-- Name: EXTENSION plpgsql; Type: COMMENT; Schema: -; Owner:{NO_OWNER}
--

COMMENT ON EXTENSION plpgsql IS 'PL/pgSQL procedural language';


SET default_tablespace = '';

SET default_with_oids = true;

--
-- Name: criminal_records; Type: TABLE; Schema: public; Owner: {OWNER}
--

CREATE TABLE {TABLE} (
{columns}
);


ALTER TABLE {TABLE} OWNER TO {OWNER};

--
-- Name: criminal_records_id_seq; Type: SEQUENCE; Schema: public; Owner: {OWNER}
--

CREATE SEQUENCE {SEQUENCE}
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE {SEQUENCE} OWNER TO {OWNER};

--
-- Name: criminal_records_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: {OWNER}
--

ALTER SEQUENCE {SEQUENCE} OWNED BY {TABLE}.id;


--
-- Name: criminal_records id; Type: DEFAULT; Schema: public; Owner: {OWNER}
--

ALTER TABLE ONLY {TABLE} ALTER COLUMN id SET DEFAULT nextval('{SEQUENCE}'::regclass);


--
-- Data for Name: criminal_records; Type: TABLE DATA; Schema: public; Owner: {OWNER}
--

COPY {TABLE} ({", ".join(COLUMNS)}) FROM stdin;
{rows}\\.


--
-- Name: criminal_records_id_seq; Type: SEQUENCE SET; Schema: public; Owner: {OWNER}
--

SELECT pg_catalog.setval('{SEQUENCE}', {last_id}, true);


--
-- Name: criminal_records {CONSTRAINT}; Type: CONSTRAINT; Schema: public; Owner: {OWNER}
--

ALTER TABLE ONLY {TABLE}
    ADD CONSTRAINT {CONSTRAINT} PRIMARY KEY (id);


--
-- PostgreSQL database dump complete
--

"""  # noqa: S608

"""A plain-text dump of ``public.criminal_records`` laid out as pg_dump 10 writes one.

The header and footer comments, the session SETs (``default_with_oids = true``: hackattic's
table has OIDs, which PostgreSQL 12+ refuses, and psql carries on), the table, its id
sequence, the rows in a ``COPY ... FROM stdin`` block in COPY's text format, the sequence's
value and the primary key. Escaping follows PostgreSQL's own COPY TO: a backslash and the
six control characters with a letter escape are escaped, everything else is written as is.
"""

from __future__ import annotations

from collections.abc import Sequence

from .records import COLUMNS, CriminalRecord

TABLE = "public.criminal_records"
SEQUENCE = "public.criminal_records_id_seq"
OWNER = "postgres"
NO_OWNER = " "
"""pg_dump writes ``Owner: `` with a trailing space for an extension."""
COLUMN_TYPES = {
    "id": "integer NOT NULL",
    "name": "character varying(255)",
    "felony": "character varying(255)",
    "ssn": "character varying(255)",
    "home_address": "character varying(255)",
    "entry": "timestamp without time zone",
    "city": "character varying(255)",
    "status": "character varying(255)",
}

_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
)


def encode_field(value: str | None) -> str:
    """``value`` in COPY's text format: ``\\N`` for NULL."""
    return "\\N" if value is None else value.translate(_ESCAPES)


def copy_line(values: Sequence[str | None]) -> str:
    """One row of a COPY block, without its newline."""
    return "\t".join(encode_field(value) for value in values)


def write_dump(records: Sequence[CriminalRecord], *, server_version: str) -> str:
    """The dump's text, as ``pg_dump`` of ``server_version`` (e.g. ``10.5``) writes it."""
    columns = ",\n".join(f"    {name} {COLUMN_TYPES[name]}" for name in COLUMNS)
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
SET client_min_messages = warning;
SET row_security = off;

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
-- Name: criminal_records criminal_records_pkey; Type: CONSTRAINT; Schema: public; Owner: {OWNER}
--

ALTER TABLE ONLY {TABLE}
    ADD CONSTRAINT criminal_records_pkey PRIMARY KEY (id);


--
-- PostgreSQL database dump complete
--

"""  # noqa: S608

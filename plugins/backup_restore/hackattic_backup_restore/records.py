"""The sandbox's criminal records: random, realistic rows of ``public.criminal_records``.

Like hackattic's (``1 | Rodney Goodwin | Animal cruelty | 579-29-0060 | 5990 Decker Neck
Suite 006 | 1975-06-19 00:00:00 | Fieldsborough, LA 92849 | alive``), 70 to 90 of them, plus
what a dump must escape: every table has home addresses with a newline, a carriage return,
a tab, a backslash and a literal ``\\N``, and NULLs in the optional columns.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import astuple, dataclass

COLUMNS = ("id", "name", "felony", "ssn", "home_address", "entry", "city", "status")
"""The table's columns, in the order of its CREATE TABLE."""
STATUSES = ("alive", "missing", "terminated")
ALIVE = "alive"
STATUS_WEIGHTS = (3, 4, 4)

MIN_ROWS = 70
MAX_ROWS = 90
NULL_RATE = 0.05
"""How often each optional column (felony, home_address, entry, city) is NULL."""

FIRST_NAMES = (
    "Rodney", "Maria", "James", "Linda", "Robert", "Patricia", "Michael", "Jennifer",
    "William", "Elizabeth", "David", "Susan", "Richard", "Jessica", "Joseph", "Sarah",
    "Thomas", "Karen", "Charles", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony",
    "Sandra", "Mark", "Ashley", "Donald", "Dorothy", "Kimberly", "Zoë", "José", "Björn",
    "Chloé", "Søren", "Anaïs", "Renée",
)  # fmt: skip
LAST_NAMES = (
    "Goodwin", "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
    "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson",
    "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez",
    "Thompson", "White", "Harris", "O'Neil", "D'Angelo", "Müller", "Nuñez", "Łukasiewicz",
    "van der Berg",
)  # fmt: skip
FELONIES = (
    "Animal cruelty", "Arson", "Assault", "Battery", "Bribery", "Burglary",
    "Child abuse", "Conspiracy", "Credit card fraud", "Domestic violence", "Drug trafficking",
    "Embezzlement", "Extortion", "Forgery", "Identity theft", "Kidnapping", "Manslaughter",
    "Money laundering", "Murder", "Perjury", "Robbery", "Tax evasion", "Vandalism",
    "Wire fraud",
)  # fmt: skip
STREET_NAMES = (
    "Decker", "Maple", "Oak", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill",
    "Walnut", "Sunset", "Ridge", "Jackson", "Franklin", "Highland", "Willow", "Church",
    "Mill", "Park", "River",
)  # fmt: skip
STREET_SUFFIXES = (
    "Neck", "Street", "Avenue", "Lane", "Road", "Drive", "Court", "Way", "Place",
    "Terrace", "Crossing", "Harbor", "Ports", "Isle", "Mission", "Gardens",
)  # fmt: skip
CITY_STEMS = (
    "Field", "Spring", "Green", "Clay", "Ash", "Rock", "Fair", "Glen", "Bright", "Oak",
    "Stone", "Mill", "West", "North", "Lake",
)  # fmt: skip
CITY_SUFFIXES = ("sborough", "ville", "ton", "field", "burgh", "haven", "port", " City")
STATES = (
    "AL", "AZ", "CA", "CO", "FL", "GA", "IL", "LA", "MA", "MI", "MN", "NC", "NJ", "NY",
    "OH", "OR", "PA", "TX", "VA", "WA",
)  # fmt: skip
FIRST_ENTRY = datetime.datetime(1960, 1, 1)
LAST_ENTRY = datetime.datetime(2017, 12, 31)


@dataclass(frozen=True)
class CriminalRecord:
    """One row, every value as the text PostgreSQL shows it (None for NULL)."""

    id: int
    name: str
    felony: str | None
    ssn: str
    home_address: str | None
    entry: str | None
    """A ``timestamp without time zone``, e.g. ``1975-06-19 00:00:00``."""
    city: str | None
    status: str

    def values(self) -> tuple[str | None, ...]:
        """The row's values as text, in the order of COLUMNS."""
        return tuple(None if value is None else str(value) for value in astuple(self))


def alive_ssns(records: list[CriminalRecord]) -> list[str]:
    """The ssn of every alive record, in table order: the answer."""
    return [record.ssn for record in records if record.status == ALIVE]


def random_records(rng: random.Random) -> list[CriminalRecord]:
    """A table of MIN_ROWS to MAX_ROWS records, ids ascending (a few gaps), ssns unique."""
    count = rng.randint(MIN_ROWS, MAX_ROWS)
    # Rows that carry what a dump must escape, and one of each status, so that every table
    # tests a reader on them: distinct rows, so that none overrides another.
    tricky = rng.sample(range(count), len(TRICKY_ADDRESSES) + len(STATUSES))
    forced_address = dict(zip(tricky, TRICKY_ADDRESSES, strict=False))
    forced_status = dict(zip(tricky[len(TRICKY_ADDRESSES) :], STATUSES, strict=True))
    records: list[CriminalRecord] = []
    used_ssns: set[str] = set()
    next_id = 1
    for index in range(count):
        ssn = random_ssn(rng)
        while ssn in used_ssns:
            ssn = random_ssn(rng)
        used_ssns.add(ssn)
        make_address = forced_address.get(index)
        records.append(
            CriminalRecord(
                id=next_id,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                felony=_maybe(rng, felony),
                ssn=ssn,
                home_address=make_address(rng) if make_address else _maybe(rng, address_line),
                entry=_maybe(rng, entry_time),
                city=_maybe(rng, city_line),
                status=forced_status.get(index) or rng.choices(STATUSES, STATUS_WEIGHTS)[0],
            )
        )
        next_id += 2 if rng.random() < 0.05 else 1  # a deleted row now and then
    return records


def random_ssn(rng: random.Random) -> str:
    """``NNN-NN-NNNN`` as issued: area 001-899 but 666, group 01-99, serial 0001-9999."""
    area = rng.randint(1, 898)
    if area >= 666:
        area += 1
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def address_line(rng: random.Random) -> str:
    street = f"{rng.randint(1, 99999)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_SUFFIXES)}"
    if rng.random() < 0.4:
        street += f" {rng.choice(('Suite', 'Apt.'))} {rng.randint(1, 999):03d}"
    return street


def city_line(rng: random.Random) -> str:
    city = rng.choice(CITY_STEMS) + rng.choice(CITY_SUFFIXES)
    return f"{city}, {rng.choice(STATES)} {rng.randint(501, 99950):05d}"


def entry_time(rng: random.Random) -> str:
    span = int((LAST_ENTRY - FIRST_ENTRY).total_seconds())
    moment = FIRST_ENTRY + datetime.timedelta(seconds=rng.randrange(span))
    if rng.random() < 0.7:  # most entries are dates stored as midnight, as hackattic's
        moment = moment.replace(hour=0, minute=0, second=0)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def felony(rng: random.Random) -> str:
    return rng.choice(FELONIES)


def _unit(rng: random.Random) -> str:
    return f"{rng.choice(('Suite', 'Apt.', 'Unit'))} {rng.randint(1, 999)}"


TRICKY_ADDRESSES: tuple[Callable[[random.Random], str | None], ...] = (
    lambda rng: f"{address_line(rng)}\n{_unit(rng)}",  # two lines
    lambda rng: f"{address_line(rng)}\r\n{_unit(rng)}",  # two lines, typed on Windows
    lambda rng: f"{address_line(rng)}\t{_unit(rng)}",
    lambda rng: f"{rng.randint(1, 99)}\\{rng.randint(1, 9)} {rng.choice(STREET_NAMES)} Street",
    lambda rng: "\\N",  # the NULL marker as text: not NULL
    lambda rng: None,
)
"""Home addresses a dump writes escaped (or as ``\\N``): one row each, every table."""


def _maybe(rng: random.Random, make: Callable[[random.Random], str]) -> str | None:
    return None if rng.random() < NULL_RATE else make(rng)

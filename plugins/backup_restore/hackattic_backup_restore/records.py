"""The sandbox's criminal records: random rows of ``public.criminal_records``, two breadths.

:func:`hackattic_records` (the default) are shaped on the rows of real hackattic dumps
(``4 | James Cortez Jr. | Larceny | 166-43-8046 | 17098 Alexander Trace Apt. 450 |
1999-10-24 00:00:00 | East Kelseyside, MP 61069-1034 | alive``): ids 1 to N with no gap,
every column filled, ASCII only, nothing that COPY must escape, the ten felonies seen,
US-style addresses (military ones too) and dates at midnight.

:func:`wide_records` (``-o breadth=wide``) test a reader's breadth: every table has home
addresses with a newline, a carriage return, a tab, a backslash and a literal ``\\N``,
NULLs in the optional columns, non-ASCII names, and gaps in the ids.
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

MIN_ROWS = 68
MAX_ROWS = 90
"""The facts file says 70 to 90 rows; public real dumps hold 68, 69, 72, 73, 79, 81, 85."""
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


def wide_records(rng: random.Random) -> list[CriminalRecord]:
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


# ---- the default: shaped on real hackattic dumps ------------------------------------------

REAL_FELONIES = (
    "Animal cruelty", "Arson", "Burglary", "Check fraud", "Larceny", "Manslaughter",
    "Obstruction of justice", "Perjury", "Tax evasion", "Vehicular homicide",
)  # fmt: skip
"""Every felony seen in real dumps (the column is varchar(30))."""
REAL_FIRST_NAMES = (
    "Brianna", "Johnny", "Nathan", "James", "Holly", "Elizabeth", "Morgan", "Linda", "Cheryl",
    "Kerri", "Jason", "Lawrence", "Christopher", "Pamela", "Steven", "Nicole", "Sarah",
    "Anthony", "Amanda", "Matthew", "April", "Jon", "Phillip", "Nancy", "Chelsea", "Kyle",
    "Jerry", "Lauren", "Brian", "Shelley", "Ryan", "Thomas", "Daniel", "Samuel", "Michele",
    "Karen", "Ellen", "Katherine", "Summer", "Jared", "Lacey", "Stephen", "Jennifer",
    "Brenda", "Kelly", "Eric", "Amy", "Jill", "Robert", "David", "Kristen", "Dennis", "Anna",
    "Troy", "John", "Gina", "Debra", "Michelle", "Robin", "Barbara", "Mia", "William",
)  # fmt: skip
REAL_LAST_NAMES = (
    "Garcia", "Owens", "Ellis", "Cortez", "Clark", "Johnson", "Baker", "Stephens", "Lam",
    "Allen", "Ramirez", "Norton", "Palmer", "Collins", "Shelton", "Wright", "Anderson",
    "Jones", "Lawrence", "Nicholson", "Cunningham", "Fox", "Herman", "Sutton", "Rose",
    "Mclean", "Parker", "Huber", "Barnes", "Moreno", "Porter", "Knight", "Townsend",
    "Steele", "Foster", "Peterson", "Kelly", "Herrera", "Pierce", "Bullock", "Vega",
    "Thompson", "Henderson", "Ward", "Mcguire", "Randall", "Sandoval", "Browning", "Silva",
    "James", "Martin", "Romero", "Gould", "Adams", "Coleman", "Arnold", "Schroeder",
    "Richards", "Patterson", "Campbell", "Cisneros", "Griffith", "Armstrong", "Holt",
)  # fmt: skip
NAME_PREFIXES = ("Mr.", "Mrs.", "Ms.", "Dr.", "Miss")
NAME_SUFFIXES = ("Jr.", "II", "III", "IV", "PhD", "MD", "DDS", "DVM", "Sr.")
REAL_STREET_SUFFIXES = (
    "Plains", "Land", "Route", "Trace", "Lane", "Tunnel", "Rapids", "Drive", "Vista",
    "Turnpike", "Bridge", "Lakes", "Greens", "Point", "Lodge", "Canyon", "Bypass", "Loop",
    "Roads", "Crest", "Village", "Mill", "Walk", "Glens", "Branch", "Ford", "Stream",
    "Mountain", "Cliffs", "Centers", "Burgs", "Alley", "Drives", "Orchard", "Shoal",
    "Springs", "Mall", "Cove", "Park", "Parkway", "Island", "Knolls", "Forest", "Throughway",
    "Fork", "Coves", "Prairie", "Terrace", "Road", "Mission", "Gardens", "Ways", "Knoll",
)  # fmt: skip
CITY_PREFIXES = ("North", "East", "West", "South", "New", "Lake", "Port")
REAL_CITY_SUFFIXES = (
    "bury", "burgh", "side", "mouth", "stad", "furt", "ton", "shire", "land", "ville",
    "chester", "haven", "port", "fort", "borough", "view", "town", "berg",
)  # fmt: skip
REAL_STATES = (
    "AK", "AL", "AR", "AS", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "FM", "GA", "GU", "HI",
    "IA", "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MH", "MI", "MN", "MO", "MP",
    "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA", "PR",
    "PW", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VI", "VT", "WA", "WI", "WV", "WY",
)  # fmt: skip
"""States and territories, as the real dumps' cities use them (FM, MP, PW... included)."""
MILITARY_RATE = 0.08
"""How often an address is a military one (``USS James`` / ``FPO AP 93831``), as seen."""
FIRST_REAL_ENTRY = datetime.date(1970, 1, 1)
LAST_REAL_ENTRY = datetime.date(2024, 12, 31)


def hackattic_records(rng: random.Random) -> list[CriminalRecord]:
    """A table of MIN_ROWS to MAX_ROWS records as real dumps hold: ids 1 to N, ssns unique,
    no NULL, ASCII only, nothing COPY escapes, and at least one row of each status."""
    count = rng.randint(MIN_ROWS, MAX_ROWS)
    forced_status = dict(zip(rng.sample(range(count), len(STATUSES)), STATUSES, strict=True))
    records: list[CriminalRecord] = []
    used_ssns: set[str] = set()
    for index in range(count):
        ssn = random_ssn(rng)
        while ssn in used_ssns:
            ssn = random_ssn(rng)
        used_ssns.add(ssn)
        home_address, city = _real_address(rng)
        records.append(
            CriminalRecord(
                id=index + 1,
                name=_real_name(rng),
                felony=rng.choice(REAL_FELONIES),
                ssn=ssn,
                home_address=home_address,
                entry=_real_entry(rng),
                city=city,
                status=forced_status.get(index) or rng.choice(STATUSES),
            )
        )
    return records


def _real_name(rng: random.Random) -> str:
    name = f"{rng.choice(REAL_FIRST_NAMES)} {rng.choice(REAL_LAST_NAMES)}"
    roll = rng.random()
    if roll < 0.05:
        return f"{rng.choice(NAME_PREFIXES)} {name}"
    if roll < 0.10:
        return f"{name} {rng.choice(NAME_SUFFIXES)}"
    if roll < 0.12:
        return f"{rng.choice(NAME_PREFIXES)} {name} {rng.choice(NAME_SUFFIXES)}"
    return name


def _zip_code(rng: random.Random) -> str:
    code = f"{rng.randint(501, 99950):05d}"
    return f"{code}-{rng.randint(1, 9999):04d}" if rng.random() < 0.4 else code


def _real_address(rng: random.Random) -> tuple[str, str]:
    """(home_address, city): a street address and ``City, ST 12345[-6789]``, or a military
    one (``USNV Perez`` / ``FPO AE 17535``, ``PSC 5347, Box 5505`` / ``APO AP 92366``)."""
    if rng.random() < MILITARY_RATE:
        region = rng.choice(("AA", "AE", "AP"))
        if rng.random() < 0.5:
            ship = f"{rng.choice(('USS', 'USNS', 'USNV', 'USCGC'))} {rng.choice(REAL_LAST_NAMES)}"
            return ship, f"FPO {region} {_zip_code(rng)}"
        box = f"PSC {rng.randint(1000, 9999)}, Box {rng.randint(1000, 9999)}"
        return box, f"APO {region} {_zip_code(rng)}"
    number = str(rng.randint(0, 99999)).zfill(rng.choice((3, 4, 5)))
    namer = rng.choice((REAL_LAST_NAMES, REAL_FIRST_NAMES))
    street = f"{number} {rng.choice(namer)} {rng.choice(REAL_STREET_SUFFIXES)}"
    if rng.random() < 0.4:
        street += f" {rng.choice(('Apt.', 'Suite'))} {rng.randint(0, 999):03d}"
    stem = rng.choice((*REAL_LAST_NAMES, *REAL_FIRST_NAMES))
    if rng.random() < 0.3:
        city = f"{rng.choice(CITY_PREFIXES)} {stem}"
        if rng.random() < 0.5:
            city += rng.choice(REAL_CITY_SUFFIXES)
    else:
        city = stem + rng.choice(REAL_CITY_SUFFIXES)
    return street, f"{city}, {rng.choice(REAL_STATES)} {_zip_code(rng)}"


def _real_entry(rng: random.Random) -> str:
    days = (LAST_REAL_ENTRY - FIRST_REAL_ENTRY).days
    day = FIRST_REAL_ENTRY + datetime.timedelta(days=rng.randrange(days + 1))
    return f"{day.isoformat()} 00:00:00"

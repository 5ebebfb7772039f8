"""Country names to ISO 3166 alpha-2 codes: informal names, ISO names, and never a guess."""

from __future__ import annotations

import subprocess
import sys

import pycountry
import pytest
from hackattic_tales_of_ssl.countries import INFORMAL_NAMES, country_code, normalise
from hackattic_tales_of_ssl.emulation import COUNTRIES

from hackattic_core import SolverError


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Cocos Islands", "CC"),
        ("Keeling Islands", "CC"),
        ("Christmas Island", "CX"),
        ("Tokelau Islands", "TK"),
        ("Sint Maarten", "SX"),
    ],
)
def test_the_informal_names_hackattic_sends(name: str, code: str) -> None:
    assert country_code(name) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Germany", "DE"),  # name
        ("Cocos (Keeling) Islands", "CC"),
        ("Sint Maarten (Dutch part)", "SX"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),  # official name
        ("Czech Republic", "CZ"),  # official name, the name being Czechia
        ("Bolivia", "BO"),  # common name
        ("Iran, Islamic Republic of", "IR"),
        ("DE", "DE"),
        ("deu", "DE"),
    ],
)
def test_iso_names_and_codes(name: str, code: str) -> None:
    assert country_code(name) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("  cocos   ISLANDS ", "CC"),
        ("COCOS ISLANDS", "CC"),
        ("The Gambia", "GM"),
        ("the Netherlands", "NL"),
        ("Reunion", "RE"),  # Réunion
        ("cote d’ivoire", "CI"),  # Côte d'Ivoire, a typographic apostrophe
        ("St. Lucia", "LC"),
        ("Guinea Bissau", "GW"),
        ("Trinidad & Tobago", "TT"),
    ],
)
def test_case_blanks_accents_punctuation_and_the_do_not_matter(name: str, code: str) -> None:
    assert country_code(name) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Iran", "IR"),  # Iran, Islamic Republic of
        ("Falkland Islands", "FK"),  # Falkland Islands (Malvinas)
        ("Saint Martin", "MF"),  # Saint Martin (French part)
        ("Bonaire", "BQ"),  # Bonaire, Sint Eustatius and Saba
        ("Congo", "CG"),  # ISO's "Congo"; not "Congo, The Democratic Republic of the"
    ],
)
def test_iso_names_without_their_qualifier(name: str, code: str) -> None:
    assert country_code(name) == code


@pytest.mark.parametrize(("name", "codes"), [("Korea", "KP or KR"), ("Virgin Islands", "VG or VI")])
def test_a_short_form_of_two_countries_is_refused_naming_both(name: str, codes: str) -> None:
    with pytest.raises(SolverError) as caught:
        country_code(name)
    assert str(caught.value) == f'ambiguous country "{name}": it could be {codes}'


@pytest.mark.parametrize("name", ["Atlantis", "Cocos", "Islands", "Germanyy", "England"])
def test_an_unknown_name_is_a_one_line_solver_error_naming_it(name: str) -> None:
    with pytest.raises(SolverError) as caught:
        country_code(name)
    assert str(caught.value) == (
        f'unknown country "{name}": not an ISO 3166 name nor a known informal one'
    )
    assert caught.value.exit_code == 4


def test_every_iso_name_is_its_own_country() -> None:
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name", "alpha_3"):
            value = getattr(country, attribute, None)
            if value:
                assert country_code(value) == country.alpha_2, (attribute, value)


def test_the_informal_table_holds_valid_codes_and_clean_names() -> None:
    for name, code in INFORMAL_NAMES.items():
        assert pycountry.countries.get(alpha_2=code) is not None, name
        assert normalise(name), name


def test_every_name_the_emulation_sends_resolves_to_the_code_it_expects() -> None:
    for name, code in COUNTRIES.items():
        assert country_code(name) == code, name


def test_importing_the_challenge_loads_neither_pycountry_nor_cryptography() -> None:
    # `hackattic list` imports every challenge module: it must stay cheap.
    script = (
        "import sys, hackattic_tales_of_ssl.challenge\n"
        "print(sorted(m for m in ('pycountry', 'cryptography') if m in sys.modules))"
    )
    output = subprocess.run(  # noqa: S603 - our own command and arguments
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"

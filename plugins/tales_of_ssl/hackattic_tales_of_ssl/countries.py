"""A country's informal English name to its ISO 3166-1 alpha-2 code, never by guessing.

hackattic names countries informally ("Cocos Islands", "Sint Maarten"), which a plain ISO
lookup misses. A name is looked up, after :func:`normalise`, in this order:

1. :data:`INFORMAL_NAMES`, a short table of names known to be used or beyond doubt;
2. pycountry's exact names: ``name``, ``official_name``, ``common_name`` and the alpha-2
   and alpha-3 codes;
3. the ISO names' short forms: without a parenthesised part ("Cocos (Keeling) Islands" →
   "Cocos Islands") or cut at the comma ("Iran, Islamic Republic of" → "Iran"), kept only
   when they belong to one country ("Korea" is both KP and KR, so it matches nothing).

There is deliberately no fuzzy matching: a certificate for the wrong country is worse than
a clear error, and pycountry's ``search_fuzzy`` also matches subdivisions and substrings.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from hackattic_core import SolverError

INFORMAL_NAMES: dict[str, str] = {
    # Seen in hackattic's problems.
    "Cocos Islands": "CC",
    "Keeling Islands": "CC",
    "Christmas Island": "CX",
    "Tokelau Islands": "TK",
    "Sint Maarten": "SX",
    # Former or everyday names that ISO 3166 no longer or never carried.
    "UK": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "Russia": "RU",
    "Turkey": "TR",
    "Ivory Coast": "CI",
    "Cape Verde": "CV",
    "Swaziland": "SZ",
    "Burma": "MM",
    "East Timor": "TL",
    "Macedonia": "MK",
    "Macau": "MO",
    "Vatican": "VA",
    "Vatican City": "VA",
    "Brunei": "BN",
    "Holland": "NL",
    "Pitcairn Islands": "PN",
    "Wallis and Futuna Islands": "WF",
    "US Virgin Islands": "VI",
    "Democratic Republic of the Congo": "CD",
    "DR Congo": "CD",
    "Republic of the Congo": "CG",
}
"""Informal name → alpha-2 code; these take precedence over everything else."""

_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")
_PARENTHESISED = re.compile(r"\([^)]*\)")


def normalise(name: str) -> str:
    """``name`` compared loosely: no accents, case, punctuation, leading "the" or "St."."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = _NOT_ALPHANUMERIC.sub(" ", plain.casefold().replace("&", " and ")).split()
    if words[:1] == ["the"]:
        words = words[1:]
    # "St Lucia", "St. Kitts and Nevis": every country ISO names with "Saint" spells it out.
    return " ".join("saint" if word == "st" else word for word in words)


def _short_forms(iso_name: str) -> set[str]:
    """The forms of an ISO name without its qualifier: "(Dutch part)", ", Republic of"."""
    forms = {" ".join(_PARENTHESISED.sub(" ", iso_name).split())}
    if "," in iso_name:
        forms.add(iso_name.split(",", 1)[0])
    return {normalise(form) for form in forms if form}


@functools.cache
def _index() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Normalised name → code, and the short forms that belong to several countries."""
    # Imported here: pycountry's database is large and `hackattic list` must stay fast.
    import pycountry

    exact: dict[str, set[str]] = {}
    short: dict[str, set[str]] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for attribute in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                exact.setdefault(normalise(value), set()).add(code)
        for form in _short_forms(country.name):
            short.setdefault(form, set()).add(code)

    codes: dict[str, str] = {}
    ambiguous: dict[str, frozenset[str]] = {}
    # Later tiers never override earlier ones: a short form that is another country's
    # exact name ("Congo") means that country.
    for tier in (short, exact):
        for key, candidates in tier.items():
            if len(candidates) == 1:
                codes[key] = next(iter(candidates))
                ambiguous.pop(key, None)
            else:
                codes.pop(key, None)
                ambiguous[key] = frozenset(candidates)
    codes.update({normalise(name): code for name, code in INFORMAL_NAMES.items()})
    return codes, ambiguous


def country_code(name: str) -> str:
    """The ISO 3166-1 alpha-2 code of ``name``, or a :class:`SolverError` naming it."""
    key = normalise(name)
    codes, ambiguous = _index()
    if key in codes:
        return codes[key]
    if key in ambiguous:
        candidates = " or ".join(sorted(ambiguous[key]))
        raise SolverError(f'ambiguous country "{name}": it could be {candidates}')
    raise SolverError(f'unknown country "{name}": not an ISO 3166 name nor a known informal one')

"""Problem records: validated as the service's, indexed as DNS names are."""

from __future__ import annotations

import pytest
from hackattic_serving_dns.challenge import ServingDnsProblem
from hackattic_serving_dns.records import DnsRecord, Zone, labels_of
from pydantic import ValidationError


def _record(name: str, rtype: str, data: str) -> DnsRecord:
    return DnsRecord.model_validate({"name": name, "type": rtype, "data": data})


def test_a_problem_like_hackattics_is_read() -> None:
    problem = ServingDnsProblem.model_validate(
        {
            "records": [
                {"name": "ns.example.com", "type": "A", "data": "192.0.2.1"},
                {"name": "v6.example.com", "type": "AAAA", "data": "100::1:2:3:4"},
                {"name": "who.example.com", "type": "RP", "data": "admin.example.com"},
                {"name": "*.wild.example.com", "type": "TXT", "data": "some text here"},
            ],
            "extra": "ignored",
        }
    )
    assert [r.type for r in problem.records] == ["A", "AAAA", "RP", "TXT"]
    assert problem.records[3].is_wildcard


@pytest.mark.parametrize(
    ("name", "rtype", "data", "field"),
    [
        ("a.example.com", "A", "300.1.1.1", "IPv4"),
        ("a.example.com", "A", "::1", "IPv4"),
        ("a.example.com", "AAAA", "1.2.3.4", "IPv6"),
        ("a.example.com", "RP", "not a name!", "domain"),
        ("a.example.com", "MX", "mail.example.com", "type"),
        ("a..example.com", "A", "1.2.3.4", "domain"),
        ("a.*.example.com", "A", "1.2.3.4", "domain"),
        ("x" * 64 + ".com", "A", "1.2.3.4", "domain"),
        ("a.example.com", "TXT", "t" * 5000, "data"),
    ],
)
def test_bad_records_are_refused(name: str, rtype: str, data: str, field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        _record(name, rtype, data)


def test_names_compare_case_insensitively_without_the_root() -> None:
    assert (
        labels_of("WWW.Example.COM.") == labels_of("www.example.com") == ("www", "example", "com")
    )
    assert labels_of(".") == ()


def test_lookup_exact_wildcard_empty_and_missing() -> None:
    zone = Zone.of(
        [
            _record("a.example.com", "A", "192.0.2.1"),
            _record("*.wild.example.com", "TXT", "hi"),
            _record("real.wild.example.com", "A", "192.0.2.2"),
            _record("deep.sub.example.com", "A", "192.0.2.3"),
        ]
    )

    def types(name: str) -> list[str] | None:
        found = zone.lookup(labels_of(name))
        return None if found is None else [r.type for r in found]

    assert types("A.example.com") == ["A"]
    assert types("woot.wild.example.com") == ["TXT"]
    assert types("x.y.wild.example.com") == ["TXT"]  # RFC 4592: deeper names too
    assert types("real.wild.example.com") == ["A"]  # an existing name wins over the wildcard
    assert types("x.real.wild.example.com") is None  # …and blocks it below itself
    assert types("sub.example.com") == []  # an empty non-terminal exists
    assert types("example.com") == []
    assert types("nothing.example.com") is None
    assert types("wild.example.com") == []  # the wildcard's parent exists, with no data
    assert types("example.org") is None

"""Queries in, answers out, on the wire, parsed back with dnspython (not the server's dnslib)."""

from __future__ import annotations

import struct

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype
import pytest
from hackattic_serving_dns.records import DnsRecord, Zone
from hackattic_serving_dns.resolver import Answered, Resolver

RECORDS = [
    {"name": "a.example.com", "type": "A", "data": "192.0.2.1"},
    {"name": "a.example.com", "type": "AAAA", "data": "100::dead:beef"},
    {"name": "rp.example.com", "type": "RP", "data": "hostmaster.example.com"},
    {"name": "*.wild.example.com", "type": "TXT", "data": "v=spf1 -all"},
    {"name": "long.example.com", "type": "TXT", "data": "x" * 3000},
]


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(Zone.of([DnsRecord.model_validate(r) for r in RECORDS]))


def _ask(
    resolver: Resolver, name: str, rtype: str, *, udp: bool = True, **kw: object
) -> dns.message.Message:
    query = dns.message.make_query(name, rtype, **kw)  # type: ignore[arg-type]
    wire = resolver.answer(query.to_wire(), udp=udp)
    assert wire is not None
    answer = dns.message.from_wire(wire)
    assert answer.id == query.id
    return answer


def test_each_type_is_answered_authoritatively_without_recursion(resolver: Resolver) -> None:
    for name, rtype, text in [
        ("a.example.com", "A", "192.0.2.1"),
        ("A.EXAMPLE.COM", "AAAA", "100::dead:beef"),
        ("rp.example.com", "RP", "hostmaster.example.com. ."),
        ("woot.wild.example.com", "TXT", '"v=spf1 -all"'),
    ]:
        answer = _ask(resolver, name, rtype)
        assert answer.rcode() == dns.rcode.NOERROR
        assert answer.flags & dns.flags.AA
        assert not answer.flags & dns.flags.RA
        assert answer.flags & dns.flags.RD  # copied from the query, never acted on
        (rrset,) = answer.answer
        assert rrset.name.to_text().lower() == name.lower() + "."  # the queried name
        assert [r.to_text() for r in rrset] == [text]


def test_any_returns_every_record_of_the_name(resolver: Resolver) -> None:
    answer = _ask(resolver, "a.example.com", "ANY")
    assert sorted(dns.rdatatype.to_text(r.rdtype) for r in answer.answer) == ["A", "AAAA"]


def test_names_not_served_are_nxdomain_and_missing_types_nodata(resolver: Resolver) -> None:
    assert _ask(resolver, "www.google.com", "A").rcode() == dns.rcode.NXDOMAIN
    assert _ask(resolver, "nope.example.com", "A").rcode() == dns.rcode.NXDOMAIN
    nodata = _ask(resolver, "rp.example.com", "A")
    assert (nodata.rcode(), nodata.answer) == (dns.rcode.NOERROR, [])


def test_a_long_answer_is_truncated_over_udp_and_whole_over_tcp(resolver: Resolver) -> None:
    truncated = _ask(resolver, "long.example.com", "TXT")
    assert truncated.flags & dns.flags.TC
    assert truncated.answer == []
    whole = _ask(resolver, "long.example.com", "TXT", udp=False)
    assert b"".join(whole.answer[0][0].strings) == b"x" * 3000
    # EDNS raises the UDP limit, to 1232 at most: still too small for 3000 bytes.
    edns = _ask(resolver, "long.example.com", "TXT", use_edns=0, payload=4096)
    assert edns.flags & dns.flags.TC


def test_hostile_packets(resolver: Resolver) -> None:
    query = dns.message.make_query("a.example.com", "A")
    wire = query.to_wire()
    assert resolver.answer(b"", udp=True) is None
    assert resolver.answer(b"\x00" * 11, udp=True) is None  # shorter than a header
    assert resolver.answer(wire + b"\x00" * 5000, udp=True) is None  # oversized: dropped
    answer_flag = bytearray(wire)
    answer_flag[2] |= 0x80  # QR: an answer, never answered back (no loops)
    assert resolver.answer(bytes(answer_flag), udp=True) is None

    def rcode_of(packet: bytes) -> int:
        reply = resolver.answer(packet, udp=True)
        assert reply is not None
        return struct.unpack("!H", reply[2:4])[0] & 0xF

    notify = dns.message.make_query("a.example.com", "A")
    notify.set_opcode(dns.opcode.NOTIFY)
    assert rcode_of(notify.to_wire()) == dns.rcode.NOTIMP
    no_question = wire[:4] + b"\x00\x00" + wire[6:12]
    assert rcode_of(no_question) == dns.rcode.FORMERR
    two_questions = wire[:4] + b"\x00\x02" + wire[6:] + wire[12:]
    assert rcode_of(two_questions) == dns.rcode.FORMERR
    assert rcode_of(wire[:12] + b"\xff\xff\xff") == dns.rcode.FORMERR  # a broken name
    pointer_loop = wire[:12] + b"\xc0\x0c\x00\x01\x00\x01"  # a name pointing at itself
    assert rcode_of(pointer_loop) == dns.rcode.FORMERR


def test_the_listener_hears_each_query(resolver: Resolver) -> None:
    heard: list[Answered] = []
    resolver.listener = heard.append
    _ask(resolver, "x.wild.example.com", "TXT")
    _ask(resolver, "nope.example.com", "A")
    assert [(a.qtype, a.rcode, a.answers) for a in heard] == [
        ("TXT", "NOERROR", 1),
        ("A", "NXDOMAIN", 0),
    ]


def test_cached_answers_keep_each_querys_id_and_case(resolver: Resolver) -> None:
    heard: list[Answered] = []
    resolver.listener = heard.append
    first = _ask(resolver, "a.example.com", "A")
    again = _ask(resolver, "a.example.com", "A")  # another ID, the same question
    upper = _ask(resolver, "A.EXAMPLE.COM", "A")  # 0x20: the answer echoes the case
    assert first.id != again.id
    assert first.answer == again.answer
    assert upper.answer[0].name.to_text() == "A.EXAMPLE.COM."
    assert len(heard) == 3  # progress hears cached answers too
    tcp = _ask(resolver, "long.example.com", "TXT", udp=False)
    udp = _ask(resolver, "long.example.com", "TXT")  # the TCP answer is not reused for UDP
    assert not tcp.flags & dns.flags.TC
    assert udp.flags & dns.flags.TC

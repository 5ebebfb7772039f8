"""One DNS query in, one answer out, wire format by dnslib; authoritative only.

The server answers from the problem's records and nothing else: never recursion (RA is 0
and RD is ignored), AA set, NXDOMAIN for a name it does not serve, NOTIMP for opcodes
other than QUERY, FORMERR for a query without exactly one question. A packet that does not
even parse as a DNS header, or is itself an answer, gets no reply (no reply loops). A UDP
answer longer than the client can take (512 bytes, or its EDNS size up to 1232) is sent
truncated (TC) so that the client asks again over TCP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dnslib import (  # type: ignore[import-untyped]
    AAAA,
    OPCODE,
    QTYPE,
    RCODE,
    RP,
    RR,
    TXT,
    A,
    DNSError,
    DNSHeader,
    DNSRecord,
)
from dnslib.buffer import Buffer  # type: ignore[import-untyped]

from .records import DnsRecord, Zone, labels_of

TTL = 300
UDP_DEFAULT_SIZE = 512
UDP_MAX_SIZE = 1232
"""The largest UDP answer sent even when EDNS offers more (the DNS flag day's advice)."""
MAX_QUERY_BYTES = 4096
"""A query is one name and a few options: longer packets are dropped unread."""


@dataclass(frozen=True)
class Answered:
    """What a query asked and how it was answered, for progress and tests."""

    qname: str
    qtype: str
    rcode: str
    answers: int


Listener = Callable[[Answered], None]


def _rdata(record: DnsRecord) -> object:
    if record.type == "A":
        return A(record.data)
    if record.type == "AAAA":
        return AAAA(record.data)
    if record.type == "RP":
        # hackattic's RP: the mailbox is the data as a domain name, the TXT domain the root.
        return RP(record.data.rstrip(".") + ".", ".")
    data = record.data.encode()
    # One character-string holds 255 bytes: a longer text is split (RFC 1035 §3.3.14).
    return TXT([data[i : i + 255] for i in range(0, len(data), 255)] or [b""])


CACHE_ENTRIES = 1024
"""Answers kept (a few MB at most); past this the cache starts over, so a flood of
random names cannot grow it."""


class Resolver:
    """Answers queries from a :class:`Zone`.

    The zone never changes while it serves, so an answer depends only on the query's bytes
    other than its ID (and on UDP or TCP): answers are cached by those, and a repeated
    question costs a dict lookup instead of a dnslib parse and pack.
    """

    def __init__(self, zone: Zone, listener: Listener | None = None) -> None:
        self.zone = zone
        self.listener = listener
        self._cache: dict[tuple[bool, bytes], tuple[bytes | None, Answered | None]] = {}

    def answer(self, packet: bytes, *, udp: bool) -> bytes | None:
        """The answer to ``packet``, or None when it deserves none."""
        if len(packet) > MAX_QUERY_BYTES or len(packet) < 12:
            return None
        key = (udp, packet[2:])
        cached = self._cache.get(key)
        if cached is None:
            cached = self._answer(packet, udp=udp)
            if len(self._cache) >= CACHE_ENTRIES:
                self._cache.clear()
            self._cache[key] = cached
        wire, answered = cached
        if answered is not None and self.listener is not None:
            self.listener(answered)
        return None if wire is None else packet[:2] + wire[2:]

    def _answer(self, packet: bytes, *, udp: bool) -> tuple[bytes | None, Answered | None]:
        try:
            header = DNSHeader.parse(Buffer(packet))
        except (DNSError, ValueError, IndexError):
            return None, None
        if header.qr:
            return None, None  # an answer sent to us: replying could start a loop
        try:
            query = DNSRecord.parse(packet)
        except (DNSError, ValueError, IndexError, UnicodeDecodeError):
            return self._error(header, RCODE.FORMERR), None
        if header.opcode != OPCODE.QUERY:
            return self._error(header, RCODE.NOTIMP), None
        if len(query.questions) != 1:
            return self._error(header, RCODE.FORMERR), None
        reply = self._reply(query)
        answered = Answered(
            str(query.q.qname),
            QTYPE.get(query.q.qtype),
            RCODE.get(reply.header.rcode),
            len(reply.rr),
        )
        wire = bytes(reply.pack())
        limit = _udp_limit(query) if udp else 65535
        if len(wire) > limit:
            reply = self._reply_header(query)
            reply.header.tc = 1
            wire = bytes(reply.pack())
        return wire, answered

    def _reply_header(self, query: DNSRecord) -> DNSRecord:
        reply = DNSRecord(DNSHeader(id=query.header.id, qr=1, aa=1, ra=0, rd=query.header.rd))
        reply.add_question(query.q)
        return reply

    def _reply(self, query: DNSRecord) -> DNSRecord:
        reply = self._reply_header(query)
        question = query.q
        qtype = question.qtype
        owned = None
        if question.qclass in (1, 255):  # IN, ANY
            owned = self.zone.lookup(labels_of(str(question.qname)))
        if owned is None:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        for record in owned:
            rtype = getattr(QTYPE, record.type)
            if qtype in (rtype, QTYPE.ANY):
                # The owner is the queried name itself, also for a wildcard's records.
                reply.add_answer(RR(question.qname, rtype, rdata=_rdata(record), ttl=TTL))
        return reply

    def _error(self, header: DNSHeader, rcode: int) -> bytes:
        reply = DNSRecord(
            DNSHeader(id=header.id, qr=1, aa=1, ra=0, rd=header.rd, opcode=header.opcode)
        )
        reply.header.rcode = rcode
        return bytes(reply.pack())


def _udp_limit(query: DNSRecord) -> int:
    for rr in query.ar:
        if rr.rtype == QTYPE.OPT:
            return max(UDP_DEFAULT_SIZE, min(int(rr.rclass), UDP_MAX_SIZE))
    return UDP_DEFAULT_SIZE

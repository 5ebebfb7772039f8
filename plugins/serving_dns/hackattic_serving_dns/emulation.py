"""The offline sandbox's stand-in for serving_dns: it plays hackattic's side with dnspython.

A problem holds one A, one AAAA (from 100::/64), one RP and one TXT record (plus
``extra_records`` more), one of them on a wildcard name. On the solve request the
emulation queries each record at ``dns_ip``:``dns_port`` over UDP with dnspython (another
library than the solver's dnslib), the wildcard one under a label such as ``woot``, and
compares the answer's data with the record's; with ``-o tcp=true`` it also asks one over
TCP. hackattic asks over UDP only and does not check the header flags: ``-o strict=true``
also wants AA set, RA clear, and RP's TXT domain to be the root. Faults: ``unknown_name``
(a name it does not serve must be NXDOMAIN), ``junk_packets`` (junk and an oversized
datagram first; the server must still answer). It sends only to loopback unless
``allow_remote``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import string
from dataclasses import dataclass
from typing import Any, ClassVar

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
from pydantic import Field

from hackattic_core import Emulation, EmulationConditions, Issued

WILDCARD_LABELS = ("extra", "woot")
"""The labels hackattic was seen to query under a wildcard."""
_WORDS = (
    "amber", "basil", "cedar", "delta", "ember", "fjord", "grove", "haven", "ivory", "jolly",
    "koala", "lunar", "maple", "nova", "orbit", "pixel", "quartz", "river", "solar", "tulip",
)  # fmt: skip


class ServingDnsConditions(EmulationConditions):
    """``-o KEY=VALUE`` or ``HACKATTIC_SANDBOX_SERVING_DNS_<KEY>``."""

    extra_records: int = Field(
        default=0, ge=0, le=1000, description="Records beyond one of each type."
    )
    tcp: bool = Field(default=False, description="Also ask one record over TCP.")
    strict: bool = Field(
        default=False, description="Also check AA, RA and RP's TXT domain (hackattic does not)."
    )
    timeout: float = Field(
        default=3.0, gt=0, le=60, allow_inf_nan=False, description="Seconds for each answer."
    )
    allow_remote: bool = Field(
        default=False, description="Query a dns_ip off loopback (default: refuse)."
    )


@dataclass(frozen=True)
class Probe:
    """One query to make and what its answer must hold."""

    qname: str
    type: str
    data: str | None
    """None: the name is not served (NXDOMAIN expected)."""


@dataclass
class DnsState:
    records: list[dict[str, str]]
    probes: list[Probe]


class ServingDnsEmulation(Emulation[ServingDnsConditions, DnsState]):
    conditions_model = ServingDnsConditions
    faults: ClassVar[dict[str, str]] = {
        "unknown_name": "also asks a name that is not served (expects NXDOMAIN)",
        "junk_packets": "sends junk and a 64 KiB datagram first (the server must go on)",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queries = 0

    async def new_problem(self) -> Issued[DnsState]:
        rng = self.env.rng
        c: ServingDnsConditions = self.env.conditions
        domain = f"{rng.choice(_WORDS)}-{rng.choice(_WORDS)}{rng.randint(1, 999)}.com"
        types = ["A", "AAAA", "RP", "TXT"] + [
            rng.choice(["A", "AAAA", "RP", "TXT"]) for _ in range(c.extra_records)
        ]
        wildcard_at = rng.randrange(len(types))
        records: list[dict[str, str]] = []
        probes: list[Probe] = []
        used: set[str] = set()
        for index, rtype in enumerate(types):
            label = f"{rng.choice(_WORDS)}{index}"
            while label in used:
                label += "x"
            used.add(label)
            data = self._data(rtype, domain)
            if index == wildcard_at:
                name = f"*.{label}.{domain}"
                qname = f"{rng.choice(WILDCARD_LABELS)}.{label}.{domain}"
            else:
                name = qname = f"{label}.{domain}"
            records.append({"name": name, "type": rtype, "data": data})
            probes.append(Probe(qname, rtype, data))
        if self.env.has_fault("unknown_name"):
            probes.append(Probe(f"nothing-here.{domain}", "A", None))
        rng.shuffle(probes)
        return Issued(problem={"records": records}, state=DnsState(records, probes))

    def _data(self, rtype: str, domain: str) -> str:
        rng = self.env.rng
        if rtype == "A":
            return str(ipaddress.IPv4Address(rng.randint(0x01000000, 0xDFFFFFFF)))
        if rtype == "AAAA":
            return str(ipaddress.IPv6Address((0x100 << 112) | rng.getrandbits(64)))
        if rtype == "RP":
            return f"{rng.choice(_WORDS)}.{rng.choice(_WORDS)}.{domain}"
        alphabet = string.ascii_letters + string.digits + " "
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(16, 64))).strip() or "txt"

    async def check(self, issued: Issued[DnsState], solution: dict[str, Any]) -> str | None:
        c: ServingDnsConditions = self.env.conditions
        ip, port = solution.get("dns_ip"), solution.get("dns_port")
        if not isinstance(ip, str):
            return "missing field 'dns_ip' (an IPv4 address as a string)"
        try:
            address = ipaddress.IPv4Address(ip)
        except ValueError:
            return f"dns_ip {ip!r} is not an IPv4 address"
        if type(port) is not int or not 0 < port < 65536:
            return f"dns_port {port!r} is not a port number"
        if not address.is_loopback and not c.allow_remote:
            return (
                f"dns_ip {ip} is not on loopback: the sandbox queries only this machine "
                "(-o allow_remote=true to allow it)"
            )
        if self.env.has_fault("junk_packets"):
            await _send_junk(ip, port)
        probes = issued.state.probes
        for index, probe in enumerate(probes):
            tcp = c.tcp and index == 0
            problem = await self._ask(probe, ip, port, tcp=tcp)
            if problem is not None:
                return problem
        return None

    async def _ask(self, probe: Probe, ip: str, port: int, *, tcp: bool) -> str | None:
        c: ServingDnsConditions = self.env.conditions
        rdtype = dns.rdatatype.from_text(probe.type)
        query = dns.message.make_query(probe.qname, rdtype)
        via = "TCP" if tcp else "UDP"
        what = f"{probe.type} {probe.qname} over {via}"
        try:
            if tcp:
                answer = await dns.asyncquery.tcp(query, ip, timeout=c.timeout, port=port)
            else:
                answer = await dns.asyncquery.udp(
                    query, ip, timeout=c.timeout, port=port, ignore_trailing=True
                )
        except dns.exception.Timeout:
            return f"{what}: no answer within {c.timeout:g} s"
        except (dns.exception.DNSException, OSError) as exc:
            return f"{what}: {type(exc).__name__}: {exc}"
        self.queries += 1
        rcode = answer.rcode()
        if probe.data is None:
            if rcode != dns.rcode.NXDOMAIN:
                got = dns.rcode.to_text(rcode)
                return f"{what}: expected NXDOMAIN for a name not served, got {got}"
            return None
        if rcode != dns.rcode.NOERROR:
            return f"{what}: {dns.rcode.to_text(rcode)}"
        if c.strict:
            if not answer.flags & dns.flags.AA:
                return f"{what}: the answer is not authoritative (AA clear)"
            if answer.flags & dns.flags.RA:
                return f"{what}: the server offers recursion (RA set)"
        return _compare(what, answer, probe, strict=c.strict)

    def stats(self) -> dict[str, Any]:
        return {"queries": self.queries}


def _compare(what: str, answer: dns.message.Message, probe: Probe, *, strict: bool) -> str | None:
    qname = dns.name.from_text(probe.qname)
    rdtype = dns.rdatatype.from_text(probe.type)
    rrsets = [r for r in answer.answer if r.name == qname and r.rdtype == rdtype]
    if not rrsets or not len(rrsets[0]):
        return f"{what}: no {probe.type} record for that name in the answer"
    assert probe.data is not None
    seen = []
    for rdata in rrsets[0]:
        if _matches(rdata, probe, strict=strict):
            return None
        seen.append(rdata.to_text())
    return f"{what}: got {', '.join(seen)[:200]}, expected {probe.data!r}"


def _matches(rdata: Any, probe: Probe, *, strict: bool) -> bool:
    data = probe.data
    assert data is not None
    if probe.type in ("A", "AAAA"):
        return bool(ipaddress.ip_address(rdata.address) == ipaddress.ip_address(data))
    if probe.type == "RP":
        mailbox_ok = rdata.mbox == dns.name.from_text(data)
        return bool(mailbox_ok and (not strict or rdata.txt == dns.name.root))
    return bool(b"".join(rdata.strings) == data.encode())


async def _send_junk(ip: str, port: int) -> None:
    """Junk datagrams: too short, random header, a query flagged as an answer, 64 KiB."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    try:
        question = dns.message.make_query("junk.example.", "A")
        question.flags |= dns.flags.QR
        for packet in (b"\x00", b"\xff" * 40, question.to_wire(), b"\x00" * 65_000):
            await loop.sock_sendto(sock, packet, (ip, port))
    except OSError:
        pass  # the server's answers matter, not whether the junk got out
    finally:
        sock.close()

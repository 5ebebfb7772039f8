"""The solver's server on real sockets, asked by a second, independent client (dnspython)."""

from __future__ import annotations

import asyncio
import socket
import struct

import dns.asyncquery
import dns.message
import dns.rcode
from hackattic_serving_dns.challenge import ServingDnsChallenge, ServingDnsProblem
from hackattic_serving_dns.records import DnsRecord, Zone
from hackattic_serving_dns.resolver import Resolver
from hackattic_serving_dns.server import serve_dns

PROBLEM = {
    "records": [
        {"name": "host.example.com", "type": "A", "data": "198.51.100.7"},
        {"name": "*.any.example.com", "type": "AAAA", "data": "100::42"},
    ]
}


def test_the_solver_serves_udp_and_tcp_then_closes_both(hackattic_context, taken) -> None:
    async def session() -> tuple[dict[str, object], int]:
        async with hackattic_context(ServingDnsChallenge) as context:
            solution = await ServingDnsChallenge().solve(
                ServingDnsProblem.model_validate(PROBLEM), context
            )
            ip, port = solution.dns_ip, solution.dns_port
            udp = await dns.asyncquery.udp(
                dns.message.make_query("host.example.com", "A"), ip, timeout=5, port=port
            )
            tcp = await dns.asyncquery.tcp(
                dns.message.make_query("woot.any.example.com", "AAAA"), ip, timeout=5, port=port
            )
            nx = await dns.asyncquery.udp(
                dns.message.make_query("example.net", "A"), ip, timeout=5, port=port
            )
            seen = {
                "ip": ip,
                "udp": udp.answer[0][0].to_text(),
                "tcp": tcp.answer[0][0].to_text(),
                "nx": nx.rcode(),
                "taken": taken(port),
            }
        return seen, port

    seen, port = asyncio.run(session())
    assert seen == {
        "ip": "127.0.0.1",
        "udp": "198.51.100.7",
        "tcp": "100::42",
        "nx": dns.rcode.NXDOMAIN,
        "taken": (True, True),
    }
    assert taken(port) == (False, False)


def test_hostile_traffic_leaves_it_answering() -> None:
    resolver = Resolver(Zone.of([DnsRecord.model_validate(r) for r in PROBLEM["records"]]))

    async def attack() -> list[object]:
        async with serve_dns(resolver, "127.0.0.1", 0) as bound:
            address = ("127.0.0.1", bound.port)
            loop = asyncio.get_running_loop()
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.setblocking(False)
                for junk in (b"", b"\x01", b"\xff" * 64, b"\x00" * 60_000):
                    await loop.sock_sendto(sock, junk, address)
            # TCP: a length past the bound closes the connection without reading on.
            reader, writer = await asyncio.open_connection(*address)
            writer.write(struct.pack("!H", 65535) + b"\x00" * 100)
            closed = await reader.read(10)
            writer.close()
            # TCP: several queries on one connection are all answered.
            reader, writer = await asyncio.open_connection(*address)
            for _ in range(3):
                wire = dns.message.make_query("host.example.com", "A").to_wire()
                writer.write(struct.pack("!H", len(wire)) + wire)
            lengths = []
            for _ in range(3):
                (length,) = struct.unpack("!H", await reader.readexactly(2))
                lengths.append(len(await reader.readexactly(length)))
            writer.close()
            after = await dns.asyncquery.udp(
                dns.message.make_query("host.example.com", "A"), "127.0.0.1", 5, port=bound.port
            )
            return [closed, len(set(lengths)), after.answer[0][0].to_text()]

    closed, distinct, after = asyncio.run(attack())
    assert closed == b""
    assert distinct == 1
    assert after == "198.51.100.7"


def test_a_busy_port_is_an_error() -> None:
    resolver = Resolver(Zone())

    async def twice() -> bool:
        async with serve_dns(resolver, "127.0.0.1", 0) as bound:
            try:
                async with serve_dns(resolver, "127.0.0.1", bound.port):
                    return False
            except OSError:
                return True

    assert asyncio.run(twice())

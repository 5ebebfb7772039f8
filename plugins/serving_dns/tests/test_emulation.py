"""The emulation plays hackattic's side: right servers pass, wrong ones are named."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

from hackattic_serving_dns.emulation import ServingDnsEmulation
from hackattic_serving_dns.records import DnsRecord, Zone
from hackattic_serving_dns.resolver import Resolver
from hackattic_serving_dns.server import serve_dns


def _check(emulation: ServingDnsEmulation, change: Any = None, solution: Any = None) -> str | None:
    async def go() -> str | None:
        issued = await emulation.new_problem()
        records = [dict(r) for r in issued.problem["records"]]
        if change is not None:
            change(records)
        zone = Zone.of([DnsRecord.model_validate(r) for r in records])
        async with serve_dns(Resolver(zone), "127.0.0.1", 0) as bound:
            return await emulation.check(
                issued, solution or {"dns_ip": "127.0.0.1", "dns_port": bound.port}
            )

    return asyncio.run(go())


def test_problems_look_like_hackattics(hackattic_emulation) -> None:
    emulation = hackattic_emulation(ServingDnsEmulation, extra_records=2)
    records = asyncio.run(emulation.new_problem()).problem["records"]
    assert len(records) == 6
    assert {r["type"] for r in records} == {"A", "AAAA", "RP", "TXT"}
    assert sum(r["name"].startswith("*.") for r in records) == 1
    for record in records:
        if record["type"] == "AAAA":
            assert ipaddress.IPv6Address(record["data"]) in ipaddress.IPv6Network("100::/64")


def test_a_right_server_passes_strictly_with_tcp_and_faults(hackattic_emulation) -> None:
    emulation = hackattic_emulation(ServingDnsEmulation, tcp=True, strict=True, extra_records=4)
    emulation.env.faults = frozenset({"unknown_name", "junk_packets"})
    assert _check(emulation) is None
    assert emulation.queries == 9  # 8 records and the unknown name


def test_wrong_data_is_named(hackattic_emulation) -> None:
    emulation = hackattic_emulation(ServingDnsEmulation)

    def wrong_txt(records: list[dict[str, str]]) -> None:
        for record in records:
            if record["type"] == "TXT":
                record["data"] += "!"

    reason = _check(emulation, wrong_txt)
    assert reason is not None
    assert reason.startswith("TXT ")
    assert "expected" in reason


def test_a_missing_record_and_a_server_answering_everything(hackattic_emulation) -> None:
    emulation = hackattic_emulation(ServingDnsEmulation)
    reason = _check(emulation, lambda records: records.pop())
    assert reason is not None
    assert "NXDOMAIN" in reason

    emulation.env.faults = frozenset({"unknown_name"})

    def everything(records: list[dict[str, str]]) -> None:
        domain = records[0]["name"].split(".", 1)[1].removeprefix("*.")
        domain = domain.split(".", 1)[1] if records[0]["name"].startswith("*.") else domain
        records.append({"name": f"*.{domain}", "type": "A", "data": "192.0.2.9"})

    reason = _check(emulation, everything)
    assert reason is not None
    assert "expected NXDOMAIN" in reason


def test_bad_solutions_are_named(hackattic_emulation) -> None:
    emulation = hackattic_emulation(ServingDnsEmulation, timeout=0.2)

    async def go() -> list[str | None]:
        issued = await emulation.new_problem()
        return [
            await emulation.check(issued, {"dns_port": 53}),
            await emulation.check(issued, {"dns_ip": "::1", "dns_port": 53}),
            await emulation.check(issued, {"dns_ip": "127.0.0.1", "dns_port": "53"}),
            await emulation.check(issued, {"dns_ip": "198.51.100.1", "dns_port": 53}),
        ]

    missing, ipv6, port, remote = asyncio.run(go())
    assert missing is not None
    assert "dns_ip" in missing
    assert ipv6 is not None
    assert "IPv4" in ipv6
    assert port is not None
    assert "dns_port" in port
    assert remote is not None
    assert "not on loopback" in remote

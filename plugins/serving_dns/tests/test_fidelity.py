"""The sandbox's default problem and queries, as served, set beside the facts file's
description of hackattic's (no real payload was kept): ``{"records": [{"name", "type",
"data"}, …]}`` with types A, AAAA, RP and TXT, AAAA addresses in 100::/64, one wildcard
name queried with a label under it (``extra``, ``woot`` seen), each record asked. A drift
of the emulation shows up here."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from typing import Any

import httpx
from hackattic_serving_dns.records import DnsRecord, Zone
from hackattic_serving_dns.resolver import Answered, Resolver
from hackattic_serving_dns.server import serve_dns

SLUG = "serving_dns"
DOMAIN_NAME = re.compile(r"(\*\.)?([a-z0-9-]+\.)+[a-z]+")


def exchange(hackattic_sandbox: Any) -> tuple[dict[str, Any], list[Answered], dict[str, Any]]:
    """The default problem, the queries hackattic's stand-in asks of a server holding its
    records, and the verdict."""
    asked: list[Answered] = []

    problem = hackattic_sandbox.fetch_problem(SLUG)

    async def run() -> dict[str, Any]:
        base, token = hackattic_sandbox.base_url, hackattic_sandbox.access_token
        async with httpx.AsyncClient(timeout=60) as http:
            zone = Zone.of([DnsRecord.model_validate(r) for r in problem["records"]])
            async with serve_dns(Resolver(zone, asked.append), "127.0.0.1", 0) as bound:
                answer = await http.post(
                    f"{base}/challenges/{SLUG}/solve",
                    params={"access_token": token},
                    json={"dns_ip": "127.0.0.1", "dns_port": bound.port},
                )
        verdict: dict[str, Any] = answer.json()
        return verdict

    verdict = asyncio.run(run())
    return problem, asked, verdict


def test_the_default_problem_and_queries_are_hackattics(hackattic_sandbox: Any) -> None:
    problem, asked, verdict = exchange(hackattic_sandbox)
    assert list(problem) == ["records"]
    records = problem["records"]
    assert all(list(record) == ["name", "type", "data"] for record in records)
    assert all(isinstance(value, str) for record in records for value in record.values())
    assert sorted(record["type"] for record in records) == ["A", "AAAA", "RP", "TXT"]
    assert all(DOMAIN_NAME.fullmatch(record["name"]) for record in records)
    (wildcard,) = [record for record in records if record["name"].startswith("*.")]
    for record in records:
        if record["type"] == "A":
            ipaddress.IPv4Address(record["data"])
        if record["type"] == "AAAA":
            assert ipaddress.IPv6Address(record["data"]) in ipaddress.IPv6Network("100::/64")
        if record["type"] == "RP":
            assert DOMAIN_NAME.fullmatch(record["data"])
    # Each record asked once, by its type; the wildcard under "extra" or "woot".
    assert len(asked) == len(records)
    assert sorted(query.qtype for query in asked) == ["A", "AAAA", "RP", "TXT"]
    under = wildcard["name"][1:]
    assert [q.qname.rstrip(".") for q in asked if q.qname.rstrip(".").endswith(under)] in (
        ["extra" + under],
        ["woot" + under],
    )
    assert verdict["result"].startswith("passed"), verdict

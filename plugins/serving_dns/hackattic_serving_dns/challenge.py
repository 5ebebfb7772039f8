"""The challenge serving_dns: run an authoritative DNS server for the problem's records.

The problem is ``{"records": [{"name", "type", "data"}, …]}``. The solver serves them
(:mod:`.resolver`, :mod:`.server`) on ``HACKATTIC_LISTEN_HOST``:``HACKATTIC_SERVING_DNS_PORT``,
UDP and TCP, and answers ``{"dns_ip", "dns_port"}``: ``HACKATTIC_PUBLIC_HOST`` as an IPv4
address (resolved if it is a name). hackattic queries while the submit is pending; the
runner keeps the server up until the submit's answer and closes it after.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import TYPE_CHECKING

from pydantic import Field

from hackattic_core import (
    Challenge,
    ChallengeSettings,
    Context,
    CostLimitExceeded,
    Problem,
    Solution,
    SolverError,
)

from .records import DnsRecord, Zone

if TYPE_CHECKING:
    from .resolver import Answered


class ServingDnsProblem(Problem):
    records: list[DnsRecord] = Field(min_length=1, max_length=100_000)


class ServingDnsSolution(Solution):
    dns_ip: str
    dns_port: int


class ServingDnsSettings(ChallengeSettings):
    """``HACKATTIC_SERVING_DNS_*``."""

    port: int = Field(
        default=0, ge=0, le=65535, description="UDP and TCP port of the server; 0: a free one."
    )
    max_records: int = Field(
        default=1000, ge=1, le=1_000_000, description="Most records a problem may hold."
    )


async def public_ipv4(host: str) -> str:
    """``host`` as an IPv4 address: itself if it is one, else its first A record."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        if address.version != 4:
            raise SolverError(
                f"HACKATTIC_PUBLIC_HOST {host} is IPv6: hackattic wants an IPv4 address"
            )
        return str(address)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, family=socket.AF_INET, type=socket.SOCK_DGRAM)
    except OSError as exc:
        raise SolverError(f"cannot resolve HACKATTIC_PUBLIC_HOST {host} to IPv4: {exc}") from None
    return str(infos[0][4][0])


class ServingDnsChallenge(Challenge[ServingDnsProblem, ServingDnsSolution, ServingDnsSettings]):
    name = "serving_dns"
    title = "Serving DNS: an authoritative server for A, AAAA, RP and TXT records"
    problem_model = ServingDnsProblem
    solution_model = ServingDnsSolution
    settings_model = ServingDnsSettings
    emulation_class = "hackattic_serving_dns.emulation:ServingDnsEmulation"
    serves = True

    def check_cost(self, problem: ServingDnsProblem, settings: ServingDnsSettings) -> None:
        if len(problem.records) > settings.max_records:
            raise CostLimitExceeded(
                field="records",
                value=len(problem.records),
                limit=settings.max_records,
                setting="HACKATTIC_SERVING_DNS_MAX_RECORDS",
            )

    async def solve(
        self, problem: ServingDnsProblem, context: Context[ServingDnsSettings]
    ) -> ServingDnsSolution:
        # Imported here: `hackattic list` must not load dnslib.
        from .resolver import Resolver
        from .server import serve_dns

        dns_ip = await public_ipv4(context.require_public_host())
        counts = {"queries": 0, "nxdomain": 0}

        def report(answered: Answered) -> None:
            counts["queries"] += 1
            counts["nxdomain"] += answered.rcode == "NXDOMAIN"
            context.progress.update(
                f"DNS: {counts['queries']} queries ({counts['nxdomain']} NXDOMAIN); last "
                f"{answered.qtype} {answered.qname} → {answered.rcode}, {answered.answers} answers"
            )
            context.logger.info("query %s %s: %s", answered.qtype, answered.qname, answered.rcode)

        resolver = Resolver(Zone.of(problem.records), report)
        # Said when the runner closes what was kept open: registered before the server,
        # it runs after the server has closed.
        context.resources.callback(
            lambda: context.progress.done(
                f"DNS server closed after {counts['queries']} queries "
                f"({counts['nxdomain']} NXDOMAIN)"
            )
        )
        bound = await context.keep_open(
            serve_dns(resolver, context.listen_host, context.plugin_settings.port)
        )
        context.progress.update(
            f"serving {len(problem.records)} records on {bound.host} port {bound.port} (UDP, TCP)"
        )
        return ServingDnsSolution(dns_ip=dns_ip, dns_port=bound.port)

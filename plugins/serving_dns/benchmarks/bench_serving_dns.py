"""Benchmark: DNS queries per second answered on one core, ours beside dnslib's DNSServer.

Each server runs in a process of its own pinned to one core (where the OS allows) and
answers the same records; a load generator in this process, on the other core, keeps
``WINDOW`` UDP queries in flight for ``SECONDS`` and counts correct answers. dnslib's
``DNSServer`` with a ``BaseResolver`` subclass is what most public solvers run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time

import dns.message
import dns.rcode

SECONDS = 3.0
WINDOW = 32
RECORDS = [
    {"name": "a.bench.com", "type": "A", "data": "192.0.2.1"},
    {"name": "aaaa.bench.com", "type": "AAAA", "data": "100::1"},
    {"name": "rp.bench.com", "type": "RP", "data": "admin.bench.com"},
    {"name": "*.txt.bench.com", "type": "TXT", "data": "a text record for the benchmark"},
]
QUESTIONS = [
    ("a.bench.com", "A"),
    ("aaaa.bench.com", "AAAA"),
    ("rp.bench.com", "RP"),
    ("woot.txt.bench.com", "TXT"),
]

OURS = """
import asyncio
from hackattic_serving_dns.records import DnsRecord, Zone
from hackattic_serving_dns.resolver import Resolver
from hackattic_serving_dns.server import serve_dns

async def main():
    zone = Zone.of([DnsRecord.model_validate(r) for r in RECORDS])
    async with serve_dns(Resolver(zone), "127.0.0.1", 0) as bound:
        print(bound.port, flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""

DNSLIB = """
import time
from dnslib import RR, QTYPE, A, AAAA, RP, TXT
from dnslib.server import BaseResolver, DNSServer, DNSLogger

class Resolver(BaseResolver):
    def resolve(self, request, handler):
        reply = request.reply()
        qname = str(request.q.qname).rstrip(".")
        for r in RECORDS:
            name = r["name"]
            match = name == qname or (name.startswith("*.") and qname.endswith(name[1:]))
            if match and QTYPE[request.q.qtype] == r["type"]:
                rdata = {"A": A, "AAAA": AAAA, "TXT": TXT}.get(r["type"])
                data = RP(r["data"], ".") if r["type"] == "RP" else rdata(r["data"])
                reply.add_answer(RR(request.q.qname, request.q.qtype, rdata=data, ttl=60))
        return reply

quiet = DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data")
server = DNSServer(Resolver(), port=0, address="127.0.0.1", logger=quiet)
server.start_thread()
print(server.server.server_address[1], flush=True)
while True:
    time.sleep(3600)
"""


def _start(source: str, core: int | None) -> tuple[subprocess.Popen[str], int]:
    code = f"RECORDS = {RECORDS!r}\n" + textwrap.dedent(source)
    prefix = ["taskset", "-c", str(core)] if core is not None else []
    process = subprocess.Popen(
        [*prefix, sys.executable, "-c", code], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, port


def _load(port: int) -> tuple[float, int]:
    """Answers per second with WINDOW queries in flight, and how many answers were wrong."""
    queries = [dns.message.make_query(name, rtype) for name, rtype in QUESTIONS]
    wires = [q.to_wire() for q in queries]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    sock.settimeout(0.5)
    answered = wrong = sent = 0
    deadline = time.perf_counter() + SECONDS
    started = time.perf_counter()
    in_flight = 0
    while time.perf_counter() < deadline:
        while in_flight < WINDOW:
            sock.send(wires[sent % len(wires)])
            sent += 1
            in_flight += 1
        try:
            reply = sock.recv(4096)
        except TimeoutError:
            in_flight = 0  # lost: refill the window
            continue
        in_flight -= 1
        # The header alone (RCODE, ANCOUNT): parsing every answer would load this core.
        if reply[3] & 0x0F == dns.rcode.NOERROR and reply[6:8] != b"\0\0":
            answered += 1
        else:
            wrong += 1
    elapsed = time.perf_counter() - started
    sock.close()
    return answered / elapsed, wrong


def run() -> dict[str, object]:
    pin = hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2
    if pin:
        os.sched_setaffinity(0, {1})  # the load generator on core 1, servers on core 0
    rates = {}
    try:
        for name, source in (("ours", OURS), ("dnslib", DNSLIB)):
            process, port = _start(source, 0 if pin else None)
            try:
                _load(port)  # warm-up
                rates[name] = _load(port)
            finally:
                process.terminate()
                process.wait(10)
    finally:
        if pin:
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    ours, theirs = rates["ours"], rates["dnslib"]
    markdown = "\n".join(
        [
            "| server (one core) | queries/s answered | wrong answers |",
            "| --- | ---: | ---: |",
            f"| **ours** (asyncio UDP, dnslib wire format) | {ours[0]:,.0f} | {ours[1]} |",
            f"| dnslib `DNSServer` + `BaseResolver` (threads) | {theirs[0]:,.0f} | {theirs[1]} |",
        ]
    )
    return {
        "title": f"serving_dns: UDP queries/s on one core ({WINDOW} in flight, {SECONDS:g} s)",
        "markdown": markdown,
        "targets": [
            {
                "name": "queries/s on one core",
                "target": "≥ 2,000 (hackattic asks a handful)",
                "measured": f"{ours[0]:,.0f}",
                "met": ours[0] >= 2000 and ours[1] == 0,
            },
            {
                "name": "beside dnslib's DNSServer",
                "target": "≥ 1.0× its rate",
                "measured": f"{ours[0] / theirs[0]:.2f}×",
                "met": ours[0] >= theirs[0],
            },
        ],
    }


if __name__ == "__main__":
    print(run()["markdown"])

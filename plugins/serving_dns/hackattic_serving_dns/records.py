"""The records of a problem: validated, and indexed by name for the resolver.

hackattic sends ``{"name", "type", "data"}`` with type A, AAAA, RP or TXT; one name may be
a wildcard (``*.example.com``). Names are compared case-insensitively, label by label,
without the root's trailing dot.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_NAME_CHARS = 253
MAX_DATA_CHARS = 4000
"""A TXT record longer than 255 bytes is sent as several character-strings (RFC 1035)."""
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")

RecordType = Literal["A", "AAAA", "RP", "TXT"]
Labels = tuple[str, ...]


def labels_of(name: str) -> Labels:
    """``name``'s labels, lowercased, without the root (``"A.b.".`` → ``("a", "b")``)."""
    stripped = name[:-1] if name.endswith(".") else name
    return tuple(label.lower() for label in stripped.split(".")) if stripped else ()


def check_domain(name: str, *, wildcard: bool) -> str:
    """``name`` if it is a host-style domain name (a leading ``*`` label if ``wildcard``)."""
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"a domain name of {len(name)} characters (at most {MAX_NAME_CHARS})")
    labels = (name[:-1] if name.endswith(".") else name).split(".")
    if wildcard and labels[0] == "*":
        labels = labels[1:]
    if not labels or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{name!r} is not a domain name")
    return name


class DnsRecord(BaseModel):
    """One record to serve."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    type: RecordType
    data: str = Field(max_length=MAX_DATA_CHARS)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_domain(value, wildcard=True)

    @model_validator(mode="after")
    def _data(self) -> DnsRecord:
        kinds = {"A": ipaddress.IPv4Address, "AAAA": ipaddress.IPv6Address}
        if self.type in kinds:
            try:
                kinds[self.type](self.data)
            except ValueError:
                version = "IPv4" if self.type == "A" else "IPv6"
                raise ValueError(
                    f"the data of {self.type} {self.name} is not an {version} address"
                ) from None
        elif self.type == "RP":
            check_domain(self.data, wildcard=False)
        return self

    @property
    def labels(self) -> Labels:
        return labels_of(self.name)

    @property
    def is_wildcard(self) -> bool:
        return self.labels[:1] == ("*",)


@dataclass
class Zone:
    """The records by owner name; answers which records a queried name gets."""

    by_name: dict[Labels, list[DnsRecord]] = field(default_factory=dict)

    @classmethod
    def of(cls, records: list[DnsRecord]) -> Zone:
        zone = cls()
        for record in records:
            zone.by_name.setdefault(record.labels, []).append(record)
        return zone

    def lookup(self, qname: Labels) -> list[DnsRecord] | None:
        """The records owned by ``qname`` (directly or through a wildcard): None when the
        name does not exist (NXDOMAIN), an empty list when it exists with no records."""
        if qname in self.by_name:
            return self.by_name[qname]
        if any(owner[-len(qname) :] == qname for owner in self.by_name if len(owner) > len(qname)):
            return []  # an empty non-terminal: it exists, with no data (RFC 4592)
        # The closest wildcard above it (RFC 4592: *.b.c covers a.b.c and x.a.b.c).
        for depth in range(1, len(qname)):
            wildcard = ("*", *qname[depth:])
            if wildcard in self.by_name:
                return self.by_name[wildcard]
            if qname[depth:] in self.by_name:
                return None  # an existing name stops the search: no wildcard above it applies
        return None

"""The challenge tales_of_ssl: a self-signed certificate for a given RSA key.

The problem gives a private key and three things the certificate must say::

    {"private_key": "<base64 of a DER PKCS#1 RSA key, 1024 bits>",
     "required_data": {"domain": "summer-fire-4799.gov",
                       "serial_number": "0x7a771e7a1e",
                       "country": "Cocos Islands"}}

The solution is ``{"certificate": "<base64 of the DER certificate>"}``, self-signed by that
key, with that serial, and ``CN=<domain>, C=<the country's ISO 3166 alpha-2 code>``. The
country comes as an informal English name, turned into its code by :mod:`.countries`.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from pydantic import BaseModel, field_validator

from hackattic_core import Challenge, Context, Problem, Solution

from .countries import country_code
from .serials import format_serial, parse_serial

if TYPE_CHECKING:
    from hackattic_core import Emulation

COMMON_NAME_MAX_LENGTH = 64
"""X.520's upper bound on a CN (ub-common-name)."""


class RequiredData(BaseModel):
    """What the certificate must say."""

    domain: str
    """The CN, and the subjectAltName's DNS name."""
    serial_number: int
    """Sent as hex, ``0x`` optional, possibly of odd length: ``0x7a771e7a1e``."""
    country: str
    """An English name, often informal: "Cocos Islands"."""

    @field_validator("domain")
    @classmethod
    def _a_host_name(cls, value: str) -> str:
        if not 1 <= len(value) <= COMMON_NAME_MAX_LENGTH:
            raise ValueError(f"expected 1 to {COMMON_NAME_MAX_LENGTH} characters")
        if not value.isascii() or not value.isprintable() or " " in value:
            raise ValueError("expected an ASCII host name")
        return value

    @field_validator("serial_number", mode="before")
    @classmethod
    def _from_hex(cls, value: object) -> int:
        if not isinstance(value, str):
            raise ValueError("expected a hexadecimal string such as '0x7a771e7a1e'")
        return parse_serial(value)

    @field_validator("country")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("expected a country name")
        return value


class TalesOfSslProblem(Problem):
    """What ``GET /challenges/tales_of_ssl/problem`` returns."""

    private_key: bytes
    """The key's DER bytes, decoded from base64 (refused unless they hold an RSA key)."""
    required_data: RequiredData

    @field_validator("private_key", mode="before")
    @classmethod
    def _decode(cls, value: object) -> bytes:
        if not isinstance(value, str):
            raise ValueError("expected a base64 string")
        from .keys import decode_private_key  # cryptography: see solve_problem

        return decode_private_key(value)


class TalesOfSslSolution(Solution):
    """What ``POST /challenges/tales_of_ssl/solve`` expects."""

    certificate: str
    """Base64 of the DER certificate."""


def solve_problem(problem: TalesOfSslProblem) -> tuple[TalesOfSslSolution, str]:
    """The solution, and the country code it used (a SolverError for an unknown country)."""
    # Imported here: cryptography takes ~60 ms to import, and `hackattic list` imports
    # this module.
    from cryptography.hazmat.primitives import serialization

    from .certificate import build_certificate
    from .keys import load_private_key

    required = problem.required_data
    code = country_code(required.country)
    certificate = build_certificate(
        load_private_key(problem.private_key),
        domain=required.domain,
        serial=required.serial_number,
        country_code=code,
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    return TalesOfSslSolution(certificate=base64.b64encode(der).decode("ascii")), code


class TalesOfSslChallenge(Challenge):
    name = "tales_of_ssl"
    title = "Tales of SSL: a self-signed certificate for a given RSA key"
    problem_model = TalesOfSslProblem
    solution_model = TalesOfSslSolution

    async def solve(self, problem: TalesOfSslProblem, context: Context) -> TalesOfSslSolution:
        # A few milliseconds of work (one key load, one 1024-bit signature): no thread.
        solution, code = solve_problem(problem)
        required = problem.required_data
        context.progress.done(
            f"tales_of_ssl: CN={required.domain}, C={code} ({required.country}), "
            f"serial {format_serial(required.serial_number)}, signed with SHA-256"
        )
        return solution

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        # Imported here: `hackattic list` must not load the sandbox's server stack.
        from .emulation import TalesOfSslEmulation

        return TalesOfSslEmulation

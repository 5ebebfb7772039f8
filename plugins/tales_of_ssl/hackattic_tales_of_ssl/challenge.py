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

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import SettingsConfigDict

from hackattic_core import (
    Challenge,
    ChallengeSettings,
    Context,
    CostLimitExceeded,
    Problem,
    ProblemError,
    Solution,
    run_blocking,
    run_in_process,
)

from .countries import country_code
from .der import BadKey, der_bytes_limit, rsa_modulus_bits
from .serials import format_serial, parse_serial

COMMON_NAME_MAX_LENGTH = 64
"""X.520's upper bound on a CN (ub-common-name)."""
COUNTRY_MAX_LENGTH = 200
"""Longer than any country's name, formal or not."""
PREFIX = "HACKATTIC_TALES_OF_SSL_"
IN_THREAD_UP_TO_BITS = 4096
"""Keys up to this size are loaded in a thread (0.8 s at most, holding the GIL); larger
ones in a child process, killed if the run is cancelled (``run_in_process``)."""


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
        if len(value) > COUNTRY_MAX_LENGTH:
            raise ValueError(f"expected a country name, got {len(value):,} characters")
        return value


class TalesOfSslProblem(Problem):
    """What ``GET /challenges/tales_of_ssl/problem`` returns."""

    private_key: bytes
    """The key's DER bytes, decoded from base64 (refused unless shaped as an RSA key; it is
    loaded, and so fully checked, only once its size is within the settings)."""
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


class TalesOfSslSettings(ChallengeSettings):
    """The solver's settings, as ``HACKATTIC_TALES_OF_SSL_*`` (environment or .env)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX)

    max_key_bits: int = Field(
        default=4096,
        ge=512,
        description="Largest RSA key accepted (hackattic sends 1024 bits; loading checks the "
        "primes: 0.8 s at 4096 bits, 7 s at 8192, minutes beyond).",
    )
    max_serial_digits: int = Field(
        default=40,
        ge=1,
        le=40,
        description="Longest serial accepted, in hex digits (hackattic sends 7 to 10; a "
        "certificate holds at most 40).",
    )


class TalesOfSslChallenge(Challenge[TalesOfSslProblem, TalesOfSslSolution, TalesOfSslSettings]):
    name = "tales_of_ssl"
    title = "Tales of SSL: a self-signed certificate for a given RSA key"
    problem_model = TalesOfSslProblem
    solution_model = TalesOfSslSolution
    settings_model = TalesOfSslSettings
    emulation_class = "hackattic_tales_of_ssl.emulation:TalesOfSslEmulation"

    def check_cost(self, problem: TalesOfSslProblem, settings: TalesOfSslSettings) -> None:
        bits = rsa_modulus_bits(problem.private_key)
        if bits > settings.max_key_bits:
            raise CostLimitExceeded(
                field="private_key's modulus",
                value=bits,
                limit=settings.max_key_bits,
                setting=PREFIX + "MAX_KEY_BITS",
                unit="bits",
            )
        # A small modulus with a huge private exponent (or other part) costs as much.
        der_limit = der_bytes_limit(settings.max_key_bits)
        if len(problem.private_key) > der_limit:
            raise CostLimitExceeded(
                field="private_key",
                value=len(problem.private_key),
                limit=der_limit,
                setting=PREFIX + "MAX_KEY_BITS",
                unit="bytes of DER",
            )
        digits = (problem.required_data.serial_number.bit_length() + 3) // 4
        if digits > settings.max_serial_digits:
            raise CostLimitExceeded(
                field="required_data.serial_number",
                value=digits,
                limit=settings.max_serial_digits,
                setting=PREFIX + "MAX_SERIAL_DIGITS",
                unit="hex digits",
            )

    async def solve(
        self, problem: TalesOfSslProblem, context: Context[TalesOfSslSettings]
    ) -> TalesOfSslSolution:
        context.progress.update("loading the key and signing")
        try:
            # Off the event loop: loading a key checks its primes (milliseconds at 1024
            # bits, minutes for a huge key whose size a user allowed).
            if rsa_modulus_bits(problem.private_key) <= IN_THREAD_UP_TO_BITS:
                solution, code = await run_blocking(solve_problem, problem)
            else:
                solution, code = await run_in_process(solve_problem, problem)
        except BadKey as exc:
            raise ProblemError(
                f"malformed tales_of_ssl problem: field 'private_key': {exc}"
            ) from None
        required = problem.required_data
        context.progress.done(
            f"tales_of_ssl: CN={required.domain}, C={code} ({required.country}), "
            f"serial {format_serial(required.serial_number)}, signed with SHA-256"
        )
        return solution

"""tales_of_ssl end to end: against the sandbox (strict and wide, as conftest sets it), as
public solvers use its HTTP API at its defaults, and through the real CLI, with problems
from the sandbox or from a loopback service (hostile keys, serials and countries)."""

from __future__ import annotations

import base64
import datetime
import math
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from hackattic_core import ExitCode
from hackattic_core.testing import interrupt

SLUG = "tales_of_ssl"
SEEDS = 20
"""Default problems a five-name solver meets, each from a sandbox of another seed."""


def test_passes_in_the_sandbox_strict_and_wide(hackattic_run: Any) -> None:
    result = hackattic_run(SLUG)
    assert result.passed, result.error or result.message
    assert result.solution is not None
    assert set(result.solution) == {"certificate"}
    x509.load_der_x509_certificate(base64.b64decode(result.solution["certificate"]))


# ---- solvers written the way public ones are, against the sandbox's defaults ---------------

FIVE_NAMES = {
    "Cocos Islands": "CC",
    "Keeling Islands": "CC",
    "Christmas Island": "CX",
    "Tokelau Islands": "TK",
    "Sint Maarten": "SX",
}
"""All that the public solvers that fail on a wider sandbox know (issue 24)."""


def public_style(problem: dict[str, Any], *, cn: bool = True) -> dict[str, Any]:
    """A certificate the way public solvers build one: the five names, SHA-256, and the
    domain in the CN (or, with ``cn=False``, only in the subjectAltName)."""
    key = serialization.load_der_private_key(base64.b64decode(problem["private_key"]), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    required = problem["required_data"]
    domain = required["domain"]
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, FIVE_NAMES[required["country"]])]
    if cn:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, domain))
    else:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hackattic"))
    name = x509.Name(attributes)
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int(required["serial_number"], 16))
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    return {"certificate": base64.b64encode(der).decode()}


def san_only(problem: dict[str, Any]) -> dict[str, Any]:
    return public_style(problem, cn=False)


def submit(sandbox: Any, solver: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """A public-style solver's round: a fresh problem, its solution posted in the
    playground (where every problem may be solved, not only the first)."""
    url = f"{sandbox.base_url}/challenges/{SLUG}/solve"
    params = {"access_token": sandbox.access_token, "playground": "1"}
    answer = httpx.post(url, params=params, json=solver(sandbox.fetch_problem(SLUG)), timeout=30)
    verdict: dict[str, Any] = answer.raise_for_status().json()
    return verdict


class TestTheDefaults:
    """The sandbox at its defaults, as ``hackattic sandbox`` serves it."""

    @pytest.fixture
    def hackattic_sandbox_options(self) -> dict[str, dict[str, Any]]:
        return {}

    @pytest.fixture(params=range(SEEDS))
    def hackattic_sandbox_conditions(
        self, request: pytest.FixtureRequest, hackattic_sandbox_conditions: Any
    ) -> Any:
        return hackattic_sandbox_conditions.model_copy(update={"seed": 1000 + request.param})

    def test_a_solver_that_knows_only_the_five_names_passes(self, hackattic_sandbox: Any) -> None:
        answer = submit(hackattic_sandbox, public_style)
        assert "passed" in answer.get("result", ""), answer


class TestTheDefaultsOnce:
    @pytest.fixture
    def hackattic_sandbox_options(self) -> dict[str, dict[str, Any]]:
        return {}

    def test_a_solver_that_puts_the_domain_only_in_the_san_passes(
        self, hackattic_sandbox: Any
    ) -> None:
        for _ in range(3):
            answer = submit(hackattic_sandbox, san_only)
            assert "passed" in answer.get("result", ""), answer

    def test_our_solver_passes_too(self, hackattic_run: Any) -> None:
        result = hackattic_run(SLUG)
        assert result.passed, result.error or result.message


class TestTheStrictNameCheck:
    @pytest.fixture
    def hackattic_sandbox_options(self) -> dict[str, dict[str, Any]]:
        return {SLUG: {"domain_check": "cn"}}

    def test_refuses_the_domain_only_in_the_san(self, hackattic_sandbox: Any) -> None:
        answer = submit(hackattic_sandbox, san_only)
        assert answer.get("rejected", "").startswith("the subject has no CN, expected "), answer


# ---- the real CLI ---------------------------------------------------------------------------


def test_passes_through_the_command_line_strictly(hackattic_cli: Any) -> None:
    strict = ("-o", "country_check=code", "-o", "signature_hash=sha256", "-o", "web_pki=true")
    result = hackattic_cli("run", SLUG, "--sandbox", "--json", "-o", "breadth=wide", *strict)
    assert result.exit_code == ExitCode.PASSED, result
    assert result.json["status"] == "passed"


def test_a_malformed_key_fails_with_exit_3_naming_the_field(hackattic_cli: Any) -> None:
    result = hackattic_cli("run", SLUG, "--sandbox", "--json", "--fault", "malformed_key")
    assert result.exit_code == ExitCode.SERVICE, result
    assert "field 'private_key'" in result.json["error"]
    assert "not a DER RSA private key" in result.json["error"]


def test_an_unknown_country_fails_with_exit_4_naming_it(hackattic_cli: Any) -> None:
    result = hackattic_cli("run", SLUG, "--sandbox", "--json", "--fault", "unknown_country")
    assert result.exit_code == ExitCode.SOLVER, result
    assert result.json["error"] == (
        'unknown country "Atlantis": not an ISO 3166 name nor a known informal one'
    )


# ---- hostile problems from a loopback service ----------------------------------------------

MERSENNE_EXPONENTS = (11213, 9941)
"""2**p - 1 is prime for these: a valid RSA key of ~21,000 bits for free (generating one
takes hours); loading it checks both primes, which takes minutes."""


def mersenne_key(exponents: tuple[int, int] = MERSENNE_EXPONENTS) -> str:
    """Base64 of the PKCS#1 DER of an RSA key whose primes are two Mersenne primes."""
    p, q = (2**exponent - 1 for exponent in exponents)
    e = 65537
    d = pow(e, -1, (p - 1) * (q - 1) // math.gcd(p - 1, q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, p * q)
    )
    key = numbers.private_key(unsafe_skip_rsa_key_validation=True)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return base64.b64encode(der).decode()


def hostile(problem_json: dict[str, Any], **required: str) -> dict[str, Any]:
    problem = {**problem_json, "required_data": {**problem_json["required_data"], **required}}
    if "private_key" in required:
        problem["private_key"] = problem["required_data"].pop("private_key")
    return problem


def run(hackattic_cli: Any, service: Any, problem: dict[str, Any], **env: str) -> Any:
    environment = {**service.serve(problem), "HACKATTIC_MAX_BODY_BYTES": str(8 << 20), **env}
    result = hackattic_cli("run", SLUG, "--json", env=environment)
    print(f"{result.elapsed:.2f} s, {result.max_rss_mb:.0f} MiB, exit {result.exit_code}")
    assert result.max_rss_mb < 1024, result.max_rss_mb
    assert len(result.json["error"] or "") < 500, result.json["error"]
    return result


def test_a_huge_key_is_refused_before_it_is_loaded(
    hackattic_cli: Any, hackattic_fake_service: Any, problem_json: dict[str, Any]
) -> None:
    problem = hostile(problem_json, private_key=mersenne_key())
    result = run(hackattic_cli, hackattic_fake_service, problem)
    assert result.exit_code == ExitCode.SERVICE, result
    assert (
        "private_key's modulus is 21154 bits, over the limit of 4096 bits" in (result.json["error"])
    )
    assert "HACKATTIC_TALES_OF_SSL_MAX_KEY_BITS" in result.json["error"]
    assert not hackattic_fake_service.submitted()


def der_element(tag: int, content: bytes) -> bytes:
    size = len(content)
    length = bytes([size]) if size < 0x80 else bytes([0x84]) + size.to_bytes(4, "big")
    return bytes([tag]) + length + content


def der_integer(value: int) -> bytes:
    return der_element(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def test_a_huge_der_is_refused_before_it_is_loaded(
    hackattic_cli: Any, hackattic_fake_service: Any, problem_json: dict[str, Any]
) -> None:
    # A 1024-bit modulus, and a private exponent of 16 M bits: as costly as a huge key.
    numbers = [0, (1 << 1023) + 1, 65537, (1 << 16_000_000) - 1, 3, 5, 7, 11, 13]
    der = der_element(0x30, b"".join(der_integer(number) for number in numbers))
    problem = hostile(problem_json, private_key=base64.b64encode(der).decode())
    result = run(hackattic_cli, hackattic_fake_service, problem)
    assert result.exit_code == ExitCode.SERVICE, result
    assert "private_key is " in result.json["error"]
    assert "bytes of DER, over the limit of" in result.json["error"]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("serial_number", "0x" + "7" * 900_000, "a certificate serial of 900,002 characters"),
        ("serial_number", "0x" + "7" * 41, "must be from 1 to 159 bits long"),
        ("country", "Cocos " * 200_000, "expected a country name, got 1,200,000 characters"),
    ],
)
def test_a_huge_field_is_refused_in_one_short_line(
    hackattic_cli: Any,
    hackattic_fake_service: Any,
    problem_json: dict[str, Any],
    field: str,
    value: str,
    error: str,
) -> None:
    result = run(hackattic_cli, hackattic_fake_service, hostile(problem_json, **{field: value}))
    assert result.exit_code == ExitCode.SERVICE, result
    assert f"field 'required_data.{field}'" in result.json["error"]
    assert error in result.json["error"]


def test_a_serial_over_the_setting_is_refused(
    hackattic_cli: Any, hackattic_fake_service: Any, problem_json: dict[str, Any]
) -> None:
    problem = hostile(problem_json, serial_number="0x7a771e7a1e")
    result = run(
        hackattic_cli, hackattic_fake_service, problem, HACKATTIC_TALES_OF_SSL_MAX_SERIAL_DIGITS="8"
    )
    assert result.exit_code == ExitCode.SERVICE, result
    assert (
        "required_data.serial_number is 10 hex digits, over the limit of 8"
        in (result.json["error"])
    )


def test_sigint_ends_the_load_of_a_key_that_would_take_minutes(
    hackattic_cli_start: Any, hackattic_fake_service: Any, problem_json: dict[str, Any]
) -> None:
    environment = hackattic_fake_service.serve(hostile(problem_json, private_key=mersenne_key()))
    environment["HACKATTIC_TALES_OF_SSL_MAX_KEY_BITS"] = "32768"  # the user allows it
    process = hackattic_cli_start("run", SLUG, "--json", env=environment)
    assert hackattic_fake_service.fetched.wait(30), process.stderr_so_far()
    time.sleep(1.0)  # into the key's check (the load alone takes minutes)
    result, after_signal = interrupt(process, hackattic_fake_service.fetched)
    print(f"gone {after_signal:.2f} s after SIGINT")
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED
    assert not hackattic_fake_service.submitted()

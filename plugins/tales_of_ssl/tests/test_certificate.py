"""The solver: serials, the problem's checks, and the certificate it builds."""

from __future__ import annotations

import asyncio
import base64
import datetime
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtensionOID, NameOID
from hackattic_tales_of_ssl.certificate import build_certificate
from hackattic_tales_of_ssl.challenge import (
    TalesOfSslChallenge,
    TalesOfSslProblem,
    TalesOfSslSolution,
    solve_problem,
)
from hackattic_tales_of_ssl.serials import format_serial, parse_serial
from pydantic import ValidationError

from hackattic_core import NullProgress, ProblemError, SolverError, validate_problem


@pytest.mark.parametrize(
    ("text", "serial"),
    [
        ("0x7a771e7a1e", 0x7A771E7A1E),
        ("7a771e7a1e", 0x7A771E7A1E),
        ("0X7A771E7A1E", 0x7A771E7A1E),
        ("0x7a771e7a1", 0x7A771E7A1),  # odd length
        ("0xabc", 0xABC),
        ("0x00ff", 0xFF),
        (" 0x1 ", 1),
    ],
)
def test_a_serial_is_hex_with_or_without_0x(text: str, serial: int) -> None:
    assert parse_serial(text) == serial


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not a hexadecimal number"),
        ("0x", "not a hexadecimal number"),
        ("0x7g", "not a hexadecimal number: '0x7g'"),
        ("-1", "not a hexadecimal number"),
        ("+1", "not a hexadecimal number"),
        ("1_0", "not a hexadecimal number"),
        ("0x0", "from 1 to 159 bits"),
        ("0x" + "f" * 40, "from 1 to 159 bits"),
    ],
)
def test_a_serial_that_is_not_hex_is_refused_clearly(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_serial(text)


def test_a_serial_is_written_as_hackattic_writes_it() -> None:
    assert format_serial(0x7A771E7A1) == "0x7a771e7a1"


def test_the_certificate_says_what_was_asked(private_key: rsa.RSAPrivateKey) -> None:
    now = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    certificate = build_certificate(
        private_key, domain="summer-fire-4799.gov", serial=0x7A771E7A1, country_code="CC", now=now
    )
    assert certificate.version is x509.Version.v3
    assert certificate.serial_number == 0x7A771E7A1
    assert certificate.subject == certificate.issuer
    assert certificate.subject.rfc4514_string() == "CN=summer-fire-4799.gov,C=CC"
    assert isinstance(certificate.signature_hash_algorithm, hashes.SHA256)
    assert certificate.public_key() == private_key.public_key()
    certificate.verify_directly_issued_by(certificate)  # raises if the signature is wrong
    assert certificate.not_valid_before_utc == now - datetime.timedelta(days=1)
    assert certificate.not_valid_after_utc == now + datetime.timedelta(days=365)
    extensions = certificate.extensions
    names = extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    assert isinstance(names, x509.SubjectAlternativeName)
    assert names.get_values_for_type(x509.DNSName) == ["summer-fire-4799.gov"]
    constraints = extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert not constraints.value.ca


def test_the_solver_builds_a_der_certificate(problem_json: dict[str, Any]) -> None:
    problem = TalesOfSslProblem.model_validate(problem_json)
    solution, code = solve_problem(problem)
    assert code == "CC"
    certificate = x509.load_der_x509_certificate(base64.b64decode(solution.certificate))
    assert certificate.serial_number == int("7a771e7a1", 16)
    assert certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "CC"
    assert set(solution.model_dump()) == {"certificate"}


class RecordedProgress(NullProgress):
    """Keeps the permanent lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def done(self, message: str) -> None:
        self.lines.append(message)


def test_solve_reports_the_country_code(hackattic_context: Any, problem_json: Any) -> None:
    problem = TalesOfSslProblem.model_validate(problem_json)
    progress = RecordedProgress()

    async def solve() -> TalesOfSslSolution:
        async with hackattic_context(TalesOfSslChallenge, progress=progress) as context:
            return await TalesOfSslChallenge().solve(problem, context)

    assert asyncio.run(solve()).certificate
    assert progress.lines == [
        "tales_of_ssl: CN=summer-fire-4799.gov, C=CC (Cocos Islands), serial 0x7a771e7a1, "
        "signed with SHA-256"
    ]


def test_an_unknown_country_is_a_solver_error(hackattic_context: Any, problem_json: Any) -> None:
    problem_json["required_data"]["country"] = "Atlantis"
    problem = TalesOfSslProblem.model_validate(problem_json)

    async def solve() -> TalesOfSslSolution:
        async with hackattic_context(TalesOfSslChallenge) as context:
            return await TalesOfSslChallenge().solve(problem, context)

    with pytest.raises(SolverError, match='unknown country "Atlantis"') as caught:
        asyncio.run(solve())
    assert caught.value.exit_code == 4


def test_a_pkcs8_key_is_accepted_too(problem_json: Any, private_key: rsa.RSAPrivateKey) -> None:
    pkcs8 = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    problem_json["private_key"] = base64.b64encode(pkcs8).decode()
    assert TalesOfSslProblem.model_validate(problem_json).private_key == pkcs8


def _ec_key(form: serialization.PrivateFormat) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(serialization.Encoding.DER, form, serialization.NoEncryption())
    return base64.b64encode(der).decode()


def _pem_key(private_key: rsa.RSAPrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


@pytest.mark.parametrize(
    ("make_value", "reason"),
    [
        (lambda key: "not base64!", "not valid base64"),
        (lambda key: base64.b64encode(b"\x30\x03\x02\x01\x00").decode(), "not a DER RSA"),
        (_pem_key, "not valid base64"),  # armoured: hackattic sends bare DER
        (lambda key: _ec_key(serialization.PrivateFormat.PKCS8), "not an RSA key but EC"),
        (lambda key: _ec_key(serialization.PrivateFormat.TraditionalOpenSSL), "not a DER RSA"),
        (lambda key: base64.b64encode(bytes(3000)).decode(), "not a DER RSA private key"),
        (lambda key: 1234, "expected a base64 string"),
    ],
)
def test_a_malformed_key_is_a_problem_error_naming_the_field(
    problem_json: dict[str, Any], private_key: rsa.RSAPrivateKey, make_value: Any, reason: str
) -> None:
    problem_json["private_key"] = make_value(private_key)
    with pytest.raises(ProblemError) as caught:
        validate_problem(TalesOfSslChallenge, problem_json)
    message = str(caught.value)
    assert "\n" not in message
    assert "field 'private_key'" in message
    assert reason in message
    assert caught.value.exit_code == 3


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("serial_number", "0xnope", "not a hexadecimal number"),
        ("serial_number", 1234, "expected a hexadecimal string"),
        ("domain", "", "expected 1 to 64 characters"),
        ("domain", "a" * 65, "expected 1 to 64 characters"),
        ("domain", "bücher.de", "expected an ASCII host name"),
        ("country", " ", "expected a country name"),
    ],
)
def test_malformed_required_data_is_a_problem_error_naming_the_field(
    problem_json: dict[str, Any], field: str, value: object, reason: str
) -> None:
    problem_json["required_data"][field] = value
    with pytest.raises(ValidationError):
        TalesOfSslProblem.model_validate(problem_json)
    with pytest.raises(ProblemError) as caught:
        validate_problem(TalesOfSslChallenge, problem_json)
    assert f"field 'required_data.{field}'" in str(caught.value)
    assert reason in str(caught.value)


def test_a_missing_field_is_a_problem_error(problem_json: dict[str, Any]) -> None:
    del problem_json["required_data"]["country"]
    with pytest.raises(ProblemError, match=r"field 'required_data\.country'"):
        validate_problem(TalesOfSslChallenge, problem_json)

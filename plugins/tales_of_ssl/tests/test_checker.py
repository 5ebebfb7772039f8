"""The emulation: problems like hackattic's, and a check that names every failure."""

from __future__ import annotations

import asyncio
import base64
import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from hackattic_tales_of_ssl.certificate import build_certificate
from hackattic_tales_of_ssl.challenge import TalesOfSslChallenge, TalesOfSslProblem, solve_problem
from hackattic_tales_of_ssl.checker import Required, Strictness, check_certificate
from hackattic_tales_of_ssl.emulation import COUNTRIES
from hackattic_tales_of_ssl.keys import load_private_key

from hackattic_core import Emulation

DOMAIN = "summer-fire-4799.gov"
SERIAL = 0x7A771E7A1
NOW = datetime.datetime.now(datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def required(private_key: rsa.RSAPrivateKey) -> Required:
    return Required(
        public_key=private_key.public_key(), domain=DOMAIN, serial=SERIAL, country_code="CC"
    )


def encode(certificate: x509.Certificate) -> str:
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def make_certificate(
    key: rsa.RSAPrivateKey,
    *,
    signer: rsa.RSAPrivateKey | None = None,
    subject: dict[x509.ObjectIdentifier, str] | None = None,
    issuer: dict[x509.ObjectIdentifier, str] | None = None,
    serial: int = SERIAL,
    hash_algorithm: hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None = None,
    valid_from: datetime.datetime = NOW - DAY,
    valid_to: datetime.datetime = NOW + DAY,
) -> x509.Certificate:
    """A certificate with no extensions, each field settable to something wrong."""

    def name(attributes: dict[x509.ObjectIdentifier, str]) -> x509.Name:
        return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes.items()])

    subject = (
        {NameOID.COUNTRY_NAME: "CC", NameOID.COMMON_NAME: DOMAIN} if subject is None else subject
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(subject if issuer is None else issuer))
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(valid_from)
        .not_valid_after(valid_to)
        .sign(signer or key, hash_algorithm or hashes.SHA256())
    )


def test_the_solvers_certificate_passes(private_key: rsa.RSAPrivateKey, required: Required) -> None:
    certificate = build_certificate(private_key, domain=DOMAIN, serial=SERIAL, country_code="CC")
    assert check_certificate(encode(certificate), required) is None
    assert check_certificate(encode(certificate), required, Strictness(web_pki=True)) is None


def test_a_minimal_certificate_passes(private_key: rsa.RSAPrivateKey, required: Required) -> None:
    # No extensions at all, as many solvers make it: hackattic asks for no more.
    assert check_certificate(encode(make_certificate(private_key)), required) is None


def test_the_cn_compares_as_a_host_name(private_key: rsa.RSAPrivateKey, required: Required) -> None:
    subject = {NameOID.COUNTRY_NAME: "CC", NameOID.COMMON_NAME: DOMAIN.upper()}
    certificate = make_certificate(private_key, subject=subject)
    assert check_certificate(encode(certificate), required) is None


def test_another_key_is_named(other_key: rsa.RSAPrivateKey, required: Required) -> None:
    assert check_certificate(encode(make_certificate(other_key)), required) == (
        "the certificate's public key is not the given key; "
        "the certificate is not signed by the given key"
    )


def test_a_signature_by_another_key_is_named(
    private_key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey, required: Required
) -> None:
    certificate = make_certificate(private_key, signer=other_key)
    assert check_certificate(encode(certificate), required) == (
        "the certificate is not signed by the given key"
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"serial": 0x1}, "serial is 0x1, expected 0x7a771e7a1"),
        ({"serial": 0x7A771E7A10}, "serial is 0x7a771e7a10, expected 0x7a771e7a1"),
        (
            {"subject": {NameOID.COUNTRY_NAME: "CC", NameOID.COMMON_NAME: "winter-fire.gov"}},
            "CN is winter-fire.gov, expected summer-fire-4799.gov",
        ),
        (
            {"subject": {NameOID.COUNTRY_NAME: "CC"}},
            "the subject has no CN, expected summer-fire-4799.gov",
        ),
        (
            {"subject": {NameOID.COUNTRY_NAME: "CK", NameOID.COMMON_NAME: DOMAIN}},
            "country is CK, expected CC",
        ),
        (
            {"subject": {NameOID.COMMON_NAME: DOMAIN}},
            "the subject has no C (country), expected CC",
        ),
        (
            {"issuer": {NameOID.COMMON_NAME: "Some CA"}},
            "issuer (CN=Some CA) is not the subject (CN=summer-fire-4799.gov,C=CC): "
            "the certificate is not self-signed",
        ),
        ({"hash_algorithm": hashes.SHA512()}, "signature hash is sha512, expected sha256"),
        (
            {"valid_from": NOW + DAY, "valid_to": NOW + 365 * DAY},
            "the certificate is not valid now: valid from ",
        ),
        (
            {"valid_from": NOW - 730 * DAY, "valid_to": NOW - 365 * DAY},
            "the certificate is not valid now: valid from ",
        ),
    ],
)
def test_each_wrong_field_is_named(
    private_key: rsa.RSAPrivateKey, required: Required, changes: dict[str, Any], reason: str
) -> None:
    result = check_certificate(encode(make_certificate(private_key, **changes)), required)
    assert result is not None
    assert result.startswith(reason)
    assert ";" not in result  # only what is wrong


def test_every_failure_is_named(other_key: rsa.RSAPrivateKey, required: Required) -> None:
    subject = {NameOID.COUNTRY_NAME: "CK", NameOID.COMMON_NAME: "x.gov"}
    certificate = make_certificate(
        other_key, subject=subject, serial=2, hash_algorithm=hashes.SHA384()
    )
    assert check_certificate(encode(certificate), required) == (
        "the certificate's public key is not the given key; "
        "the certificate is not signed by the given key; "
        "signature hash is sha384, expected sha256; "
        "CN is x.gov, expected summer-fire-4799.gov; "
        "country is CK, expected CC; "
        "serial is 0x2, expected 0x7a771e7a1"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not base64!", "certificate is not valid base64"),
        (base64.b64encode(b"hello").decode(), "certificate is not a DER X.509 certificate"),
        (None, "certificate is not a base64 string but NoneType"),
        (["MII="], "certificate is not a base64 string but list"),
    ],
)
def test_what_is_not_a_certificate_is_named(text: object, reason: str, required: Required) -> None:
    assert check_certificate(text, required) == reason


def test_a_pem_certificate_is_not_der(private_key: rsa.RSAPrivateKey, required: Required) -> None:
    pem = make_certificate(private_key).public_bytes(serialization.Encoding.PEM)
    assert check_certificate(base64.b64encode(pem).decode(), required) == (
        "certificate is not a DER X.509 certificate"
    )


def test_lenient_strictness_accepts_any_country_and_hash(
    private_key: rsa.RSAPrivateKey, required: Required
) -> None:
    lenient = Strictness(country_check="any", signature_hash="any")
    for subject in (
        {NameOID.COUNTRY_NAME: "CK", NameOID.COMMON_NAME: DOMAIN},
        {NameOID.COMMON_NAME: DOMAIN},
    ):
        certificate = make_certificate(private_key, subject=subject, hash_algorithm=hashes.SHA512())
        assert check_certificate(encode(certificate), required, lenient) is None


def test_validity_is_not_checked_when_switched_off(
    private_key: rsa.RSAPrivateKey, required: Required
) -> None:
    expired = make_certificate(private_key, valid_from=NOW - 730 * DAY, valid_to=NOW - 365 * DAY)
    assert check_certificate(encode(expired), required, Strictness(check_validity=False)) is None


def test_web_pki_refuses_a_ca_certificate_as_a_servers(
    private_key: rsa.RSAPrivateKey, required: Required
) -> None:
    minimal = encode(make_certificate(private_key))
    reason = check_certificate(minimal, required, Strictness(web_pki=True))
    assert reason is not None
    assert reason.startswith("a TLS client would refuse it: ")
    assert "encountered processing" not in reason


# The emulation, built as the sandbox builds it.

Build = Callable[..., Emulation]


def new_problems(emulation: Emulation, count: int) -> list[Any]:
    async def issue() -> list[Any]:
        return [await emulation.new_problem() for _ in range(count)]

    return asyncio.run(issue())


def test_wide_problems_have_the_same_shape(hackattic_emulation: Build) -> None:
    issued = new_problems(hackattic_emulation(TalesOfSslChallenge, breadth="wide"), 12)
    lengths = set()
    for problem in (each.problem for each in issued):
        assert set(problem) == {"private_key", "required_data"}
        key = load_private_key(base64.b64decode(problem["private_key"], validate=True))
        assert key.key_size == 1024
        required = problem["required_data"]
        assert set(required) == {"domain", "serial_number", "country"}
        assert re.fullmatch(r"[a-z]+-[a-z]+-\d{4}\.[a-z]+", required["domain"])
        assert re.fullmatch(r"0x[0-9a-f]{8,12}", required["serial_number"])
        lengths.add(len(required["serial_number"]) - 2)
        assert required["country"] in COUNTRIES
        # PKCS#1 ("BEGIN RSA PRIVATE KEY" in PEM): a SEQUENCE whose first INTEGER is 0,
        # with no AlgorithmIdentifier as PKCS#8 would have.
        assert base64.b64decode(problem["private_key"])[4:7] == b"\x02\x01\x00"
        assert base64.b64decode(problem["private_key"])[7] == 0x02
    assert any(length % 2 for length in lengths)


def test_the_required_data_is_reproducible_from_the_seed(hackattic_emulation: Build) -> None:
    first = new_problems(hackattic_emulation(TalesOfSslChallenge), 2)
    again = new_problems(hackattic_emulation(TalesOfSslChallenge), 2)
    assert [each.problem["required_data"] for each in first] == [
        each.problem["required_data"] for each in again
    ]
    assert first[0].problem["required_data"] != first[1].problem["required_data"]


def test_the_emulation_accepts_the_solvers_certificates(hackattic_emulation: Build) -> None:
    emulation = hackattic_emulation(TalesOfSslChallenge, web_pki=True)

    async def solve_and_check() -> list[str | None]:
        results = []
        for _ in range(3):
            issued = await emulation.new_problem()
            solution, _ = solve_problem(TalesOfSslProblem.model_validate(issued.problem))
            results.append(await emulation.check(issued, solution.model_dump()))
        return results

    assert asyncio.run(solve_and_check()) == [None, None, None]


def test_the_emulation_names_a_wrong_country_and_honours_its_conditions(
    hackattic_emulation: Build, other_key: rsa.RSAPrivateKey
) -> None:
    strict = hackattic_emulation(TalesOfSslChallenge, country_check="code", signature_hash="sha256")
    lenient = hackattic_emulation(TalesOfSslChallenge)  # the default: as lenient as hackattic

    async def check_both() -> tuple[str | None, str | None, str | None]:
        issued = await strict.new_problem()
        problem = TalesOfSslProblem.model_validate(issued.problem)
        key = load_private_key(problem.private_key)
        expected = issued.state
        wrong_country = "ZZ" if expected.country_code != "ZZ" else "ZY"
        certificate = build_certificate(
            key,
            domain=problem.required_data.domain,
            serial=problem.required_data.serial_number,
            country_code=wrong_country,
        )
        solution = {"certificate": encode(certificate)}
        return (
            await strict.check(issued, solution),
            await lenient.check(issued, solution),
            await strict.check(issued, {}),
        )

    strict_reason, lenient_reason, missing = asyncio.run(check_both())
    assert strict_reason is not None
    assert re.fullmatch(r"country is ZZ, expected [A-Z]{2}", strict_reason)
    assert lenient_reason is None
    assert missing == "missing field 'certificate'"

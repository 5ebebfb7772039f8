"""The sandbox's check of a submitted certificate, done as a TLS library would do it.

The certificate must decode (base64, then DER X.509), hold the given public key, carry a
signature that the given key verifies, name the same issuer as subject, and have the
required serial, CN and C. Every failure found is named, e.g. ``serial is 0x1, expected
0x7a771e7a1e; country is CK, expected CC``. How strict hackattic is about the country,
the signature's hash and the validity period is not known, so each is a parameter.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from .serials import format_serial

CountryCheck = Literal["code", "any"]
SignatureHash = Literal["sha256", "any"]
DomainCheck = Literal["cn_or_san", "cn"]


@dataclass(frozen=True)
class Required:
    """What the certificate must hold: the problem's key and ``required_data``."""

    public_key: rsa.RSAPublicKey
    domain: str
    serial: int
    country_code: str


@dataclass(frozen=True)
class Strictness:
    """How strict the check is where hackattic's own strictness is unknown."""

    country_check: CountryCheck = "code"
    """``code``: C must be the ISO 3166 alpha-2 code; ``any``: C is not looked at."""
    signature_hash: SignatureHash = "sha256"
    """``sha256``: the signature must use SHA-256; ``any``: any hash the key verifies."""
    check_validity: bool = True
    """Whether the certificate must be valid at the time of the check."""
    domain_check: DomainCheck = "cn"
    """``cn``: the subject's CN must be the domain; ``cn_or_san``: the CN or a DNS name of
    the subjectAltName may hold it."""
    web_pki: bool = False
    """Whether cryptography's Web PKI server verifier must also accept it (subjectAltName,
    authorityKeyIdentifier, an end-entity certificate): stricter than hackattic."""


def check_certificate(
    text: object,
    required: Required,
    strictness: Strictness | None = None,
    *,
    now: datetime.datetime | None = None,
) -> str | None:
    """None when ``text`` (base64 of DER) is the certificate asked for; else every failure."""
    strictness = strictness or Strictness()
    now = now or datetime.datetime.now(datetime.UTC)
    if not isinstance(text, str):
        return f"certificate is not a base64 string but {type(text).__name__}"
    try:
        der = base64.b64decode(text, validate=True)
    except binascii.Error:
        return "certificate is not valid base64"
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError:
        return "certificate is not a DER X.509 certificate"

    failures = [
        *_key_failures(certificate, required.public_key, strictness.signature_hash),
        *_name_failures(certificate, required, strictness),
    ]
    if certificate.serial_number != required.serial:
        failures.append(
            f"serial is {format_serial(certificate.serial_number)}, "
            f"expected {format_serial(required.serial)}"
        )
    if strictness.check_validity:
        valid_from = certificate.not_valid_before_utc
        valid_to = certificate.not_valid_after_utc
        if not valid_from <= now <= valid_to:
            failures.append(
                f"the certificate is not valid now: valid from {valid_from:%Y-%m-%d %H:%M} "
                f"to {valid_to:%Y-%m-%d %H:%M} UTC"
            )
    if not failures and strictness.web_pki:
        failures.extend(_web_pki_failures(certificate, required.domain, now))
    return "; ".join(failures) or None


def _key_failures(
    certificate: x509.Certificate, public_key: rsa.RSAPublicKey, signature_hash: SignatureHash
) -> list[str]:
    failures = []
    try:
        certified_key = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        certified_key = None
    if not (
        isinstance(certified_key, rsa.RSAPublicKey)
        and certified_key.public_numbers() == public_key.public_numbers()
    ):
        failures.append("the certificate's public key is not the given key")
    if not _signed_by(certificate, public_key):
        failures.append("the certificate is not signed by the given key")
    if signature_hash == "sha256":
        try:
            algorithm = certificate.signature_hash_algorithm
            hash_name = algorithm.name if algorithm else "none"
        except UnsupportedAlgorithm:
            hash_name = f"unknown ({certificate.signature_algorithm_oid.dotted_string})"
        if hash_name != "sha256":
            failures.append(f"signature hash is {hash_name}, expected sha256")
    return failures


def _signed_by(certificate: x509.Certificate, public_key: rsa.RSAPublicKey) -> bool:
    """Whether ``public_key`` verifies the certificate's signature over its TBS part."""
    try:
        scheme = certificate.signature_algorithm_parameters
        hash_algorithm = certificate.signature_hash_algorithm
        # Not cert.verify_directly_issued_by: it refuses SHA-1, which is a separate check.
        if not isinstance(scheme, padding.PKCS1v15 | padding.PSS) or hash_algorithm is None:
            return False
        public_key.verify(
            certificate.signature, certificate.tbs_certificate_bytes, scheme, hash_algorithm
        )
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _name_failures(
    certificate: x509.Certificate, required: Required, strictness: Strictness
) -> list[str]:
    failures = []
    subject = certificate.subject
    if certificate.issuer != subject:
        failures.append(
            f"issuer ({certificate.issuer.rfc4514_string()}) is not the subject "
            f"({subject.rfc4514_string()}): the certificate is not self-signed"
        )
    common_names = _values(subject, NameOID.COMMON_NAME)
    # Host names compare without regard to case, as TLS clients compare them.
    domain = required.domain.casefold()
    in_san = strictness.domain_check == "cn_or_san" and domain in _san_dns_names(certificate)
    if in_san:
        pass  # the domain is certified where TLS clients look for it
    elif not common_names:
        where = " nor subjectAltName DNS name" if strictness.domain_check == "cn_or_san" else ""
        failures.append(f"the subject has no CN{where}, expected {required.domain}")
    elif domain not in {name.casefold() for name in common_names}:
        failures.append(f"CN is {', '.join(common_names)}, expected {required.domain}")
    if strictness.country_check == "code":
        countries = _values(subject, NameOID.COUNTRY_NAME)
        if not countries:
            failures.append(f"the subject has no C (country), expected {required.country_code}")
        elif required.country_code not in countries:
            failures.append(f"country is {', '.join(countries)}, expected {required.country_code}")
    return failures


def _san_dns_names(certificate: x509.Certificate) -> set[str]:
    """The subjectAltName's DNS names, case-folded (none when it has no such extension)."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (x509.ExtensionNotFound, ValueError):
        return set()
    return {name.casefold() for name in extension.value.get_values_for_type(x509.DNSName)}


def _values(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(attribute.value) for attribute in name.get_attributes_for_oid(oid)]


def _web_pki_failures(
    certificate: x509.Certificate, domain: str, now: datetime.datetime
) -> list[str]:
    """What cryptography's server verifier says, trusting the certificate itself."""
    from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

    try:
        verifier = (
            PolicyBuilder()
            .store(Store([certificate]))
            .time(now)
            .build_server_verifier(x509.DNSName(domain))
        )
        verifier.verify(certificate, [])
    except (VerificationError, ValueError) as exc:
        # Its messages end with a repr of the certificate: " (encountered processing …)".
        reason = str(exc).split(" (encountered processing", 1)[0]
        return [f"a TLS client would refuse it: {reason}"]
    return []

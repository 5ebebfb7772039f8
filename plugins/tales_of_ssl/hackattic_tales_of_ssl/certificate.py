"""The self-signed certificate the challenge asks for, built with ``cryptography``.

Subject and issuer are the same name, ``C=<alpha-2 code>, CN=<domain>``; the serial is the
problem's hex number; the signature is RSA PKCS#1 v1.5 with SHA-256 by the given key.

The extensions are those of a self-signed TLS *server* certificate, so that the
certificate passes strict verifiers too, not only hackattic's check of the fields:

- subjectAltName ``DNS:<domain>``: what TLS clients match the host name against (the CN
  fallback is deprecated or gone in browsers, Go and cryptography's verifier);
- basicConstraints ``CA:FALSE`` (critical) and keyUsage digitalSignature, keyEncipherment
  (critical): an end-entity certificate. ``CA:TRUE`` is not needed for ``openssl verify``
  (OpenSSL 3 trusts a self-signed certificate given as its own CA file either way) and
  makes cryptography's Web PKI verifier refuse it: "basicConstraints.cA must not be
  asserted in an EE certificate";
- subjectKeyIdentifier and authorityKeyIdentifier (both from the key): RFC 5280 wants
  them, and cryptography's verifier requires the latter.
"""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

VALID_BEFORE_NOW = datetime.timedelta(days=1)
"""How far back validity starts: absorbs a verifier's clock that runs behind."""
VALID_AFTER_NOW = datetime.timedelta(days=365)


def subject_name(domain: str, country_code: str) -> x509.Name:
    """``C=<country_code>, CN=<domain>``."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country_code),
            x509.NameAttribute(NameOID.COMMON_NAME, domain),
        ]
    )


def build_certificate(
    key: rsa.RSAPrivateKey,
    *,
    domain: str,
    serial: int,
    country_code: str,
    now: datetime.datetime | None = None,
) -> x509.Certificate:
    """A certificate for ``domain`` in ``country_code``, self-signed by ``key`` (SHA-256)."""
    now = now or datetime.datetime.now(datetime.UTC)
    name = subject_name(domain, country_code)
    public_key = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(now - VALID_BEFORE_NOW)
        .not_valid_after(now + VALID_AFTER_NOW)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
    )
    return builder.sign(key, hashes.SHA256())

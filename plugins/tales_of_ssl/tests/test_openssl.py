"""Against the real OpenSSL command line: it reads and verifies what the solver builds, and
certificates it makes pass (or fail) the emulation's check as they should."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hackattic_tales_of_ssl.certificate import build_certificate
from hackattic_tales_of_ssl.checker import Required, Strictness, check_certificate
from hackattic_tales_of_ssl.keys import encode_private_key

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(
    OPENSSL is None, reason="the openssl command line is not installed (not on PATH)"
)

DOMAIN = "summer-fire-4799.gov"
SERIAL = 0x7A771E7A1  # odd length


def openssl(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None
    return subprocess.run(  # noqa: S603 - our own command and arguments
        [OPENSSL, *map(str, arguments)], capture_output=True, text=True, timeout=30
    )


@pytest.fixture
def certificate_files(private_key: rsa.RSAPrivateKey, tmp_path: Path) -> tuple[Path, Path]:
    """The solver's certificate as DER, and converted to PEM by openssl."""
    certificate = build_certificate(private_key, domain=DOMAIN, serial=SERIAL, country_code="CC")
    der = tmp_path / "cert.der"
    der.write_bytes(certificate.public_bytes(serialization.Encoding.DER))
    pem = tmp_path / "cert.pem"
    converted = openssl("x509", "-inform", "DER", "-in", der, "-outform", "PEM", "-out", pem)
    assert converted.returncode == 0, converted.stderr
    return der, pem


@pytest.fixture
def key_file(private_key: rsa.RSAPrivateKey, tmp_path: Path) -> Path:
    """The problem's key as hackattic sends it, decoded: PKCS#1 DER."""
    path = tmp_path / "key.der"
    path.write_bytes(base64.b64decode(encode_private_key(private_key)))
    return path


def test_openssl_reads_the_certificate(certificate_files: tuple[Path, Path]) -> None:
    der, _ = certificate_files
    shown = openssl("x509", "-inform", "DER", "-in", der, "-noout", "-text")
    assert shown.returncode == 0, shown.stderr
    for line in (
        "Version: 3 (0x2)",
        "Serial Number: 32874031009 (0x7a771e7a1)",
        "Signature Algorithm: sha256WithRSAEncryption",
        f"Issuer: C = CC, CN = {DOMAIN}",
        f"Subject: C = CC, CN = {DOMAIN}",
        "Public-Key: (1024 bit)",
        f"DNS:{DOMAIN}",
        "CA:FALSE",
    ):
        assert line in shown.stdout


def test_openssl_verifies_it_as_a_self_signed_server_certificate(
    certificate_files: tuple[Path, Path],
) -> None:
    _, pem = certificate_files
    # -check_ss_sig: without it OpenSSL 3 does not check a trust anchor's own signature,
    # so even a certificate with a corrupted signature would be "OK".
    verified = openssl(
        "verify", "-check_ss_sig", "-x509_strict", "-purpose", "sslserver",
        "-verify_hostname", DOMAIN, "-CAfile", pem, pem,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.strip() == f"{pem}: OK"


def test_openssl_refuses_it_for_another_host(certificate_files: tuple[Path, Path]) -> None:
    _, pem = certificate_files
    verified = openssl("verify", "-verify_hostname", "winter-fire-1.gov", "-CAfile", pem, pem)
    assert verified.returncode != 0
    assert "hostname mismatch" in verified.stdout + verified.stderr


def test_openssl_refuses_a_corrupted_signature(
    certificate_files: tuple[Path, Path], tmp_path: Path
) -> None:
    der, _ = certificate_files
    corrupted = bytearray(der.read_bytes())
    corrupted[-1] ^= 0x01  # the signature is the certificate's last field
    bad_der, bad_pem = tmp_path / "bad.der", tmp_path / "bad.pem"
    bad_der.write_bytes(corrupted)
    assert openssl("x509", "-inform", "DER", "-in", bad_der, "-out", bad_pem).returncode == 0
    verified = openssl("verify", "-check_ss_sig", "-CAfile", bad_pem, bad_pem)
    assert verified.returncode != 0
    assert "certificate signature failure" in verified.stdout + verified.stderr


def test_openssl_reads_the_emulations_key_as_pkcs1_der(key_file: Path) -> None:
    checked = openssl("rsa", "-inform", "DER", "-in", key_file, "-check", "-noout")
    assert checked.returncode == 0, checked.stderr
    assert "RSA key ok" in checked.stdout


def openssl_certificate(key_file: Path, tmp_path: Path, digest: str, subject: str) -> str:
    """A self-signed certificate made by `openssl req -x509`, as base64 of its DER."""
    path = tmp_path / f"openssl-{digest}.der"
    made = openssl(
        "req", "-x509", "-new", "-keyform", "DER", "-key", key_file, f"-{digest}",
        "-subj", subject, "-set_serial", hex(SERIAL), "-days", "2", "-outform", "DER",
        "-out", path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return base64.b64encode(path.read_bytes()).decode()


def test_the_check_accepts_a_certificate_openssl_makes(
    private_key: rsa.RSAPrivateKey, key_file: Path, tmp_path: Path
) -> None:
    required = Required(private_key.public_key(), DOMAIN, SERIAL, "CC")
    certificate = openssl_certificate(key_file, tmp_path, "sha256", f"/C=CC/CN={DOMAIN}")
    assert check_certificate(certificate, required) is None
    wrong_country = openssl_certificate(key_file, tmp_path, "sha256", f"/C=CK/CN={DOMAIN}")
    assert check_certificate(wrong_country, required) == "country is CK, expected CC"


def test_a_sha1_signature_is_refused_unless_any_hash_is_allowed(
    private_key: rsa.RSAPrivateKey, key_file: Path, tmp_path: Path
) -> None:
    # cryptography no longer signs with SHA-1: openssl makes the certificate.
    required = Required(private_key.public_key(), DOMAIN, SERIAL, "CC")
    certificate = openssl_certificate(key_file, tmp_path, "sha1", f"/C=CC/CN={DOMAIN}")
    assert check_certificate(certificate, required) == "signature hash is sha1, expected sha256"
    assert check_certificate(certificate, required, Strictness(signature_hash="any")) is None

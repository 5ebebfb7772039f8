"""The sandbox emulation: problems shaped like hackattic's, and a checker that names every
missing or wrong field."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from hackattic_password_hashing import emulation as emulation_module
from hackattic_password_hashing.challenge import PasswordHashingChallenge, PasswordHashingProblem
from hackattic_password_hashing.emulation import (
    CONTROL_HEX,
    Inputs,
    PasswordHashingEmulation,
    compare,
    scrypt_reference,
)
from hackattic_password_hashing.hashes import (
    hmac_sha256_hex,
    pbkdf2_hex,
    scrypt_hex,
    sha256_hex,
)

from hackattic_core import ConfigError, Issued

Build = Callable[..., Any]
SMALL = {"rounds": 1000, "scrypt_n": 1024, "scrypt_r": 8, "scrypt_p": 1}
EXPECTED = {"sha256": "aa" * 32, "hmac": "bb" * 32, "pbkdf2": "cc" * 32, "scrypt": "dd" * 32}


def issue(emulation: PasswordHashingEmulation) -> Issued[Inputs]:
    return asyncio.run(emulation.new_problem())


def check(
    emulation: PasswordHashingEmulation, issued: Issued[Inputs], answer: dict[str, Any]
) -> str | None:
    return asyncio.run(emulation.check(issued, answer))


def right_answer(raw: dict[str, Any]) -> dict[str, str]:
    """What the solver's functions compute for ``raw`` (code the checker does not share)."""
    problem = PasswordHashingProblem.model_validate(raw)
    password, salt, scrypt = problem.password.encode(), problem.salt, problem.scrypt
    return {
        "sha256": sha256_hex(password),
        "hmac": hmac_sha256_hex(salt, password),
        "pbkdf2": pbkdf2_hex(problem.pbkdf2.hash, password, salt, problem.pbkdf2.rounds),
        "scrypt": scrypt_hex(password, salt, scrypt.n, scrypt.r, scrypt.p, scrypt.buflen),
    }


def test_problems_have_hackattics_shape(hackattic_emulation: Build) -> None:
    emulation = hackattic_emulation(PasswordHashingEmulation, **SMALL)
    problem = issue(emulation).problem
    assert set(problem) == {"password", "salt", "pbkdf2", "scrypt"}
    assert problem["pbkdf2"] == {"rounds": 1000, "hash": "sha256"}
    assert problem["scrypt"] == {"N": 1024, "r": 8, "p": 1, "buflen": 32, "_control": CONTROL_HEX}
    assert 8 <= len(base64.b64decode(problem["salt"], validate=True)) <= 16
    assert isinstance(problem["password"], str)
    assert problem["password"]


def test_defaults_are_realistic(hackattic_emulation: Build) -> None:
    emulation = hackattic_emulation(PasswordHashingChallenge)
    problems = [issue(emulation).problem for _ in range(20)]
    for problem in problems:
        assert problem["pbkdf2"]["hash"] == "sha256"
        assert 490_000 <= problem["pbkdf2"]["rounds"] <= 600_000
        assert {k: problem["scrypt"][k] for k in ("N", "r", "p", "buflen")} == {
            "N": 2**18,
            "r": 16,
            "p": 2,
            "buflen": 32,
        }
    assert len({problem["pbkdf2"]["rounds"] for problem in problems}) > 1


def test_non_ascii_passwords_are_an_option(hackattic_emulation: Build) -> None:
    plain = hackattic_emulation(PasswordHashingEmulation, **SMALL)
    assert all(issue(plain).problem["password"].isascii() for _ in range(40))
    wide = hackattic_emulation(PasswordHashingEmulation, **SMALL, non_ascii=True)
    assert any(not issue(wide).problem["password"].isascii() for _ in range(40))


def test_the_old_field_name_iterations(hackattic_emulation: Build) -> None:
    emulation = hackattic_emulation(PasswordHashingEmulation, **SMALL, rounds_field="iterations")
    assert issue(emulation).problem["pbkdf2"] == {"iterations": 1000, "hash": "sha256"}


def test_the_right_answer_passes(hackattic_emulation: Build) -> None:
    emulation = hackattic_emulation(PasswordHashingEmulation, **SMALL, pbkdf2_hash="sha512")
    for _ in range(3):
        issued = issue(emulation)
        assert check(emulation, issued, right_answer(issued.problem)) is None


def test_every_wrong_or_missing_field_is_named(hackattic_emulation: Build) -> None:
    emulation = hackattic_emulation(PasswordHashingEmulation, **SMALL)
    issued = issue(emulation)
    right = right_answer(issued.problem)
    one_wrong = {**right, "pbkdf2": "00" * 32}
    assert check(emulation, issued, one_wrong) == (
        f"wrong pbkdf2: got {'00' * 32!r}, expected {right['pbkdf2']!r}"
    )
    reason = check(emulation, issued, {"sha256": right["hmac"], "hmac": 5, "scrypt": ""}) or ""
    assert reason.split("; ") == [
        f"wrong sha256: got {right['hmac']!r}, expected {right['sha256']!r}",
        "wrong hmac: expected a hex string, got 5",
        "missing field 'pbkdf2'",
        f"wrong scrypt: got '', expected {right['scrypt']!r}",
    ]


def test_uppercase_hex_is_refused_unless_accepted(hackattic_emulation: Build) -> None:
    strict = hackattic_emulation(PasswordHashingEmulation, **SMALL)
    issued = issue(strict)
    shouting = {**right_answer(issued.problem)}
    shouting["scrypt"] = shouting["scrypt"].upper()
    assert check(strict, issued, shouting) == (
        f"wrong scrypt: not lowercase hex: {shouting['scrypt']!r}"
    )
    lenient = hackattic_emulation(PasswordHashingEmulation, **SMALL, accept_uppercase=True)
    issued = issue(lenient)
    shouting = {k: v.upper() for k, v in right_answer(issued.problem).items()}
    assert check(lenient, issued, shouting) is None


def test_a_long_wrong_answer_is_quoted_short() -> None:
    reason = compare(EXPECTED, {**EXPECTED, "hmac": "f" * 10_000}) or ""
    assert reason.startswith("wrong hmac: got 'ffff")
    assert len(reason) < 200


def test_the_answer_is_computed_once(
    hackattic_emulation: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulation = hackattic_emulation(PasswordHashingEmulation, **SMALL)
    issued = issue(emulation)
    assert check(emulation, issued, {}) is not None

    async def no_more(*args: object) -> dict[str, str]:
        raise AssertionError("computed again")

    monkeypatch.setattr(emulation_module, "expected_answer", no_more)
    assert check(emulation, issued, right_answer(issued.problem)) is None


def test_scrypt_beyond_hashlibs_limit_uses_cryptography(monkeypatch: pytest.MonkeyPatch) -> None:
    # RFC 7914 section 12's vector, with hashlib's limit lowered below what it needs.
    vector = (
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
    )
    assert scrypt_reference(b"password", b"NaCl", 1024, 8, 16, 64) == vector

    def no_hashlib(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("hashlib used")

    monkeypatch.setattr(emulation_module, "HASHLIB_MAXMEM", 1024 * 1024)
    monkeypatch.setattr(hashlib, "scrypt", no_hashlib)
    assert scrypt_reference(b"password", b"NaCl", 1024, 8, 16, 64) == vector


@pytest.mark.parametrize(
    ("option", "value", "reason"),
    [
        ("scrypt_n", 1000, "power of two"),
        ("pbkdf2_hash", "md7", "cannot use the hash"),
        ("rounds", 0, "greater than or equal to 1"),
        ("rounds_field", "count", "rounds"),
    ],
)
def test_bad_conditions_are_refused(
    hackattic_emulation: Build, option: str, value: object, reason: str
) -> None:
    with pytest.raises(ConfigError, match=reason):
        hackattic_emulation(PasswordHashingEmulation, **{option: value})

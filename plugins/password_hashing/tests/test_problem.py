"""The problem model: hackattic's JSON in, every malformed field refused by name."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hackattic_password_hashing.challenge import (
    PasswordHashingChallenge,
    PasswordHashingProblem,
    PasswordHashingSolution,
)

from hackattic_core import ProblemError, validate_problem

RAW: dict[str, Any] = {
    "password": "correct horse",
    "salt": "c2FsdHlzYWx0",  # b"saltysalt"
    "pbkdf2": {"rounds": 500000, "hash": "sha256"},
    "scrypt": {
        "N": 262144,
        "r": 16,
        "p": 2,
        "buflen": 32,
        "_control": "b19a18ea8a50a861d08eb94be602f6cbfe67ab98d2021400a3b83fbe3b8ba698",
    },
    "extra": "ignored",
}


def changed(path: str, value: object) -> dict[str, Any]:
    """RAW with the field at ``path`` ("scrypt.N") set to ``value`` (deleted if ...)."""
    raw = copy.deepcopy(RAW)
    *parents, last = path.split(".")
    target = raw
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return raw


def test_reads_hackattics_problem() -> None:
    problem = PasswordHashingProblem.model_validate(RAW)
    assert problem.password == "correct horse"
    assert problem.salt == b"saltysalt"
    assert (problem.pbkdf2.rounds, problem.pbkdf2.hash) == (500000, "sha256")
    scrypt = problem.scrypt
    assert (scrypt.n, scrypt.r, scrypt.p, scrypt.buflen) == (262144, 16, 2, 32)
    assert scrypt.control == RAW["scrypt"]["_control"]


def test_the_old_name_iterations_is_read_as_rounds() -> None:
    raw = changed("pbkdf2.rounds", ...)
    raw["pbkdf2"]["iterations"] = 1234
    assert PasswordHashingProblem.model_validate(raw).pbkdf2.rounds == 1234


def test_the_control_is_optional() -> None:
    assert (
        PasswordHashingProblem.model_validate(changed("scrypt._control", ...)).scrypt.control
        is None
    )


def test_the_hash_name_is_hashlibs() -> None:
    assert PasswordHashingProblem.model_validate(changed("pbkdf2.hash", "SHA512")).pbkdf2.hash == (
        "sha512"
    )


@pytest.mark.parametrize(
    ("path", "value", "field", "reason"),
    [
        ("salt", "not base64!", "salt", "not valid base64"),
        ("salt", 12, "salt", "expected a base64 string"),
        ("salt", ..., "salt", "field required"),
        ("password", "\udc80", "password", "unable to parse raw data as a unicode string"),
        ("pbkdf2.hash", "md7", "pbkdf2.hash", "hash 'md7' is not one pbkdf2 can use"),
        ("pbkdf2.hash", "shake_128", "pbkdf2.hash", "is not one pbkdf2 can use"),
        ("pbkdf2.rounds", 0, "pbkdf2.rounds", "greater than or equal to 1"),
        ("pbkdf2.rounds", 2**31, "pbkdf2.rounds", "less than or equal to"),
        ("pbkdf2.rounds", ..., "pbkdf2.rounds", "field required"),
        ("scrypt.N", 1000, "scrypt.N", "n must be a power of two"),
        ("scrypt.N", 1, "scrypt.N", "greater than or equal to 2"),
        ("scrypt.r", 0, "scrypt.r", "greater than or equal to 1"),
        ("scrypt.buflen", 0, "scrypt.buflen", "greater than or equal to 1"),
        ("scrypt.buflen", 10**9, "scrypt.buflen", "less than or equal to"),
        ("scrypt.r", 10**9, "scrypt.r", "less than or equal to"),
        ("scrypt.r", 10**10, "scrypt.r", "less than or equal to"),
        ("scrypt.N", 2**70, "scrypt.N", "less than or equal to"),
        ("scrypt.p", 2**40, "scrypt.p", "less than or equal to"),
        ("password", "x" * (64 * 1024 + 1), "password", "at most 65536 characters"),
        ("salt", "QUFB" * 20_000, "salt", "over the limit of 65,536"),
    ],
)
def test_a_malformed_problem_is_refused_naming_the_field(
    path: str, value: object, field: str, reason: str
) -> None:
    with pytest.raises(ProblemError) as caught:
        validate_problem(PasswordHashingChallenge, changed(path, value))
    message = str(caught.value)
    assert f"field {field!r}" in message
    assert reason in message.lower()
    assert "\n" not in message


def test_parameters_openssl_would_refuse_are_refused() -> None:
    raw = changed("scrypt.r", 1)
    raw["scrypt"]["N"] = 2**16  # N must be below 2**(16·r)
    with pytest.raises(ProblemError, match=r"field 'scrypt'.*must be below 2\*\*\(16·r\)"):
        validate_problem(PasswordHashingChallenge, raw)


def test_the_solution_json_has_hackattics_field_names() -> None:
    solution = PasswordHashingSolution(sha256="a", hmac="b", pbkdf2="c", scrypt="d")
    assert solution.model_dump(mode="json") == {
        "sha256": "a",
        "hmac": "b",
        "pbkdf2": "c",
        "scrypt": "d",
    }


def test_openssls_own_limit_on_p_128_r_is_ours_in_one_line() -> None:
    raw = changed("scrypt.p", 2**21)
    raw["scrypt"].update(N=1024, r=8)  # p·128·r = 2**31 bytes
    with pytest.raises(ProblemError) as caught:
        validate_problem(PasswordHashingChallenge, raw)
    message = str(caught.value)
    assert "p·128·r = 2147483648 bytes is over OpenSSL's limit of 2147483647" in message
    assert "\n" not in message

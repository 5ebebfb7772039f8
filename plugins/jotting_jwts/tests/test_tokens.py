"""The token rules, on tokens made by PyJWT and by the emulation's hand encoder."""

from __future__ import annotations

import time

import jwt
import pytest
from hackattic_jotting_jwts.forge import encode
from hackattic_jotting_jwts.tokens import Outcome, TokenCollector

SECRET = b"s3cr3t-key-long-enough-for-pyjwt!"


def _collector(**kwargs: object) -> TokenCollector:
    return TokenCollector(SECRET, **kwargs)  # type: ignore[arg-type]


def test_valid_tokens_are_appended_in_order_and_the_last_one_answers() -> None:
    collector = _collector()
    now = int(time.time())
    bodies = [
        jwt.encode({"append": "ab"}, SECRET, algorithm="HS256"),
        encode({"append": "cd", "exp": now + 60}, SECRET),
        encode({"append": "ef", "nbf": now - 60}, SECRET).encode() + b"\n",  # whitespace ok
    ]
    for body in bodies:
        verdict = collector.receive(body if isinstance(body, bytes) else body.encode())
        assert verdict.outcome is Outcome.APPENDED
    final = collector.receive(jwt.encode({"iat": now}, SECRET, algorithm="HS256").encode())
    assert (final.outcome, final.detail) == (Outcome.FINAL, "abcdef")
    assert collector.receive(encode({"append": "zz"}, SECRET).encode()).outcome is Outcome.REFUSED


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (encode({"append": "x"}, b"another secret"), "Signature"),
        (encode({"append": "x", "exp": int(time.time()) - 10}, SECRET), "expired"),
        (encode({"append": "x", "nbf": int(time.time()) + 3600}, SECRET), "yet valid"),
        (encode({"append": "x"}, SECRET, alg="none"), "alg"),
        (encode({"append": "x"}, SECRET, alg="HS512"), "alg"),
        ("not a token", "segments"),
        ("a.b.c", ""),
        (encode({"append": 42}, SECRET), "not a string"),
    ],
)
def test_invalid_tokens_are_skipped(token: str, reason: str) -> None:
    collector = _collector()
    verdict = collector.receive(token.encode())
    assert verdict.outcome is Outcome.SKIPPED
    assert reason.lower() in verdict.detail.lower()
    assert collector.parts == []
    assert collector.skipped == 1


def test_an_invalid_token_without_append_does_not_end_the_exchange() -> None:
    collector = _collector()
    assert collector.receive(encode({}, b"wrong").encode()).outcome is Outcome.SKIPPED
    assert collector.receive(encode({}, SECRET, alg="none").encode()).outcome is Outcome.SKIPPED
    assert collector.solution is None


def test_non_ascii_bodies_are_skipped() -> None:
    assert _collector().receive("é.é.é".encode()).outcome is Outcome.SKIPPED


def test_leeway_admits_a_token_just_expired() -> None:
    token = encode({"append": "x", "exp": int(time.time()) - 5}, SECRET).encode()
    assert _collector().receive(token).outcome is Outcome.SKIPPED
    assert _collector(leeway_seconds=60).receive(token).outcome is Outcome.APPENDED


def test_bounds_on_tokens_and_text() -> None:
    collector = _collector(max_tokens=2, max_solution_chars=3)
    assert collector.receive(encode({"append": "ab"}, SECRET).encode()).outcome is Outcome.APPENDED
    assert collector.receive(encode({"append": "cd"}, SECRET).encode()).outcome is Outcome.REFUSED
    assert collector.receive(encode({}, SECRET).encode()).outcome is Outcome.REFUSED
    assert collector.parts == ["ab"]


def test_the_secret_is_not_in_the_collectors_repr() -> None:
    assert "s3cr3t" not in repr(_collector())

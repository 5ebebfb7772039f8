"""The token stays out of text and logs: ``redact`` and ``RedactingFilter``."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from hackattic_core import redaction
from hackattic_core.redaction import MASK, RedactingFilter, redact, register_secret

TOKEN = "tok-SECRET-1234567890"


@pytest.fixture(autouse=True)
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no registered secret (the registry is process-wide)."""
    monkeypatch.setattr(redaction, "_secrets", set())


# -- redact --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"GET https://hackattic.com/challenges/x/problem?access_token={TOKEN}",
            "GET https://hackattic.com/challenges/x/problem?access_token=***",
        ),
        (
            f"POST /challenges/x/solve?access_token={TOKEN}&playground=1 failed",
            "POST /challenges/x/solve?access_token=***&playground=1 failed",
        ),
        (
            f"/solve?playground=1&access_token={TOKEN}#frag",
            "/solve?playground=1&access_token=***#frag",
        ),
        (
            f"<Request('GET', 'https://h/p?access_token={TOKEN}')>",
            "<Request('GET', 'https://h/p?access_token=***')>",
        ),
        (
            f'{{"url": "https://h/p?access_token={TOKEN}"}}',
            '{"url": "https://h/p?access_token=***"}',
        ),
        (
            f"two: ?access_token={TOKEN} and ?access_token=other-token\nnext line",
            "two: ?access_token=*** and ?access_token=***\nnext line",
        ),
    ],
)
def test_redact_masks_the_token_in_urls(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert TOKEN not in redact(text)


def test_redact_leaves_other_text_alone() -> None:
    text = "GET /challenges/x/problem?playground=1: 503 Service Unavailable"
    assert redact(text) == text
    assert redact("") == ""


def test_redact_masks_registered_secrets_anywhere() -> None:
    assert redact(f"the body echoed {TOKEN} back") == f"the body echoed {TOKEN} back"
    register_secret(TOKEN)
    assert redact(f"the body echoed {TOKEN} back") == f"the body echoed {MASK} back"
    assert redact(f'{{"token": "{TOKEN}", "again": "{TOKEN}"}}') == (
        f'{{"token": "{MASK}", "again": "{MASK}"}}'
    )
    # ...including where it is not a query parameter and glued to other text.
    assert TOKEN not in redact(f"Bearer{TOKEN}!")


def test_very_short_values_are_not_registered() -> None:
    register_secret("abc")
    assert redact("abc abcdef") == "abc abcdef"
    register_secret("abcd")
    assert redact("abc abcdef") == "abc ***ef"


class _OrderedSet(dict[str, None]):
    """A set that iterates in insertion order, to make the iteration order explicit."""

    def add(self, value: str) -> None:
        self[value] = None


def test_a_secret_containing_another_is_masked_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redaction, "_secrets", _OrderedSet())
    register_secret("tok-1234")
    register_secret("tok-1234-and-its-private-tail")
    assert "private-tail" not in redact("token tok-1234-and-its-private-tail")


# -- RedactingFilter -----------------------------------------------------------------------


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private logger whose only handler writes, through the filter, to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("hackattic.tests.redaction")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def test_filter_redacts_a_token_passed_as_an_argument(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.info("HTTP Request: %s %s", "GET", f"https://h/p?access_token={TOKEN}&x=1")
    assert stream.getvalue() == "INFO HTTP Request: GET https://h/p?access_token=***&x=1\n"


def test_filter_redacts_a_registered_secret_in_the_message(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    register_secret(TOKEN)
    logger.warning(f"the token {TOKEN} leaked into the format string")
    logger.warning("as an argument: %r", {"token": TOKEN})
    output = stream.getvalue()
    assert TOKEN not in output
    assert output.count(MASK) == 2


def test_filter_formats_arguments_without_a_token_normally(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.warning("retry %d/%d: waiting %.1fs", 1, 4, 0.5)
    # Formatted once: a % in an argument, or one produced by formatting, stays as it is.
    logger.warning("%d%% of %s", 50, "100%s")
    logger.warning("with a token: %d%% of %s", 50, f"?access_token={TOKEN}")
    assert stream.getvalue() == (
        "WARNING retry 1/4: waiting 0.5s\n"
        "WARNING 50% of 100%s\n"
        "WARNING with a token: 50% of ?access_token=***\n"
    )


def test_filter_redacts_a_non_string_message(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.error(ValueError(f"bad url ?access_token={TOKEN}"))
    assert stream.getvalue() == "ERROR bad url ?access_token=***\n"


def test_filter_redacts_the_traceback_and_keeps_it(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    register_secret(TOKEN)

    def failing() -> None:
        raise ConnectionError(f"cannot reach https://h/p?access_token={TOKEN}")

    try:
        failing()
    except ConnectionError:
        logger.exception("request failed for %s", f"?access_token={TOKEN}")
    output = stream.getvalue()
    assert TOKEN not in output
    assert output.startswith("ERROR request failed for ?access_token=***\n")
    assert "Traceback (most recent call last)" in output
    assert "in failing" in output
    assert "ConnectionError: cannot reach https://h/p?access_token=***" in output


def test_a_redacted_record_stays_redacted_for_later_handlers(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    """The filter changes the record itself, so a second, unfiltered handler sees it clean."""
    logger, stream = logged
    other = io.StringIO()
    plain = logging.StreamHandler(other)
    plain.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(plain)
    try:
        raise RuntimeError(f"?access_token={TOKEN}")
    except RuntimeError:
        logger.exception("boom %s", f"?access_token={TOKEN}")
    assert TOKEN not in stream.getvalue()
    assert TOKEN not in other.getvalue()
    assert "RuntimeError: ?access_token=***" in other.getvalue()


def test_a_malformed_log_call_does_not_raise(
    logged: tuple[logging.Logger, io.StringIO], monkeypatch: pytest.MonkeyPatch
) -> None:
    logger, _ = logged
    monkeypatch.setattr(logging, "raiseExceptions", False)
    logger.warning("expected a number: %d", "not a number")

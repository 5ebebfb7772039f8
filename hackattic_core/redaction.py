"""Keep the access token out of everything printed or logged.

The token travels in the query string, so any URL in a log line, an exception or a
traceback would carry it. :func:`redact` masks ``access_token=…`` and every token value
registered with :func:`register_secret`; :class:`RedactingFilter` applies it to log records
(httpx's own included).
"""

from __future__ import annotations

import logging
import re
from typing import Any

_QUERY_TOKEN = re.compile(r"(access_token=)[^&\s\"'<>#]+")
_secrets: set[str] = set()

MASK = "***"


def register_secret(value: str) -> None:
    """Mask ``value`` wherever it appears from now on."""
    # Very short values would mask innocent text; a real token is long.
    if len(value) >= 4:
        _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with the access token masked as ``access_token=***``."""
    text = _QUERY_TOKEN.sub(r"\1" + MASK, text)
    # Longest first, so a secret that is a prefix of another cannot leave its tail in clear.
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_data(value: Any) -> Any:
    """A copy of ``value`` (JSON-like data) with every string, keys included, redacted.

    Mask the data, then serialise: masking serialised JSON could cut an escape sequence in
    half (``\\"`` right after a token) and leave invalid JSON.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(key): redact_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's final message in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so no handler formats the raw one.
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True

"""Text from elsewhere, made harmless for a terminal and for ``--json``.

What a service (or a plugin) sends may hold control sequences: ESC and C1 controls clear
the screen, rewrite a line, set the window title or the clipboard; bidi overrides reorder
what is shown; a lone surrogate cannot even be encoded. :func:`visible` turns each such
character into a visible escape (``\\x1b``, ``\\u202e``) for people; :func:`escape_json`
escapes them inside serialised JSON, where the value stays exactly the same.
"""

from __future__ import annotations

import re

from hackattic_core.redaction import redact

_DANGEROUS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but tab and newline, DEL, C1
    "\u00ad\u061c\u180e"  # invisible format characters
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f"  # zero-width, line/paragraph separators, bidi
    "\ufeff\ufff9-\ufffb"  # BOM, interlinear annotations
    "\ud800-\udfff"  # lone surrogates (json.loads makes them from "\ud800")
)
_UNSAFE = re.compile(f"[{_DANGEROUS}]")
_UNSAFE_ONE_LINE = re.compile(f"[\t\n{_DANGEROUS}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, one_line: bool = False) -> str:
    """``text`` with every control or invisible format character shown as an escape.

    Tabs and newlines are kept unless ``one_line`` (then shown as ``\\t`` and ``\\n``).
    """
    pattern = _UNSAFE_ONE_LINE if one_line else _UNSAFE
    return pattern.sub(_escape, text)


_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def escape_json(serialised: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with the characters that
    JSON leaves raw but a terminal acts on written as ``\\uXXXX``: the same JSON value.

    Safe on serialised text because such characters can only stand inside strings, where
    ``\\uXXXX`` means exactly the character (``json.dumps`` already escapes C0).
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", serialised)


def shown(text: str) -> str:
    """Text from elsewhere (a server, a plugin) as printed for a person: redacted, one
    line, every control character visible."""
    return visible(redact(text), one_line=True)

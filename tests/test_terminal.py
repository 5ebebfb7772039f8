"""Text from elsewhere made harmless: visible escapes for people, exact values in JSON."""

from __future__ import annotations

import json

import pytest

from hackattic_core.terminal import escape_json, visible

HOSTILE = "a\x1b[2J\x1b]52;c;eA==\x07\tb\nc\r\x9b31m\x7f\u202e\u200b\ud800 ✓ é ü"


def test_visible_escapes_every_control_and_keeps_text() -> None:
    shown = visible(HOSTILE)
    assert shown == (
        "a\\x1b[2J\\x1b]52;c;eA==\\x07\tb\nc\\r\\x9b31m\\x7f\\u202e\\u200b\\ud800 ✓ é ü"
    )


def test_visible_on_one_line_escapes_tabs_and_newlines_too() -> None:
    assert visible("a\tb\nc\r", one_line=True) == "a\\tb\\nc\\r"


@pytest.mark.parametrize("one_line", [False, True])
def test_visible_leaves_nothing_a_terminal_acts_on(one_line: bool) -> None:
    shown = visible("".join(map(chr, range(0x110000))).replace("\\", ""), one_line=one_line)
    assert not any(ch == "\x1b" or "\x7f" <= ch <= "\x9f" for ch in shown)
    shown.encode("utf-8")  # no lone surrogate left


def test_escape_json_keeps_the_value_and_escapes_what_json_leaves_raw() -> None:
    data = {"message": HOSTILE, HOSTILE: [HOSTILE]}
    text = escape_json(json.dumps(data, ensure_ascii=False))
    assert json.loads(text) == data
    assert not any("\x7f" <= ch <= "\x9f" or ch in "\x1b\u202e\u200b" for ch in text)
    assert "✓ é ü" in text  # ordinary text stays readable
    text.encode("utf-8")

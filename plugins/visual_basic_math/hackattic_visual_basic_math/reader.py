"""Read the picture's lines: segmentation, then the operator and digit classifiers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .classify import classify_digits, classify_operator
from .segment import GREY, Glyph, segment


class ReadError(ValueError):
    """The picture does not hold lines of an operator and a number."""


@dataclass(frozen=True)
class ReadLine:
    operator: str
    digits: str
    confidence: float  # the lowest share of the vote among its digits

    @property
    def number(self) -> int:
        return int(self.digits)

    def __str__(self) -> str:
        return f"{self.operator}{self.digits}"


def read_lines(rgb: NDArray[np.uint8], max_lines: int, max_digits: int) -> list[ReadLine]:
    """Every line, top to bottom."""
    lines = segment(rgb)
    if not lines:
        raise ReadError("the picture holds no ink")
    if len(lines) > max_lines:
        raise ReadError(f"the picture holds {len(lines)} lines, more than {max_lines}")
    read: list[ReadLine] = []
    for number, glyphs in enumerate(lines, start=1):
        operator, digits = _split(glyphs, number)
        if len(digits) > max_digits:
            raise ReadError(f"line {number} has {len(digits)} digits, more than {max_digits}")
        values, shares = classify_digits(digits)
        read.append(ReadLine(operator, "".join(map(str, values)), min(shares)))
    return read


def _split(glyphs: list[Glyph], number: int) -> tuple[str, list[Glyph]]:
    """The line's operator (its leftmost grey glyph) and its digits (the coloured ones)."""
    first = glyphs[0]
    if first.colour != GREY:
        raise ReadError(f"line {number} does not start with a grey operator")
    operator = classify_operator(first)
    if operator is None:
        raise ReadError(f"line {number}: its operator is not one of + - × ÷")
    digits = [g for g in glyphs[1:] if g.colour != GREY]
    if not digits:
        raise ReadError(f"line {number} has an operator but no digits")
    return operator, digits

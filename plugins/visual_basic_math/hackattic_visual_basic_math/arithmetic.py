"""Apply the lines to 0, top to bottom, in exact integers."""

from __future__ import annotations

from collections.abc import Iterable


class EvaluationError(ValueError):
    """A line the arithmetic cannot apply (division by zero)."""


def evaluate(lines: Iterable[tuple[str, int]]) -> int:
    """0, then each ``(operator, number)`` in turn; ``÷`` is floor division like
    hackattic's (``-10 ÷ 3 = -4``, Python's ``//``). Python ints never overflow, and the
    results do exceed 64 bits (8 lines of 7 digits reach 10^50)."""
    value = 0
    for operator, number in lines:
        if operator == "+":
            value += number
        elif operator == "-":
            value -= number
        elif operator == "×":
            value *= number
        elif operator == "÷":
            if number == 0:
                raise EvaluationError("a line divides by 0")
            value //= number
        else:
            raise EvaluationError(f"unknown operator {operator!r}")
    return value

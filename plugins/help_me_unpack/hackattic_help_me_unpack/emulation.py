"""The offline sandbox's stand-in for help_me_unpack: packs six numbers, checks them back.

Problems are laid out as hackattic lays them out (see :mod:`.challenge`), packed one field
at a time rather than with the solver's format string, so that the two are not the same
code. As in real problems, the two padding bytes after the short are ``00 00`` and the two
doubles hold the same value; ``-o random_padding=true`` makes the padding random (a solver
reading the short as four bytes then nearly always fails, not only when the short is
negative) and ``-o distinct_doubles=true`` draws the doubles apart (a solver reading one
double twice fails).

The checker wants integers exactly (a JSON float or a boolean is refused) and floats within
a relative tolerance, since a float's decimal text may be rounded: ``FLOAT_REL_TOL`` for
the single-precision float (7 significant digits), ``DOUBLE_REL_TOL`` for the doubles. It
names every field that is missing or wrong, e.g. ``wrong float: got 1.5, expected 1.25``.
"""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

from pydantic import Field

from hackattic_core import Emulation, EmulationConditions, Issued

FLOAT_REL_TOL = 1e-6
DOUBLE_REL_TOL = 1e-9

INTEGER_FIELDS = ("int", "uint", "short")
FLOAT_TOLERANCES = {
    "float": FLOAT_REL_TOL,
    "double": DOUBLE_REL_TOL,
    "big_endian_double": DOUBLE_REL_TOL,
}
FIELDS = (*INTEGER_FIELDS, *FLOAT_TOLERANCES)


Values = dict[str, int | float]
"""One problem's numbers, by field name."""
REAL_PADDING = b"\x00\x00"


class HelpMeUnpackConditions(EmulationConditions):
    random_padding: bool = Field(
        default=False,
        description="Random padding bytes after the short (hackattic sends 00 00).",
    )
    distinct_doubles: bool = Field(
        default=False,
        description="Draw the two doubles apart (hackattic sends the same value twice).",
    )


def pack(values: Values, padding: bytes) -> bytes:
    """The 32 bytes hackattic would send for ``values`` (one entry per field of FIELDS)."""
    return b"".join(
        [
            struct.pack("<i", values["int"]),
            struct.pack("<I", values["uint"]),
            struct.pack("<h", values["short"]),
            padding,
            struct.pack("<f", values["float"]),
            struct.pack("<d", values["double"]),
            struct.pack(">d", values["big_endian_double"]),
        ]
    )


def as_float32(value: float) -> float:
    """``value`` rounded to single precision: what a packed float holds."""
    (rounded,) = struct.unpack("<f", struct.pack("<f", value))
    return float(rounded)


def check_values(expected: Values, solution: dict[str, Any]) -> str | None:
    """None when ``solution`` holds ``expected``; otherwise every field missing or wrong."""
    problems = []
    for name in FIELDS:
        if name not in solution:
            problems.append(f"missing field {name!r}")
            continue
        got, want = solution[name], expected[name]
        if name in INTEGER_FIELDS:
            right = type(got) is int and got == want
        else:
            right = (
                type(got) in (int, float)
                and math.isfinite(got)
                and math.isclose(got, want, rel_tol=FLOAT_TOLERANCES[name])
            )
        if not right:
            problems.append(f"wrong {name}: got {got!r}, expected {want!r}")
    return "; ".join(problems) or None


class HelpMeUnpackEmulation(Emulation[HelpMeUnpackConditions, Values]):
    conditions_model = HelpMeUnpackConditions

    async def new_problem(self) -> Issued[Values]:
        rng = self.env.rng
        conditions = self.env.conditions

        def magnitude() -> float:
            # From tiny to large, so a tolerance that is absolute by mistake shows.
            return float(10 ** rng.randint(-3, 9))

        double = rng.uniform(-1, 1) * magnitude()
        values: Values = {
            "int": rng.randint(-(2**31), 2**31 - 1),
            "uint": rng.randint(0, 2**32 - 1),
            "short": rng.randint(-(2**15), 2**15 - 1),
            "float": as_float32(rng.uniform(-1, 1) * magnitude()),
            "double": double,
            "big_endian_double": (
                rng.uniform(-1, 1) * magnitude() if conditions.distinct_doubles else double
            ),
        }
        padding = rng.randbytes(2) if conditions.random_padding else REAL_PADDING
        data = pack(values, padding=padding)
        return Issued(problem={"bytes": base64.b64encode(data).decode("ascii")}, state=values)

    async def check(self, issued: Issued[Values], solution: dict[str, Any]) -> str | None:
        return check_values(issued.state, solution)

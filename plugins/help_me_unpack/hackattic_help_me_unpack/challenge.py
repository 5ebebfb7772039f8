"""The challenge help_me_unpack: read six numbers out of 32 packed bytes.

The problem's ``bytes`` (base64) is a C struct on a little-endian machine followed by one
big-endian double, 32 bytes in all::

    offset  size  field               format
         0     4  int                 signed 32-bit, little-endian
         4     4  uint                unsigned 32-bit, little-endian
         8     2  short               signed 16-bit, little-endian
        10     2  (padding)           aligns the float to 4 bytes, as a C compiler does
        12     4  float               IEEE 754 single, little-endian
        16     8  double              IEEE 754 double, little-endian
        24     8  big_endian_double   IEEE 754 double, big-endian

The padding's content is not specified (real problems have ``00 00``): it is skipped,
never read.

Bytes may decode to a float that JSON cannot hold (NaN, Infinity). Such a field is sent as
the string ``"NaN"``, ``"Infinity"`` or ``"-Infinity"`` (Python's and JavaScript's spelling),
so that the submitted body and ``--json`` stay strict JSON; what hackattic would accept
there is not known (its problems are random finite values), so
``HACKATTIC_HELP_ME_UNPACK_NON_FINITE=refuse`` fails such a problem in one line instead.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import math
import struct
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from hackattic_core import Challenge, ChallengeSettings, Context, Problem, Solution, SolverError

LITTLE_ENDIAN_STRUCT = struct.Struct("<iIh2xfd")
"""int, uint, short, two padding bytes, float, double: the first 24 bytes."""
BIG_ENDIAN_DOUBLE = struct.Struct(">d")
"""The last 8 bytes."""
PACKED_SIZE = LITTLE_ENDIAN_STRUCT.size + BIG_ENDIAN_DOUBLE.size  # 32
BASE64_SIZE = 44
"""The base64 of 32 bytes: anything much longer is refused before it is decoded."""
FLOAT_FIELDS = ("float", "double", "big_endian_double")
NON_FINITE_TEXT = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
"""How a float JSON cannot hold is sent (``repr`` of the float → the text)."""


class HelpMeUnpackProblem(Problem):
    """What ``GET /challenges/help_me_unpack/problem`` returns: ``{"bytes": "<base64>"}``."""

    bytes: builtins.bytes
    """The packed bytes, decoded from base64 (the field is refused unless 32 bytes)."""

    @field_validator("bytes", mode="before")
    @classmethod
    def _decode(cls, value: object) -> builtins.bytes:
        if not isinstance(value, str):
            raise ValueError("expected a base64 string")
        if len(value) > 4 * BASE64_SIZE:
            raise ValueError(
                f"expected {PACKED_SIZE} bytes ({BASE64_SIZE} base64 characters), "
                f"got {len(value):,} characters"
            )
        try:
            data = base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"not valid base64: {exc}") from None
        if len(data) != PACKED_SIZE:
            raise ValueError(f"expected {PACKED_SIZE} bytes, got {len(data)}")
        return data


class HelpMeUnpackSolution(Solution):
    """What ``POST /challenges/help_me_unpack/solve`` expects: the six numbers."""

    # builtins.*: the fields are named after the types, as hackattic names them.
    # A float JSON cannot hold is the text "NaN", "Infinity" or "-Infinity" (see above).
    int: builtins.int
    uint: builtins.int
    short: builtins.int
    float: builtins.float | builtins.str
    double: builtins.float | builtins.str
    big_endian_double: builtins.float | builtins.str


class HelpMeUnpackSettings(ChallengeSettings):
    """The solver's settings, as ``HACKATTIC_HELP_ME_UNPACK_*`` (environment or .env)."""

    model_config = SettingsConfigDict(env_prefix="HACKATTIC_HELP_ME_UNPACK_")

    non_finite: Literal["string", "refuse"] = Field(
        default="string",
        description="A float that is NaN or infinite: sent as the string NaN, Infinity or "
        "-Infinity (string), or the problem fails in one line, exit 4 (refuse).",
    )


def unpack(data: bytes) -> HelpMeUnpackSolution:
    """The six numbers packed in ``data`` (32 bytes, laid out as the module says)."""
    if len(data) != PACKED_SIZE:
        raise ValueError(f"expected {PACKED_SIZE} bytes, got {len(data)}")
    int_, uint, short, float_, double = LITTLE_ENDIAN_STRUCT.unpack_from(data)
    (big_endian_double,) = BIG_ENDIAN_DOUBLE.unpack_from(data, LITTLE_ENDIAN_STRUCT.size)
    return HelpMeUnpackSolution(
        int=int_,
        uint=uint,
        short=short,
        float=float_,
        double=double,
        big_endian_double=big_endian_double,
    )


def as_json_numbers(
    solution: HelpMeUnpackSolution, non_finite: Literal["string", "refuse"]
) -> HelpMeUnpackSolution:
    """``solution`` with every float JSON cannot hold spelled as text, or a SolverError
    naming the field when ``non_finite`` is ``refuse``."""
    update: dict[str, str] = {}
    for name in FLOAT_FIELDS:
        value = getattr(solution, name)
        if isinstance(value, builtins.float) and not math.isfinite(value):
            if non_finite == "refuse":
                raise SolverError(
                    f"the problem's {name} is {value!r}, which JSON cannot hold "
                    "(HACKATTIC_HELP_ME_UNPACK_NON_FINITE=string sends it as text)"
                )
            update[name] = NON_FINITE_TEXT[repr(value)]
    return solution.model_copy(update=update) if update else solution


class HelpMeUnpackChallenge(
    Challenge[HelpMeUnpackProblem, HelpMeUnpackSolution, HelpMeUnpackSettings]
):
    name = "help_me_unpack"
    title = "Help me unpack: six numbers out of packed bytes"
    problem_model = HelpMeUnpackProblem
    solution_model = HelpMeUnpackSolution
    settings_model = HelpMeUnpackSettings
    emulation_class = "hackattic_help_me_unpack.emulation:HelpMeUnpackEmulation"

    # No check_cost: the problem is 32 bytes, checked by the model (longer base64 is refused
    # before decoding). No run_blocking either: unpacking 32 bytes takes a microsecond.
    async def solve(
        self, problem: HelpMeUnpackProblem, context: Context[HelpMeUnpackSettings]
    ) -> HelpMeUnpackSolution:
        return as_json_numbers(unpack(problem.bytes), context.plugin_settings.non_finite)

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

The padding's content is not specified: it is skipped, never read.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import struct
from typing import TYPE_CHECKING

from pydantic import field_validator

from hackattic_core import Challenge, Context, Problem, Solution

if TYPE_CHECKING:
    from hackattic_core import Emulation

LITTLE_ENDIAN_STRUCT = struct.Struct("<iIh2xfd")
"""int, uint, short, two padding bytes, float, double: the first 24 bytes."""
BIG_ENDIAN_DOUBLE = struct.Struct(">d")
"""The last 8 bytes."""
PACKED_SIZE = LITTLE_ENDIAN_STRUCT.size + BIG_ENDIAN_DOUBLE.size  # 32


class HelpMeUnpackProblem(Problem):
    """What ``GET /challenges/help_me_unpack/problem`` returns: ``{"bytes": "<base64>"}``."""

    bytes: builtins.bytes
    """The packed bytes, decoded from base64 (the field is refused unless 32 bytes)."""

    @field_validator("bytes", mode="before")
    @classmethod
    def _decode(cls, value: object) -> builtins.bytes:
        if not isinstance(value, str):
            raise ValueError("expected a base64 string")
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
    int: builtins.int
    uint: builtins.int
    short: builtins.int
    float: builtins.float
    double: builtins.float
    big_endian_double: builtins.float


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


class HelpMeUnpackChallenge(Challenge):
    name = "help_me_unpack"
    title = "Help me unpack: six numbers out of packed bytes"
    problem_model = HelpMeUnpackProblem
    solution_model = HelpMeUnpackSolution

    async def solve(
        self,
        problem: HelpMeUnpackProblem,
        context: Context,
    ) -> HelpMeUnpackSolution:
        return unpack(problem.bytes)

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        # Imported here: `hackattic list` must not load the sandbox's server stack.
        from .emulation import HelpMeUnpackEmulation

        return HelpMeUnpackEmulation

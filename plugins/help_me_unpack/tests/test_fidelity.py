"""The sandbox's default problem against what real problems are (the facts file): 32 bytes
as base64 in a field named ``bytes``, padding ``00 00``, the two doubles the same value."""

from __future__ import annotations

import asyncio
import base64
import math
import re
import struct
from typing import Any

from hackattic_help_me_unpack.challenge import HelpMeUnpackChallenge

PROBLEMS = 50


def test_default_problems_look_like_real_ones(hackattic_emulation: Any) -> None:
    emulation = hackattic_emulation(HelpMeUnpackChallenge)
    for _ in range(PROBLEMS):
        problem = asyncio.run(emulation.new_problem()).problem
        assert list(problem) == ["bytes"]
        assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", problem["bytes"])  # 32 bytes, padded
        data = base64.b64decode(problem["bytes"])
        assert len(data) == 32
        assert data[10:12] == b"\0\0"  # the padding
        (double,) = struct.unpack_from("<d", data, 16)
        (big_endian,) = struct.unpack_from(">d", data, 24)
        assert double == big_endian  # the same value, packed both ways
        assert data[16:24] == data[24:32][::-1]
        (single,) = struct.unpack_from("<f", data, 12)
        assert math.isfinite(single)
        assert math.isfinite(double)

"""The DTMF keypad: which two frequencies make each key (ITU-T Q.23).

Each key sounds one frequency of the low (row) group and one of the high (column) group at
once. hackattic uses the keys ``0-9 * #``; the fourth column (``A``–``D``) is part of the
standard and is decoded too.
"""

from __future__ import annotations

ROW_HZ = (697.0, 770.0, 852.0, 941.0)
"""The low group, one frequency a keypad row."""
COLUMN_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
"""The high group, one frequency a keypad column."""
KEYS = ("123A", "456B", "789C", "*0#D")
"""``KEYS[row][column]``."""
HACKATTIC_KEYS = "0123456789*#"
"""The keys hackattic's sequences use."""


def key_at(row: int, column: int) -> str:
    """The key sounded by ``ROW_HZ[row]`` with ``COLUMN_HZ[column]``."""
    return KEYS[row][column]


def frequencies_of(key: str) -> tuple[float, float]:
    """``(row Hz, column Hz)`` of ``key``; ValueError for a character that is not a key."""
    for row, keys in enumerate(KEYS):
        column = keys.find(key)
        if len(key) == 1 and column >= 0:
            return ROW_HZ[row], COLUMN_HZ[column]
    raise ValueError(f"not a DTMF key: {key!r}")

"""The certificate's serial number as hackattic writes it: hex, ``0x``, any length."""

from __future__ import annotations

SERIAL_MAX_BITS = 159
"""RFC 5280: a positive serial of at most 20 octets in DER, hence at most 159 bits."""

MAX_SERIAL_TEXT = 1024
"""Characters of a serial read at all (a certificate holds at most 40 hex digits)."""
QUOTED_AT_MOST = 60

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def parse_serial(text: str) -> int:
    """The serial written as hex, ``0x`` optional, odd lengths allowed; ValueError if not."""
    if len(text) > MAX_SERIAL_TEXT:
        raise ValueError(
            f"a certificate serial of {len(text):,} characters: at most {SERIAL_MAX_BITS} "
            "bits (40 hex digits) fit in a certificate"
        )
    digits = text.strip()
    if digits[:2].lower() == "0x":
        digits = digits[2:]
    # int(_, 16) alone would also take "-1", "+1" and "1_0".
    if not digits or not _HEX_DIGITS.issuperset(digits):
        shown = text[:QUOTED_AT_MOST] + ("…" if len(text) > QUOTED_AT_MOST else "")
        raise ValueError(f"not a hexadecimal number: {shown!r}")
    serial = int(digits, 16)
    if not 0 < serial < 2**SERIAL_MAX_BITS:
        raise ValueError(f"a certificate serial must be from 1 to {SERIAL_MAX_BITS} bits long")
    return serial


def format_serial(serial: int) -> str:
    """``serial`` as hackattic writes it: ``0x`` and lowercase hex digits."""
    return f"0x{serial:x}"

"""The challenge's answer, read from a snapshot: how many databases hold keys, the value of
the key whose name is an emoji, the one expiry, and the type of the key asked about.

The snapshot is read once, key by key (see :mod:`.rdb`); nothing but the answer's pieces is
kept, so memory does not grow with the number of keys.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass

from .crc64 import snapshot_crc
from .errors import RdbError
from .rdb import Snapshot, read_snapshot

_EXAMPLES = 3
# What may stand beside the pictographs of an emoji sequence: modifiers, joiners, variation
# selectors, keycap and tag marks (categories Sk, Cf, Mn, Me), and digits, # or * (keycaps).
_EMOJI_COMPANIONS = {"Sk", "Cf", "Mn", "Me"}
_KEYCAP_BASES = set("0123456789#*")


def is_emoji_name(key: bytes) -> bool:
    """Whether a key's name is an emoji: UTF-8 text of at least one pictograph (Unicode
    category So, "other symbol": 😗, ❤, 🇫🇷's regional indicators), and otherwise only the
    marks that build emoji sequences; no letter, no punctuation, no space. A name with a
    letter in it (``café``, ``snow☃man``) is not an emoji."""
    if key.isascii():  # the usual key: no pictograph, and digits alone are no keycap
        return False
    try:
        text = key.decode("utf-8")
    except UnicodeDecodeError:
        return False
    pictographs = 0
    for char in text:
        category = unicodedata.category(char)
        if category == "So":
            pictographs += 1
        elif category not in _EMOJI_COMPANIONS and char not in _KEYCAP_BASES:
            return False
    return pictographs > 0 or ("\u20e3" in text)


@dataclass(frozen=True)
class Answer:
    """What the solution reports, and what was seen on the way."""

    db_count: int
    emoji_key_value: str
    expiry_millis: int
    checked_type: str
    keys: int
    version: int
    checksum: str
    """``ok``, ``not computed`` (the writer stored 0: Redis's ``rdbchecksum no``) or
    ``mismatch``, which only a caller that does not verify it sees."""


def _shown(key: bytes) -> str:
    return repr(key.decode("utf-8", errors="backslashreplace"))


def _examples(keys: list[bytes]) -> str:
    shown = ", ".join(_shown(key) for key in keys[:_EXAMPLES])
    return shown + (", …" if len(keys) > _EXAMPLES else "")


def read_answer(
    data: bytes,
    check_type_of: str,
    *,
    max_string_bytes: int,
    verify_checksum: bool = True,
    stop: threading.Event | None = None,
) -> Answer:
    """The answer for the snapshot ``data`` (its magic bytes may be anything).

    Raises :class:`RdbError` when the file cannot be read, its CRC-64 does not match (if
    ``verify_checksum``), or it lacks what the answer needs: no key named by an emoji, or
    several; no expiry, or several; no key ``check_type_of``, or several of different types.
    """
    if len(data) < 9:
        raise RdbError(f"{len(data)} bytes are too short for an RDB file (its header has 9)")
    checksum = "ok"
    version = data[5:9]
    if not version.isdigit() or int(version) < 5:  # no trailer before version 5
        checksum = "not computed"
    elif len(data) >= 9 + 1 + 8:
        stored, computed = snapshot_crc(data)
        if stored == 0:
            checksum = "not computed"
        elif stored != computed:
            checksum = "mismatch"
    wanted = check_type_of.encode("utf-8", errors="surrogatepass")
    dbs: set[int] = set()
    emoji: list[tuple[bytes, bytes | None]] = []
    expiries: list[tuple[bytes, int]] = []
    types: set[str] = set()
    keys = 0
    snapshot = Snapshot()
    try:
        for entry in read_snapshot(data, snapshot, max_string_bytes=max_string_bytes, stop=stop):
            keys += 1
            dbs.add(entry.db)
            if entry.key == wanted:
                types.add(entry.type)
            if entry.expire_ms is not None:
                expiries.append((entry.key, entry.expire_ms))
                del expiries[_EXAMPLES + 1 :]  # enough to name a few
            if is_emoji_name(entry.key):
                emoji.append((entry.key, entry.value))
                del emoji[_EXAMPLES + 1 :]
    except RdbError as exc:
        if checksum == "mismatch":
            raise RdbError(
                f"{exc}; its CRC-64 does not match either: the file is damaged"
            ) from None
        raise
    if checksum == "mismatch" and verify_checksum:
        raise RdbError(
            f"the CRC-64 trailer 0x{stored:016x} does not match the file's 0x{computed:016x} "
            "(computed with REDIS restored in place of the first 5 bytes): the file is damaged "
            "(HACKATTIC_THE_REDIS_ONE_VERIFY_CHECKSUM=false reads it anyway)"
        )
    if not emoji:
        raise RdbError(f"none of the {keys} keys is named by an emoji")
    if len(emoji) > 1:
        raise RdbError(f"several keys are named by an emoji: {_examples([k for k, _ in emoji])}")
    emoji_key, emoji_value = emoji[0]
    if emoji_value is None:
        raise RdbError(f"the emoji key {_shown(emoji_key)} is not a string")
    if not expiries:
        raise RdbError(f"none of the {keys} keys has an expiry")
    if len(expiries) > 1:
        raise RdbError(f"several keys have an expiry: {_examples([k for k, _ in expiries])}")
    if not types:
        raise RdbError(f"the key {check_type_of!r} asked about is not in the snapshot")
    if len(types) > 1:
        raise RdbError(
            f"the key {check_type_of!r} is in several databases with different types: "
            + ", ".join(sorted(types))
        )
    return Answer(
        db_count=len(dbs),
        emoji_key_value=emoji_value.decode("utf-8", errors="replace"),
        expiry_millis=expiries[0][1],
        checked_type=types.pop(),
        keys=keys,
        version=snapshot.version,
        checksum=checksum,
    )

"""What the sandbox accepts as a collision_course solution, checked on its own.

Written apart from the solver (its own base64 decoding and hashing) so that a solver bug is
not mirrored by the check. The first condition that fails is reported, in this order: the
shape of ``files``, each file's base64 and size, the files differ, each holds ``include``,
the MD5s are equal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

FILE_COUNT = 2


def _encoded_limit(max_bytes: int) -> int:
    """The longest base64 text that can decode to at most ``max_bytes`` bytes."""
    return 4 * -(-max_bytes // 3)


def decode_files(files: Any, max_file_bytes: int) -> tuple[list[bytes], str | None]:
    """The decoded files, or the reason ``files`` is not two base64 strings within the size."""
    shape_error = "files must be a list of two base64 strings"
    if not isinstance(files, list):
        return [], f"{shape_error}, got {type(files).__name__}"
    if len(files) != FILE_COUNT:
        return [], f"{shape_error}, got a list of {len(files)}"
    decoded: list[bytes] = []
    for number, text in enumerate(files, start=1):
        if not isinstance(text, str):
            return [], f"{shape_error}: file {number} is {type(text).__name__}"
        # Refuse an oversized file before decoding it.
        if len(text) > _encoded_limit(max_file_bytes):
            return [], f"file {number} is larger than {max_file_bytes} bytes"
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return [], f"file {number} is not valid base64"
        if len(data) > max_file_bytes:
            return [], f"file {number} is larger than {max_file_bytes} bytes"
        decoded.append(data)
    return decoded, None


def check_files(include: str, solution: dict[str, Any], max_file_bytes: int) -> str | None:
    """None when ``solution["files"]`` are two different files with one MD5, both holding
    ``include``; otherwise the first reason they are not."""
    if "files" not in solution:
        return "missing field 'files'"
    files, error = decode_files(solution["files"], max_file_bytes)
    if error is not None:
        return error
    first, second = files
    if first == second:
        return "the two files are identical"
    needle = include.encode("ascii")
    for number, data in enumerate(files, start=1):
        if needle not in data:
            return f"file {number} does not contain the include string {include!r}"
    # usedforsecurity=False: MD5 is what the challenge is about, not a protection here.
    first_md5 = hashlib.md5(first, usedforsecurity=False).hexdigest()
    second_md5 = hashlib.md5(second, usedforsecurity=False).hexdigest()
    if first_md5 != second_md5:
        return f"the MD5s differ: file 1 {first_md5}, file 2 {second_md5}"
    return None

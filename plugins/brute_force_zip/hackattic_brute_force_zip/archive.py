"""The encrypted ZIP as the search needs it, read within bounds.

``zipfile`` reads the central directory (it knows every variant of the format); the local
headers, the encryption headers and each entry's check byte are read here, because
``zipfile`` does not expose them. Everything is checked against the archive's length
before it is used: an offset or size past the end is a malformed problem, never an
exception from deep inside.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from hackattic_core import CostLimitExceeded, ProblemError

from .zipcrypto import HEADER_SIZE, ZipCrypto, crc32

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_FLAG_ENCRYPTED = 0x1
_FLAG_DATA_DESCRIPTOR = 0x8
_FLAG_STRONG_ENCRYPTION = 0x40
_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
SECRET_NAME = "secret.txt"  # noqa: S105 - a file name, not a password


@dataclass(frozen=True)
class Entry:
    """One encrypted entry: its data (encryption header first) and what checks a key."""

    name: str
    method: int
    crc: int
    size: int
    """Uncompressed size, from the central directory."""
    data: bytes
    """The encryption header (12 bytes) followed by the encrypted, compressed data."""
    check: int
    """What the header's last byte decrypts to under the right password: the high byte
    of the DOS modification time with a data descriptor (flag 0x8, Info-ZIP's choice),
    else the high byte of the CRC."""

    @property
    def header(self) -> bytes:
        return self.data[:HEADER_SIZE]


@dataclass(frozen=True)
class Archive:
    entries: tuple[Entry, ...]
    """Every encrypted entry (all of them are checked for each candidate)."""
    secret: Entry
    """``secret.txt``: the answer, and the entry a candidate is confirmed on."""

    def open_secret(self, password: bytes, max_bytes: int) -> bytes | None:
        """``secret.txt`` decrypted and inflated, or None unless it matches its CRC."""
        entry = self.secret
        plain = ZipCrypto(password).decrypt(entry.data)
        if plain[HEADER_SIZE - 1] != entry.check:
            return None
        body = plain[HEADER_SIZE:]
        if entry.method == _DEFLATED:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                body = inflater.decompress(body, max_bytes + 1)
            except zlib.error:
                return None  # a wrong key inflates to garbage: just not this password
            if len(body) > max_bytes:
                return None
        if len(body) != entry.size or crc32(body) != entry.crc:
            return None
        return body


def read_archive(
    data: bytes, *, max_entries: int, max_secret_bytes: int, entries_setting: str
) -> Archive:
    """The encrypted entries of a ZIP and its ``secret.txt``; ProblemError if it is not
    one the search can attack (one line saying why)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (
        zipfile.BadZipFile,
        ValueError,
        struct.error,
        OSError,
        EOFError,
        NotImplementedError,
    ) as exc:
        raise ProblemError(f"the ZIP cannot be read: {exc}") from None
    if len(infos) > max_entries:
        raise CostLimitExceeded(
            field="ZIP's entry count", value=len(infos), limit=max_entries, setting=entries_setting
        )
    entries = [_entry(data, info) for info in infos if info.flag_bits & _FLAG_ENCRYPTED]
    if not entries:
        raise ProblemError("the ZIP has no encrypted entry: nothing to search")
    secrets = [e for e in entries if e.name.rsplit("/", 1)[-1] == SECRET_NAME]
    if len(secrets) != 1:
        raise ProblemError(f"the ZIP has {len(secrets)} encrypted {SECRET_NAME}, expected one")
    secret = secrets[0]
    if secret.size > max_secret_bytes or len(secret.data) > max_secret_bytes + HEADER_SIZE:
        raise ProblemError(
            f"{SECRET_NAME} holds {secret.size} bytes, over the {max_secret_bytes} a secret may"
        )
    return Archive(entries=tuple(entries), secret=secret)


def _entry(data: bytes, info: zipfile.ZipInfo) -> Entry:
    name = info.filename
    if info.flag_bits & _FLAG_STRONG_ENCRYPTION or info.compress_type not in (_STORED, _DEFLATED):
        raise ProblemError(
            f"entry {name!r} is not ZipCrypto with stored or deflated data "
            f"(flags 0x{info.flag_bits:x}, method {info.compress_type})"
        )
    offset = info.header_offset
    if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        raise ProblemError(f"entry {name!r}: its local header is past the end of the ZIP")
    fields = _LOCAL_HEADER.unpack_from(data, offset)
    signature, mod_time, name_length, extra_length = fields[0], fields[4], fields[9], fields[10]
    if signature != _LOCAL_SIGNATURE:
        raise ProblemError(f"entry {name!r}: no local header where the directory points")
    start = offset + _LOCAL_HEADER.size + name_length + extra_length
    end = start + info.compress_size
    if info.compress_size < HEADER_SIZE or end > len(data):
        raise ProblemError(
            f"entry {name!r}: {info.compress_size} bytes of data at offset {start} do not fit "
            f"a {len(data)}-byte ZIP with a {HEADER_SIZE}-byte encryption header"
        )
    check = mod_time >> 8 if info.flag_bits & _FLAG_DATA_DESCRIPTOR else info.CRC >> 24
    return Entry(
        name=name,
        method=info.compress_type,
        crc=info.CRC,
        size=info.file_size,
        data=data[start:end],
        check=check,
    )

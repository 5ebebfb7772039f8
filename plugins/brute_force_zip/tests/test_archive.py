"""Reading the encrypted ZIP: the real ones, and hostile ones refused in one line."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import pytest
from hackattic_brute_force_zip.archive import read_archive
from hackattic_brute_force_zip.zipcrypto import ZipCrypto

from hackattic_core import CostLimitExceeded, ProblemError

FIXTURES = Path(__file__).parent / "fixtures"
REAL_ZIPS: dict[str, dict[str, str]] = json.loads((FIXTURES / "answers.json").read_text())
LIMITS = {"max_entries": 100, "max_secret_bytes": 4096, "entries_setting": "X_MAX_ENTRIES"}


def _read(data: bytes, **limits: object):  # type: ignore[no-untyped-def]
    return read_archive(data, **{**LIMITS, **limits})  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(REAL_ZIPS))
def test_a_real_zip_has_three_entries_checked_by_their_time(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    archive = _read(data)
    names = [entry.name for entry in archive.entries]
    assert names == ["dunwich_horror.txt", "shunned_house.txt", "secret.txt"]
    with zipfile.ZipFile(FIXTURES / name) as reference:
        for entry, info in zip(archive.entries, reference.infolist(), strict=True):
            assert info.flag_bits == 0x9
            # Data descriptor: the check byte is the DOS time's high byte, not the CRC's.
            _, _, _, hour, minute, second = info.date_time
            assert entry.check == ((hour << 11) | (minute << 5) | (second // 2)) >> 8
            assert entry.check != info.CRC >> 24
            assert len(entry.data) == info.compress_size
    assert archive.secret.name == "secret.txt"
    assert archive.secret.method == zipfile.ZIP_STORED


@pytest.mark.parametrize("name", sorted(REAL_ZIPS))
def test_the_right_password_opens_the_secret_and_a_wrong_one_does_not(name: str) -> None:
    archive = _read((FIXTURES / name).read_bytes())
    answer = REAL_ZIPS[name]
    secret = archive.open_secret(answer["password"].encode(), 4096)
    assert secret is not None
    assert secret.decode().strip() == answer["secret"]
    assert archive.open_secret(b"aaaaa", 4096) is None


def _zip_with(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(count):
            archive.writestr(f"f{i}.txt", b"x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "cannot be read"),
        (b"not a zip at all" * 10, "cannot be read"),
        (_zip_with(2), "no encrypted entry"),
    ],
)
def test_malformed_zips_are_one_line_problem_errors(data: bytes, message: str) -> None:
    with pytest.raises(ProblemError, match=message) as caught:
        _read(data)
    assert "\n" not in str(caught.value)


def test_a_truncated_real_zip_is_refused() -> None:
    data = (FIXTURES / "thalesb_package.zip").read_bytes()
    # The directory kept, the entries' data cut: their offsets now point past the end.
    start = data.index(b"PK\x01\x02")
    cut = bytearray(data[:1000] + data[start:])
    struct.pack_into("<I", cut, cut.rindex(b"PK\x05\x06") + 16, 1000)  # directory's offset
    with pytest.raises(ProblemError, match=r"past the end|do not fit|no local header"):
        _read(bytes(cut))


def test_too_many_entries_is_refused_before_any_work() -> None:
    with pytest.raises(CostLimitExceeded, match="X_MAX_ENTRIES"):
        _read(_zip_with(50), max_entries=10)


def test_a_secret_too_large_is_refused() -> None:
    data = (FIXTURES / "thalesb_package.zip").read_bytes()
    with pytest.raises(ProblemError, match=r"secret\.txt holds"):
        _read(data, max_secret_bytes=10)


def test_the_known_plaintext_matches_the_encrypted_entry_byte_for_byte() -> None:
    # The README's finding for a known-plaintext attack: the unencrypted dunwich_horror.txt
    # of another solver's ZIP is the very deflate stream the real encrypted entry holds.
    archive = _read((FIXTURES / "thalesb_package.zip").read_bytes())
    dunwich = archive.entries[0]
    plain = ZipCrypto(REAL_ZIPS["thalesb_package.zip"]["password"].encode()).decrypt(dunwich.data)
    with zipfile.ZipFile(FIXTURES / "hitanshu_unprotected.zip") as unprotected:
        info = unprotected.getinfo("dunwich_horror.txt")
        assert info.flag_bits & 1 == 0
        data = (FIXTURES / "hitanshu_unprotected.zip").read_bytes()
        name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
        start = info.header_offset + 30 + name_length + extra_length
        known = data[start : start + info.compress_size]
    assert plain[12:] == known

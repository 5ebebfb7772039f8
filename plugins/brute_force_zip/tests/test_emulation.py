"""The sandbox's ZIPs: real tools open them, they look like hackattic's, and the checker
names what is wrong."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from hackattic_brute_force_zip.emulation import BruteForceZipEmulation

from hackattic_core import Issued


def _tool(name: str) -> str:
    """A Debian tool's full path (system-packages.txt installs it)."""
    path = shutil.which(name)
    assert path is not None, f"{name} is not installed: see system-packages.txt"
    return path


def _issue(emulation: BruteForceZipEmulation) -> tuple[Issued, bytes]:  # type: ignore[type-arg]
    """A problem and its ZIP, fetched once from the emulation's download link."""
    emulation.env.downloads.base_url = "http://127.0.0.1:9"
    issued = asyncio.run(emulation.new_problem())
    key = issued.problem["zip_url"].split("/")[-2]
    published = emulation.env.downloads.take(key)
    assert published is not None
    return issued, published.data


def test_python_zipfile_opens_an_emulated_zip_laid_out_like_hackattics(
    hackattic_emulation,
) -> None:
    issued, data = _issue(hackattic_emulation(BruteForceZipEmulation))
    assert 70_000 < len(data) < 100_000  # the real ones: 84 KB
    password = issued.state.password
    assert len(password) == 5
    assert all(c.isdigit() or c.islower() for c in password)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == [
            "dunwich_horror.txt",
            "shunned_house.txt",
            "secret.txt",
        ]
        assert [i.compress_type for i in infos] == [8, 8, 0]
        assert all(i.flag_bits == 0x9 for i in infos)
        assert 100_000 < infos[0].file_size < 150_000
        secret = archive.read("secret.txt", pwd=password.encode()).decode()
        for info in infos:
            archive.read(info, pwd=password.encode())  # raises on a bad CRC
        with pytest.raises(RuntimeError, match="Bad password"):
            archive.read("secret.txt", pwd=b"wrong")
    assert secret.endswith("\n")
    assert secret.strip() == issued.state.secret
    assert 30 <= len(secret) <= 80


def test_unzip_extracts_an_emulated_zip(hackattic_emulation, tmp_path: Path) -> None:
    # unzip and fcrackzip: system-packages.txt (Debian), installed by CI.
    issued, data = _issue(hackattic_emulation(BruteForceZipEmulation, password="s3cr3"))
    (tmp_path / "p.zip").write_bytes(data)
    subprocess.run(  # noqa: S603 - a Debian tool on our own file
        [_tool("unzip"), "-q", "-P", "s3cr3", "p.zip"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "secret.txt").read_text().strip() == issued.state.secret
    assert (tmp_path / "dunwich_horror.txt").stat().st_size == 123_382
    wrong = subprocess.run(  # noqa: S603 - a Debian tool on our own file
        [_tool("unzip"), "-o", "-P", "nope", "p.zip", "secret.txt"],
        cwd=tmp_path,
        capture_output=True,
    )
    assert wrong.returncode != 0


def test_fcrackzip_finds_the_same_password(hackattic_emulation, tmp_path: Path) -> None:
    issued, data = _issue(hackattic_emulation(BruteForceZipEmulation, password_length=3))
    (tmp_path / "p.zip").write_bytes(data)
    run = subprocess.run(  # noqa: S603 - a Debian tool on our own file
        [_tool("fcrackzip"), "-b", "-c", "a1", "-l", "3-3", "-u", "p.zip"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert f"PASSWORD FOUND!!!!: pw == {issued.state.password}" in run.stdout, run.stdout


def test_without_data_descriptors_the_check_byte_is_the_crcs(hackattic_emulation) -> None:
    issued, data = _issue(hackattic_emulation(BruteForceZipEmulation, data_descriptor=False))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert all(i.flag_bits == 0x1 for i in archive.infolist())
        # zipfile checks the CRC's high byte when bit 3 is clear: a right password opens it.
        archive.read("secret.txt", pwd=issued.state.password.encode())


def test_the_checker_names_what_is_wrong(hackattic_emulation) -> None:
    emulation = hackattic_emulation(BruteForceZipEmulation)
    issued, _ = _issue(emulation)
    right = issued.state.secret

    async def check(solution: dict[str, object]) -> str | None:
        return await emulation.check(issued, solution)

    assert asyncio.run(check({"secret": right})) is None
    assert asyncio.run(check({"secret": right + "\n"})) is None  # stripped, like the page says
    assert "wrong secret" in (asyncio.run(check({"secret": "nope"})) or "")
    assert "missing field 'secret'" in (asyncio.run(check({})) or "")
    assert "must be a string" in (asyncio.run(check({"secret": 5})) or "")


def test_a_late_answer_is_rejected(hackattic_emulation) -> None:
    emulation = hackattic_emulation(BruteForceZipEmulation, deadline_seconds=0.05)
    issued, _ = _issue(emulation)
    time.sleep(0.1)
    reason = asyncio.run(emulation.check(issued, {"secret": issued.state.secret}))
    assert "too late" in (reason or "")


def test_the_link_works_once(hackattic_sandbox) -> None:
    base = hackattic_sandbox.base_url
    token = hackattic_sandbox.access_token
    with httpx.Client() as client:
        problem = client.get(
            f"{base}/challenges/brute_force_zip/problem", params={"access_token": token}
        ).json()
        first = client.get(problem["zip_url"])
        second = client.get(problem["zip_url"])
    assert first.status_code == 200
    assert first.content.startswith(b"PK\x03\x04")
    assert second.status_code == 404

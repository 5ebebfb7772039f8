"""The sandbox's default problem, as served, set beside the real ZIPs hackattic served
(``fixtures/``): the same problem fields, the same ZIP layout entry by entry. A drift of
the emulation from hackattic shows up here."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

SLUG = "brute_force_zip"
FIXTURES = Path(__file__).parent / "fixtures"
REAL = sorted(json.loads((FIXTURES / "answers.json").read_text()))
"""The real password-protected ZIPs (hitanshu_unprotected.zip is a partial, unencrypted one)."""


def layout(data: bytes) -> dict[str, Any]:
    """What must match between a real ZIP and an emulated one (not the stories' bytes,
    which the emulation does not ship, nor the dates)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        comment = archive.comment
    return {
        "entries": [
            (
                info.filename,
                info.compress_type,
                info.flag_bits,
                info.create_system,
                info.create_version,
                info.extract_version,
                info.external_attr >> 16,
                info.internal_attr if info.compress_type else None,
                len(info.extra),
                info.file_size if info.filename != "secret.txt" else None,
            )
            for info in infos
        ],
        "secret 30-80 bytes": 30 <= infos[-1].file_size <= 80,
        "ZipCrypto header on the stored secret": infos[-1].compress_size - infos[-1].file_size,
        "70-100 KB": 70_000 < len(data) < 100_000,
        "comment": comment,
    }


@pytest.fixture
def served(hackattic_sandbox: Any) -> tuple[dict[str, Any], bytes]:
    """The default problem and its ZIP, fetched as a solver fetches them."""
    problem = hackattic_sandbox.fetch_problem(SLUG)
    return problem, httpx.get(problem["zip_url"], timeout=30).content


def test_the_problem_has_the_real_fields(served: tuple[dict[str, Any], bytes]) -> None:
    problem, _ = served
    assert {name: type(value) for name, value in problem.items()} == {"zip_url": str}
    assert re.fullmatch(r"https?://[^/]+/.+", problem["zip_url"])


@pytest.mark.parametrize("name", REAL)
def test_the_default_zip_is_laid_out_like_a_real_one(
    served: tuple[dict[str, Any], bytes], name: str
) -> None:
    real = layout((FIXTURES / name).read_bytes())
    assert [entry[:3] for entry in real["entries"]] == [
        ("dunwich_horror.txt", zipfile.ZIP_DEFLATED, 0x9),
        ("shunned_house.txt", zipfile.ZIP_DEFLATED, 0x9),
        ("secret.txt", zipfile.ZIP_STORED, 0x9),
    ]
    assert layout(served[1]) == real

"""Small parameters for every sandbox of these tests (a solve takes milliseconds)."""

from __future__ import annotations

from typing import Any

import pytest

SMALL_CONDITIONS = {"rounds": 1000, "scrypt_n": 1024, "scrypt_r": 8, "scrypt_p": 2}


@pytest.fixture
def hackattic_sandbox_options() -> dict[str, dict[str, Any]]:
    return {"password_hashing": dict(SMALL_CONDITIONS)}

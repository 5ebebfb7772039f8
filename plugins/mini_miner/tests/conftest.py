"""A cheap sandbox for these tests (12 bits, a few thousand hashes, instead of 13-14)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def hackattic_sandbox_options() -> dict[str, dict[str, Any]]:
    return {"mini_miner": {"difficulty": 12}}

"""Fixtures shared by the core's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No HACKATTIC_* variable and no .env of the developer's may leak into a test.

    Runs the test in an empty working directory, which it returns.
    """
    for name in list(os.environ):
        if name.upper().startswith("HACKATTIC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path

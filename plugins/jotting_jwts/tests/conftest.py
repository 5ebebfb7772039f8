"""A helper for these tests: whether the app still listens on its port."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest


def _listening(port: int) -> bool:
    """Whether something accepts connections on ``port`` on loopback."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def listening() -> Callable[[int], bool]:
    """``listening(port)``: whether something accepts TCP connections there on loopback."""
    return _listening

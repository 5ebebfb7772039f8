"""A helper for these tests: whether a TFTP server still holds a port."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest


def _udp_taken(port: int) -> bool:
    """Whether ``port`` is taken on loopback over UDP (binding it there fails)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@pytest.fixture
def udp_taken() -> Callable[[int], bool]:
    """``udp_taken(port)``: whether something holds ``port`` on loopback over UDP."""
    return _udp_taken

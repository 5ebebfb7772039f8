"""A helper for these tests: whether a DNS server still holds its port."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest


def _taken(port: int) -> tuple[bool, bool]:
    """Whether ``port`` is taken on loopback over UDP, and over TCP (binding it fails)."""
    taken = []
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is free
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                taken.append(True)
            else:
                taken.append(False)
    return taken[0], taken[1]


@pytest.fixture
def taken() -> Callable[[int], tuple[bool, bool]]:
    """``taken(port)``: (UDP taken, TCP taken) on loopback."""
    return _taken

"""in_daemon_thread: results and errors come back; a cancelled call is not waited for."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time

import pytest
from hackattic_password_hashing.daemon_thread import in_daemon_thread


def test_returns_the_result_from_another_thread() -> None:
    async def main() -> tuple[str, bool]:
        return await in_daemon_thread(
            lambda: (threading.current_thread().name, threading.current_thread().daemon),
            name="worker",
        )

    assert asyncio.run(main()) == ("worker", True)


def test_passes_arguments_and_raises_the_functions_error() -> None:
    def divide(a: int, b: int) -> float:
        return a / b

    async def main() -> float:
        assert await in_daemon_thread(divide, 6, 3, name="divide") == 2
        return await in_daemon_thread(divide, 1, 0, name="divide")

    with pytest.raises(ZeroDivisionError):
        asyncio.run(main())


def test_a_cancelled_call_returns_at_once() -> None:
    async def main() -> float:
        started = time.perf_counter()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(in_daemon_thread(time.sleep, 2.0, name="sleep"), 0.05)
        return time.perf_counter() - started

    assert asyncio.run(main()) < 1.0


def test_the_process_exits_without_waiting_for_the_thread() -> None:
    # asyncio.to_thread here would keep the process alive for the whole 30 s.
    code = (
        "import asyncio, time\n"
        "from hackattic_password_hashing.daemon_thread import in_daemon_thread\n"
        "async def main():\n"
        "    await asyncio.wait_for(in_daemon_thread(time.sleep, 30, name='s'), 0.05)\n"
        "try:\n"
        "    asyncio.run(main())\n"
        "except TimeoutError:\n"
        "    print('cancelled')\n"
    )
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=25, check=True
    )
    assert done.stdout.strip() == "cancelled"
    assert time.perf_counter() - started < 10

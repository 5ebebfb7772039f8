"""Awaiting a blocking call that runs in a daemon thread of its own.

Like ``asyncio.to_thread``, but the thread is a daemon. A slow OpenSSL call cannot be
interrupted; ``asyncio.to_thread``'s pool threads are joined when ``asyncio.run`` ends and
again at interpreter exit, so Ctrl-C during the largest scrypt would leave the process
waiting up to 15 seconds for a result nobody wants (measured: 6.8 to 8.5 s on N=2**19,
r=16). A daemon thread is abandoned instead: the process exits at once, and the operating
system takes back its memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def _settle(future: asyncio.Future[T], result: T | None, error: BaseException | None) -> None:
    if future.done():  # cancelled while the thread ran
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]  # set when error is None


async def in_daemon_thread(function: Callable[..., T], *args: object, name: str) -> T:
    """``function(*args)`` in a new daemon thread called ``name``; its result or exception."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = function(*args)
        except BaseException as exc:  # handed to the awaiting task, whatever it is
            error = exc
        # RuntimeError: the loop is closed, nobody waits any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, future, result, error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return await future

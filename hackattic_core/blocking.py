"""Blocking or CPU-heavy work run off the event loop, and abandoned when the run is cancelled.

``asyncio.to_thread`` cannot be interrupted: a cancelled run still waits for its thread,
and ``asyncio.run`` waits again for the default executor on the way out, so a solver stuck
in a long computation holds Ctrl-C for as long as the computation lasts. Here the work runs
in a *daemon* thread of its own: the awaiting task can be cancelled at once, the thread is
left to finish or die with the process, and the interpreter does not wait for it. A
function that loops for long may also declare ``stop: threading.Event | None = None`` and
poll it to end early: it receives an event that is set when the run is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

__all__ = ["run_blocking"]


def _accepts_stop(function: Callable[..., Any]) -> bool:
    try:
        return "stop" in inspect.signature(function).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


async def run_blocking(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``function(*args, **kwargs)`` in a daemon thread; its result or its exception.

    Cancelling the awaiting task (Ctrl-C, SIGTERM, a timeout) returns at once: the thread
    is abandoned and never delays the process's exit. If ``function`` has a ``stop``
    parameter that the caller did not pass (declare it ``stop: threading.Event | None =
    None``), it receives a :class:`threading.Event` set on cancellation, to end early.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    stop = threading.Event()
    if "stop" not in kwargs and _accepts_stop(function):
        kwargs["stop"] = stop
    context = contextvars.copy_context()

    def settle(outcome: T | None, error: BaseException | None) -> None:
        if future.done():  # cancelled meanwhile: nobody wants the result
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(outcome)  # type: ignore[arg-type]

    def work() -> None:
        try:
            outcome = context.run(function, *args, **kwargs)
        except BaseException as exc:  # handed to the awaiting task, never lost in the thread
            error: BaseException | None = exc
            outcome = None
        else:
            error = None
        with contextlib.suppress(RuntimeError):  # the loop has closed: the run is over
            loop.call_soon_threadsafe(settle, outcome, error)

    name = getattr(function, "__name__", "work")
    threading.Thread(target=work, name=f"hackattic-{name}", daemon=True).start()
    try:
        return await future
    except asyncio.CancelledError:
        stop.set()
        raise

"""Blocking or CPU-heavy work run off the event loop, and abandoned when the run is cancelled.

``asyncio.to_thread`` cannot be interrupted: a cancelled run still waits for its thread,
and ``asyncio.run`` waits again for the default executor on the way out, so a solver stuck
in a long computation holds Ctrl-C for as long as the computation lasts. Here the work runs
in a *daemon* thread of its own: the awaiting task can be cancelled at once, the thread is
left to finish or die with the process, and the interpreter does not wait for it. A
function that loops for long may also declare ``stop: threading.Event | None = None`` and
poll it to end early: it receives an event that is set when the run is cancelled.

A C extension that holds the GIL for long (a big key's prime check inside OpenSSL, say)
stops every thread, the signal handlers' included: such work goes to
:func:`run_in_process`, whose child is killed when the run is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, ParamSpec, TypeVar, cast

P = ParamSpec("P")
T = TypeVar("T")

__all__ = ["run_blocking", "run_in_process"]


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


def _child(sender: Connection, function: Callable[..., object], args: tuple[object, ...]) -> None:
    try:
        outcome: tuple[bool, object] = (True, function(*args))
    except Exception as exc:  # handed to the parent, which raises it
        outcome = (False, exc)
    sender.send(outcome)
    sender.close()


JOIN_TIMEOUT = 5.0


async def run_in_process(function: Callable[..., T], *args: object) -> T:
    """``function(*args)`` in a fresh (spawned) child process: its result, or its exception
    raised here. Cancelling the awaiting task kills the child at once.

    For work that holds the GIL for long inside a C extension (a thread cannot be left
    behind then: no other thread runs, Ctrl-C included). ``function`` must be importable
    by name, and its arguments, result and exceptions must pickle.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # not fork: the parent has threads
    receiver, sender = context.Pipe(duplex=False)
    name = getattr(function, "__name__", "work")
    process = context.Process(
        target=_child, args=(sender, function, args), name=f"hackattic-{name}", daemon=True
    )
    process.start()
    sender.close()  # the child's end: our recv sees EOF if the child dies
    try:
        succeeded, value = await run_blocking(receiver.recv)
    except EOFError:
        process.join(JOIN_TIMEOUT)
        raise RuntimeError(
            f"the child process ended without an answer (exit code {process.exitcode})"
        ) from None
    finally:
        if process.is_alive():  # cancelled: nobody wants its answer
            process.kill()
        process.join(JOIN_TIMEOUT)
        receiver.close()
    if not succeeded:
        assert isinstance(value, BaseException)
        raise value
    return cast(T, value)  # what function returned, through pickle

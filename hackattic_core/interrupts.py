"""Ctrl-C and SIGTERM end any run within about a second, whatever the solver is doing.

The first signal cancels the run, which normally unwinds at once: sockets close, servers
stop, the report is printed, exit 130. Nothing a plugin does may hold the process beyond
that: a computation in a thread that cannot be cancelled, a library that waits for its
threads at exit, a blocking call in the event loop. So the first signal also arms a
watchdog: if the process is still alive :data:`GRACE_SECONDS` later (or at a second
signal), the watchdog prints the report itself, once, and ends the process with
``os._exit(130)``. The normal path and the watchdog agree through :func:`claim_report`, so
exactly one report (one JSON object under ``--json``) is ever printed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from hackattic_core.errors import ExitCode

GRACE_SECONDS = 1.0
"""How long a cancelled run may take to unwind before the watchdog ends the process."""

_lock = threading.Lock()
_reported = False
_armed = threading.Event()
_emergency_report: Callable[[], None] | None = None


def claim_report() -> bool:
    """True exactly once per process: the caller prints the final report (the normal path
    or the watchdog, whichever comes first)."""
    global _reported
    with _lock:
        if _reported:
            return False
        _reported = True
        return True


_second = threading.Event()


def _watchdog() -> None:
    _second.wait(GRACE_SECONDS)  # the grace period, cut short by a second signal
    emergency_exit()


def emergency_exit() -> None:
    """Print the report if nobody has yet, then end the process at once (exit 130)."""
    report = _emergency_report
    if report is not None and claim_report():
        # The process ends either way; a half-printed report is no worse than none.
        with contextlib.suppress(Exception):
            report()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe must not stop the exit
            stream.flush()
    os._exit(ExitCode.INTERRUPTED)


def arm() -> None:
    """Called on every SIGINT/SIGTERM: the first starts the watchdog, the second fires it."""
    if _armed.is_set():
        _second.set()
        return
    _armed.set()
    threading.Thread(target=_watchdog, name="hackattic-watchdog", daemon=True).start()


@contextmanager
def guarded(
    on_signal: Callable[[], None], emergency_report: Callable[[], None] | None = None
) -> Iterator[None]:
    """While the block runs, SIGINT and SIGTERM call ``on_signal`` (cancel the run) and arm
    the watchdog; ``emergency_report`` prints the report if the watchdog must end things.

    Python-level handlers run in the main thread between bytecodes, and the event loop's
    thread is idle in ``select`` while the solver's heavy work runs elsewhere
    (``run_blocking``), so they run at once.
    """
    global _emergency_report

    def handler(signum: int, frame: FrameType | None) -> None:
        arm()
        on_signal()

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    _emergency_report = emergency_report
    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)


def install_default() -> None:
    """Until a command guards its own work: SIGINT and SIGTERM raise KeyboardInterrupt in
    the main thread (typer reports it) and arm the watchdog."""

    def handler(signum: int, frame: FrameType | None) -> None:
        arm()
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


def wait_for_watchdog() -> None:
    """The watchdog is printing the report and ending the process: wait for it."""
    _second.set()
    threading.Event().wait(GRACE_SECONDS * 5)

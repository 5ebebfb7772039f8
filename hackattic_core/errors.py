"""The project's exceptions.

Every expected failure is a :class:`HackatticError`: the CLI prints its message on one line
and exits with its ``exit_code``; anything else is a bug and keeps its (redacted) traceback.

    HackatticError
    ├── ConfigError            exit 2: usage or configuration (unknown slug, no token, bad URL)
    │   └── PluginError        a plugin failed to load, or two plugins share a slug
    ├── ServiceError           exit 3: hackattic (or the network) failed after retries
    │   ├── TransportError     could not connect, timed out, connection dropped
    │   ├── HTTPStatusError    a non-2xx answer
    │   └── ProblemError       the problem JSON is malformed or misses a field
    │       └── CostLimitExceeded  the problem would cost more than a limit allows
    ├── SolverError            exit 4: the solver could not produce a solution
    │   └── AttemptLost        this problem is lost; a fresh one may succeed
    └── Interrupted            exit 130: Ctrl-C or SIGTERM
"""

from __future__ import annotations

import enum
import traceback
from collections.abc import Awaitable
from typing import ClassVar, TypeVar

T = TypeVar("T")


class ExitCode(enum.IntEnum):
    """The process's exit codes (the README's table)."""

    PASSED = 0
    """Passed (or ``--dry-run`` solved)."""
    REJECTED = 1
    """Rejected, or already solved."""
    CONFIG = 2
    """Usage or configuration error."""
    SERVICE = 3
    """The service or the network failed, or sent a problem that is malformed or too costly."""
    SOLVER = 4
    """The solver failed."""
    INTERNAL = 70
    """A bug: an unexpected exception, shown with its (redacted) traceback (EX_SOFTWARE)."""
    INTERRUPTED = 130
    """Ctrl-C or SIGTERM."""


EXIT_PASSED = ExitCode.PASSED
EXIT_REJECTED = ExitCode.REJECTED
EXIT_CONFIG = ExitCode.CONFIG
EXIT_SERVICE = ExitCode.SERVICE
EXIT_SOLVER = ExitCode.SOLVER
EXIT_INTERNAL = ExitCode.INTERNAL
EXIT_INTERRUPTED = ExitCode.INTERRUPTED


class HackatticError(Exception):
    """A failure already explained to the user by its message."""

    exit_code: ClassVar[int] = EXIT_SOLVER

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(HackatticError):
    """The command line or the settings are wrong; the message says what to set."""

    exit_code = EXIT_CONFIG


class PluginError(ConfigError):
    """A plugin could not be loaded, or its challenge clashes with another's."""


class ServiceError(HackatticError):
    """The service or the network failed, after any retries."""

    exit_code = EXIT_SERVICE


class TransportError(ServiceError):
    """The request could not be completed: no connection, a timeout, a dropped socket."""

    def __init__(self, message: str, *, may_have_arrived: bool = True) -> None:
        super().__init__(message)
        self.may_have_arrived = may_have_arrived
        """False when the connection was never made: the service cannot have seen it."""


class HTTPStatusError(ServiceError):
    """The service answered with a non-2xx status."""

    def __init__(self, message: str, *, status_code: int, body: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body


class ProblemError(ServiceError):
    """The problem the service sent is not what the challenge expects."""

    def __init__(self, message: str, *, body: str = "") -> None:
        super().__init__(message)
        self.body = body


class CostLimitExceeded(ProblemError):
    """A problem that would cost more time or memory than a limit allows, refused before
    any work starts (or, for what only reading it shows, ``when`` it is seen: "while
    reading the dump"): the message names the field, its value, the limit and the
    setting."""

    def __init__(
        self,
        *,
        field: str,
        value: object,
        limit: object,
        setting: str,
        unit: str = "",
        when: str = "before starting",
    ) -> None:
        shown = shorten(repr(value) if isinstance(value, str) else str(value))
        suffix = f" {unit}" if unit else ""
        super().__init__(
            f"the problem's {field} is {shown}{suffix}, over the limit of {limit}{suffix} "
            f"({setting}): refused {when}; raise {setting} only if you expect it"
        )
        self.field = field
        self.limit = limit
        self.setting = setting


class SolverError(HackatticError):
    """The solver failed to produce a solution."""

    exit_code = EXIT_SOLVER


class AttemptLost(SolverError):
    """This problem instance is lost (a dropped conversation, say): fetch a fresh one."""


class Interrupted(HackatticError):
    """The user (Ctrl-C) or the system (SIGTERM) stopped the run; sockets were closed."""

    exit_code = EXIT_INTERRUPTED


def describe_exception(exc: BaseException) -> str:
    """``ValueError: what went wrong``: an unexpected exception on one line, for a message."""
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


PLUGIN_FAILURES: tuple[type[BaseException], ...] = (Exception, SystemExit)
"""What plugin code may raise that becomes that plugin's error: ``sys.exit`` in a plugin
must never end hackattic, nor skip its report."""


class PluginFailure(RuntimeError):
    """A plugin's emulation raised something (``SystemExit`` included) inside the sandbox."""


async def guard_plugin(awaitable: Awaitable[T], what: str) -> T:
    """``await awaitable``, turning a ``SystemExit`` from plugin code into
    :class:`PluginFailure` (an ordinary exception the caller already handles)."""
    try:
        return await awaitable
    except SystemExit as exc:
        raise PluginFailure(f"{what} called sys.exit({exc.code!r})") from None


SHORTEN_AT = 200
"""Quoted values longer than this are cut in messages (their length is stated)."""


def shorten(text: str, limit: int = SHORTEN_AT) -> str:
    """``text`` cut to about ``limit`` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"

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
    ├── SolverError            exit 4: the solver could not produce a solution
    │   └── AttemptLost        this problem is lost; a fresh one may succeed
    └── Interrupted            exit 130: Ctrl-C or SIGTERM
"""

from __future__ import annotations

import traceback
from typing import ClassVar

EXIT_PASSED = 0
EXIT_REJECTED = 1
EXIT_CONFIG = 2
EXIT_SERVICE = 3
EXIT_SOLVER = 4
EXIT_INTERNAL = 70
"""A bug: an unexpected exception, shown with its (redacted) traceback (EX_SOFTWARE)."""
EXIT_INTERRUPTED = 130


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

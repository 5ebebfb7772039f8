"""hackattic: solve hackattic.com challenges through plugins, online or in an offline sandbox.

The public API for plugin authors is every name in ``__all__``, importable from here
(``from hackattic_core import Challenge, Emulation, run_blocking``); tests also have
:mod:`hackattic_core.testing` and the fixtures of :mod:`hackattic_core.pytest_plugin`.

Names load on first use (PEP 562), so importing the package stays free: ``hackattic
--help`` pulls in neither pydantic nor the server stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The public API, listed once: name → the module that defines it. ``__all__`` and the
# README's list are checked against it by tests/test_public_api.py.
_EXPORTS = {
    "AnyChallenge": "hackattic_core.challenge",
    "Challenge": "hackattic_core.challenge",
    "Context": "hackattic_core.challenge",
    "DownloadUrl": "hackattic_core.challenge",
    "NullProgress": "hackattic_core.challenge",
    "Problem": "hackattic_core.challenge",
    "Progress": "hackattic_core.challenge",
    "Solution": "hackattic_core.challenge",
    "run_blocking": "hackattic_core.blocking",
    "run_in_process": "hackattic_core.blocking",
    "AttemptLost": "hackattic_core.errors",
    "ConfigError": "hackattic_core.errors",
    "CostLimitExceeded": "hackattic_core.errors",
    "ExitCode": "hackattic_core.errors",
    "HackatticError": "hackattic_core.errors",
    "ProblemError": "hackattic_core.errors",
    "ServiceError": "hackattic_core.errors",
    "SolverError": "hackattic_core.errors",
    "hookimpl": "hackattic_core.hookspecs",
    "Emulation": "hackattic_core.sandbox.emulation",
    "EmulationEnv": "hackattic_core.sandbox.emulation",
    "Issued": "hackattic_core.sandbox.emulation",
    "EmulationConditions": "hackattic_core.sandbox.conditions",
    "Downloads": "hackattic_core.sandbox.downloads",
    "ServedAddress": "hackattic_core.serving",
    "serve_asgi": "hackattic_core.serving",
    "RunResult": "hackattic_core.runner",
    "run_challenge": "hackattic_core.runner",
    "validate_problem": "hackattic_core.runner",
    "register_secret": "hackattic_core.redaction",
    "ChallengeSettings": "hackattic_core.settings",
    "NoSettings": "hackattic_core.settings",
    "Settings": "hackattic_core.settings",
    "is_loopback_host": "hackattic_core.settings",
    "load_settings": "hackattic_core.settings",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from hackattic_core.blocking import run_blocking as run_blocking
    from hackattic_core.blocking import run_in_process as run_in_process
    from hackattic_core.challenge import (
        AnyChallenge as AnyChallenge,
    )
    from hackattic_core.challenge import (
        Challenge as Challenge,
    )
    from hackattic_core.challenge import (
        Context as Context,
    )
    from hackattic_core.challenge import (
        DownloadUrl as DownloadUrl,
    )
    from hackattic_core.challenge import (
        NullProgress as NullProgress,
    )
    from hackattic_core.challenge import (
        Problem as Problem,
    )
    from hackattic_core.challenge import (
        Progress as Progress,
    )
    from hackattic_core.challenge import (
        Solution as Solution,
    )
    from hackattic_core.errors import (
        AttemptLost as AttemptLost,
    )
    from hackattic_core.errors import (
        ConfigError as ConfigError,
    )
    from hackattic_core.errors import (
        CostLimitExceeded as CostLimitExceeded,
    )
    from hackattic_core.errors import (
        ExitCode as ExitCode,
    )
    from hackattic_core.errors import (
        HackatticError as HackatticError,
    )
    from hackattic_core.errors import (
        ProblemError as ProblemError,
    )
    from hackattic_core.errors import (
        ServiceError as ServiceError,
    )
    from hackattic_core.errors import (
        SolverError as SolverError,
    )
    from hackattic_core.hookspecs import hookimpl as hookimpl
    from hackattic_core.redaction import register_secret as register_secret
    from hackattic_core.runner import RunResult as RunResult
    from hackattic_core.runner import run_challenge as run_challenge
    from hackattic_core.runner import validate_problem as validate_problem
    from hackattic_core.sandbox.conditions import EmulationConditions as EmulationConditions
    from hackattic_core.sandbox.downloads import Downloads as Downloads
    from hackattic_core.sandbox.emulation import Emulation as Emulation
    from hackattic_core.sandbox.emulation import EmulationEnv as EmulationEnv
    from hackattic_core.sandbox.emulation import Issued as Issued
    from hackattic_core.serving import ServedAddress as ServedAddress
    from hackattic_core.serving import serve_asgi as serve_asgi
    from hackattic_core.settings import (
        ChallengeSettings as ChallengeSettings,
    )
    from hackattic_core.settings import (
        NoSettings as NoSettings,
    )
    from hackattic_core.settings import (
        Settings as Settings,
    )
    from hackattic_core.settings import (
        is_loopback_host as is_loopback_host,
    )
    from hackattic_core.settings import (
        load_settings as load_settings,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hackattic_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once loaded, as fast as a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])

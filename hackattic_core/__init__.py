"""hackattic: solve hackattic.com challenges through plugins, online or in an offline sandbox.

The public API for plugin authors, all importable from here::

    from hackattic_core import Challenge, Problem, Solution, Context, AttemptLost, hookimpl
    from hackattic_core import Emulation, EmulationConditions, Issued

Names load on first use (PEP 562), so importing the package stays free: ``hackattic
--help`` pulls in neither pydantic nor the server stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name → the module that defines it.
_EXPORTS = {
    "Challenge": "hackattic_core.challenge",
    "Context": "hackattic_core.challenge",
    "NullProgress": "hackattic_core.challenge",
    "Problem": "hackattic_core.challenge",
    "Progress": "hackattic_core.challenge",
    "Solution": "hackattic_core.challenge",
    "AttemptLost": "hackattic_core.errors",
    "ConfigError": "hackattic_core.errors",
    "HackatticError": "hackattic_core.errors",
    "ProblemError": "hackattic_core.errors",
    "ServiceError": "hackattic_core.errors",
    "SolverError": "hackattic_core.errors",
    "hookimpl": "hackattic_core.hookspecs",
    "Emulation": "hackattic_core.sandbox.emulation",
    "EmulationEnv": "hackattic_core.sandbox.emulation",
    "Issued": "hackattic_core.sandbox.emulation",
    "EmulationConditions": "hackattic_core.sandbox.conditions",
    "RunResult": "hackattic_core.runner",
    "run_challenge": "hackattic_core.runner",
    "ChallengeSettings": "hackattic_core.settings",
    "Settings": "hackattic_core.settings",
    "load_settings": "hackattic_core.settings",
}

__all__ = [
    "AttemptLost",
    "Challenge",
    "ChallengeSettings",
    "ConfigError",
    "Context",
    "Emulation",
    "EmulationConditions",
    "EmulationEnv",
    "HackatticError",
    "Issued",
    "NullProgress",
    "Problem",
    "ProblemError",
    "Progress",
    "RunResult",
    "ServiceError",
    "Settings",
    "Solution",
    "SolverError",
    "__version__",
    "hookimpl",
    "load_settings",
    "run_challenge",
]

if TYPE_CHECKING:
    from hackattic_core.challenge import (
        Challenge,
        Context,
        NullProgress,
        Problem,
        Progress,
        Solution,
    )
    from hackattic_core.errors import (
        AttemptLost,
        ConfigError,
        HackatticError,
        ProblemError,
        ServiceError,
        SolverError,
    )
    from hackattic_core.hookspecs import hookimpl
    from hackattic_core.runner import RunResult, run_challenge
    from hackattic_core.sandbox.conditions import EmulationConditions
    from hackattic_core.sandbox.emulation import Emulation, EmulationEnv, Issued
    from hackattic_core.settings import ChallengeSettings, Settings, load_settings


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hackattic_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once loaded, as fast as a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])

"""hackattic: solve hackattic.com challenges through plugins, online or in an offline sandbox.

Kept light on purpose: importing the package must not pull in httpx, pydantic or the server
stack, so that ``hackattic --help`` and ``hackattic list`` start fast. Import from the
submodules (``hackattic_core.challenge``, ``hackattic_core.hookspecs``, …).
"""

__version__ = "0.1.0"
__all__ = ["__version__"]

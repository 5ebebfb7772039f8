"""The offline sandbox: a local stand-in for hackattic.com.

- :mod:`~hackattic_core.sandbox.app`: the Starlette app (the HTTP API, access token, stats);
- :mod:`~hackattic_core.sandbox.faults`: HTTP fault injection;
- :mod:`~hackattic_core.sandbox.server`: running it under uvicorn, embedded
  (:func:`~hackattic_core.sandbox.server.serve_sandbox`) or standalone
  (:func:`~hackattic_core.sandbox.server.run_standalone`);
- :mod:`~hackattic_core.sandbox.emulation`: what a challenge plugs in;
- :mod:`~hackattic_core.sandbox.conditions`: the core's conditions (seed, time scale, HTTP
  faults) and the base of each emulation's own;
- :mod:`~hackattic_core.sandbox.build`: building the emulations a sandbox serves.

Importing this package imports nothing heavy: starlette and uvicorn load with the
submodules that need them.
"""

TIME_SCALE_HEADER = "X-Hackattic-Time-Scale"
"""Sent with every problem: the sandbox's time scale, the one owner of its clock. The client
hands it to solvers as ``Context.time_scale`` (hackattic.com sends no such header: 1.0)."""

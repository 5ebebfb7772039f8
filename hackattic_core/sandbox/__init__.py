"""The offline sandbox: a local stand-in for hackattic.com.

- :mod:`~hackattic_core.sandbox.app`: the Starlette app (the HTTP API, access token, stats);
- :mod:`~hackattic_core.sandbox.faults`: HTTP fault injection;
- :mod:`~hackattic_core.sandbox.server`: running it under uvicorn, embedded
  (:func:`~hackattic_core.sandbox.server.serve_sandbox`) or standalone
  (:func:`~hackattic_core.sandbox.server.run_standalone`);
- :mod:`~hackattic_core.sandbox.emulation`: what a challenge plugs in;
- :mod:`~hackattic_core.sandbox.conditions`: rounds, seed, latency, faults.

Importing this package imports nothing heavy: starlette and uvicorn load with the
submodules that need them.
"""

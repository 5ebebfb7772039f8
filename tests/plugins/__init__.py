"""Sample plugins for the tests.

``good``, ``broken``, ``bad_class`` and ``dup_*`` are imported in process as
``tests.plugins.<name>``; ``mirror``, ``ticker``, ``tally`` and ``stubborn`` (written only
against the public API, each with an emulation) are installed for a child process as
``hackattic_test_<name>``, the module their ``emulation_class`` names (see
``tests/reliability/conftest.py``).
"""

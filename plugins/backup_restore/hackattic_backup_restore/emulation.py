"""The offline sandbox's stand-in for backup_restore: issues problems and checks solutions.

REPLACE: this stub issues ``{"numbers": [...]}`` and expects their sum as ``total``, to
match the stub solver. Make ``new_problem`` issue what hackattic.com sends for this
challenge (random, from ``self.env.rng``, so that a seed reproduces it) and ``check``
accept exactly what it accepts, naming the wrong field in the reason.
"""

from __future__ import annotations

from typing import Any

from hackattic_core.sandbox.emulation import Emulation, Issued


class BackupRestoreEmulation(Emulation):
    slug = "backup_restore"

    def new_problem(self) -> Issued:
        # ▼ REPLACE: a problem like the real one; ``state`` keeps what ``check`` needs.
        rng = self.env.rng
        numbers = [rng.randint(-1000, 1000) for _ in range(rng.randint(3, 10))]
        return Issued(problem={"numbers": numbers}, state=sum(numbers))

    def check(self, issued: Issued, solution: dict[str, Any]) -> str | None:
        # ▼ REPLACE: None when ``solution`` is right, otherwise the reason it is not.
        if "total" not in solution:
            return "missing field 'total'"
        got, expected = solution["total"], issued.state
        if type(got) is not int or got != expected:
            return f"wrong total: got {got!r}, expected {expected!r}"
        return None

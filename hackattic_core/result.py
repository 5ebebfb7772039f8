"""What a run found out: :class:`RunResult`, the one thing ``--json`` prints for a run.

Kept apart from the runner (and light to import), so that the command line holds a result
from its very start: an interrupted run still reports what it found.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from hackattic_core.errors import EXIT_PASSED, HackatticError

RunStatus = Literal["passed", "rejected", "already_solved", "solved", "failed"]


@dataclass
class AttemptRecord:
    """One problem fetched and tried."""

    number: int
    seconds: float
    error: str | None = None


@dataclass
class RunResult:
    """Everything a run found out; ``--json`` prints exactly this."""

    slug: str
    status: RunStatus = "failed"
    message: str = ""
    hint: str | None = None
    solution: dict[str, Any] | None = None
    submitted: bool = False
    """The service answered the solution."""
    sent: bool = False
    """The solution was sent and may have arrived, answered or not (see ``submitted``)."""
    playground: bool = False
    sandbox: bool = False
    attempts: list[AttemptRecord] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    retries: int = 0
    error: str | None = None
    exit_code: int = EXIT_PASSED

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["timings"] = {k: round(v, 4) for k, v in self.timings.items()}
        for attempt in data["attempts"]:
            attempt["seconds"] = round(attempt["seconds"], 4)
        return data

    def fail(self, error: HackatticError) -> RunResult:
        self.status, self.error, self.exit_code = "failed", str(error), error.exit_code
        return self

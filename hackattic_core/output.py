"""How a run looks to a person: logging, live progress and the final report.

Everything for people goes to stderr except the run's report; with ``--json`` stdout holds
exactly one JSON object.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import TYPE_CHECKING, Any

from hackattic_core.redaction import RedactingFilter, redact

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from hackattic_core.plugins import Registry
    from hackattic_core.runner import RunResult


def configure_logging(verbosity: int) -> None:
    """-q: errors only; default: warnings (each retry is one); -v: info; -vv: debug."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("hackattic: %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO: useful with -v, and redacted by the filter.
    for noisy in ("httpcore", "hpack", "websockets", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(
            max(level, logging.INFO if verbosity > 1 else logging.WARNING)
        )


class TerminalProgress:
    """A solver's progress on stderr: a live line with a bar, throttled, on a terminal only;
    its permanent lines always (unless quiet).

    ``update`` only records the state; rich redraws it at most ``REFRESH_PER_SECOND`` times
    a second from a thread of its own, so a solver may call it at every step.
    """

    REFRESH_PER_SECOND = 8

    def __init__(self, *, quiet: bool = False) -> None:
        from rich.console import Console

        self.console: Console = Console(stderr=True, highlight=False)
        self.quiet = quiet
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._interactive = self.console.is_terminal and not quiet

    def update(
        self, description: str, *, completed: float | None = None, total: float | None = None
    ) -> None:
        if not self._interactive:
            return
        if self._bar is None or self._task is None:
            self._bar = _progress_bar(self.console, self.REFRESH_PER_SECOND)
            self._task = self._bar.add_task(description, total=total)
            self._bar.start()
        self._bar.update(
            self._task,
            description=description,
            total=total,
            completed=completed if completed is not None else 0,
            numbers=completed is not None,
        )

    def done(self, message: str) -> None:
        self.stop()
        if not self.quiet:
            self.console.print(message, markup=False, soft_wrap=True)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
            self._task = None


def _progress_bar(console: Console, refresh_per_second: int) -> Progress:
    """A spinner, the description (plain text, never markup), a bar and ``4/10``."""
    from rich.progress import (
        BarColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class CountColumn(ProgressColumn):
        """``4/10``, ``4`` when the total is unknown, nothing for a text-only update."""

        def render(self, task: Task) -> Text:
            if not task.fields.get("numbers"):
                return Text("")
            completed = f"{task.completed:g}"
            return Text(completed if task.total is None else f"{completed}/{task.total:g}")

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(bar_width=24),
        CountColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        refresh_per_second=refresh_per_second,
        redirect_stdout=False,
        redirect_stderr=False,
    )


def print_json(data: Any) -> None:
    """One JSON object on stdout, redacted, and nothing else."""
    sys.stdout.write(redact(json.dumps(data, ensure_ascii=False)) + "\n")
    sys.stdout.flush()


def print_result(result: RunResult) -> None:
    """The human report of a run, on stdout."""
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    mark = {
        "passed": "[green]✓ passed[/]",
        "solved": "[cyan]✓ solved (dry run, not submitted)[/]",
        "rejected": "[red]✗ rejected[/]",
        "already_solved": "[yellow]✗ already solved[/]",
        "failed": "[red]✗ failed[/]",
    }[result.status]
    where = " (sandbox)" if result.sandbox else ""
    console.print(f"{mark} {result.slug}{where}")
    if result.message:
        console.print(f"  {redact(result.message)}", markup=False)
    if result.hint:
        console.print(f"  hint: {redact(result.hint)}", markup=False)
    if result.error:
        console.print(f"  error: {redact(result.error)}", markup=False)
    if result.solution is not None:
        shown = redact(json.dumps(result.solution))
        label = "solution (not accepted: submit it by hand)" if not result.submitted else "solution"
        console.print(f"  {label}: {shown}", markup=False)
    lost = [a for a in result.attempts if a.error]
    for attempt in lost:
        console.print(
            f"  attempt {attempt.number} lost: {redact(attempt.error or '')}", markup=False
        )
    phases = ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items())
    console.print(f"  [dim]{phases}; attempts {len(result.attempts)}, retries {result.retries}[/]")


def print_registry(registry: Registry, *, as_json: bool) -> None:
    """``hackattic list``: every challenge found, with its plugin and status."""
    rows: list[dict[str, Any]] = [
        {
            "slug": e.slug,
            "title": e.title,
            "plugin": e.plugin.name,
            "distribution": e.plugin.distribution,
            "version": e.plugin.version,
            "status": e.status,
        }
        for e in registry.entries
    ]
    if as_json:
        from hackattic_core.sandbox.build import describe_emulation
        from hackattic_core.sandbox.conditions import (
            FAULT_DESCRIPTIONS,
            SandboxConditions,
            describe_model,
        )

        for row, entry in zip(rows, registry.entries, strict=True):
            row["sandbox"] = (
                describe_emulation(entry.challenge) if entry.challenge is not None else None
            )
        sandbox = {"options": describe_model(SandboxConditions), "faults": FAULT_DESCRIPTIONS}
        print_json({"challenges": rows, "disabled": registry.disabled, "sandbox": sandbox})
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False)
    for column in ("slug", "title", "distribution", "version", "status"):
        # Names must stay whole (users copy them); the free texts may wrap.
        table.add_column(column, no_wrap=column in ("slug", "distribution", "version"))
    for row in rows:
        # Plugin texts are data, never markup: a '[' in an error message must show as is.
        table.add_row(
            Text(row["slug"]),
            Text(row["title"]),
            Text(row["distribution"] or row["plugin"]),
            Text(row["version"]),
            Text(row["status"], style="green" if row["status"] == "ok" else "red"),
        )
    console = Console()
    if rows:
        console.print(table)
    else:
        console.print(
            "no challenges installed (plugins register under the 'hackattic' entry point)"
        )
    if registry.disabled:
        console.print(f"[dim]disabled: {', '.join(registry.disabled)}[/]")

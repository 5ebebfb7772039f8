"""How a run looks to a person: logging, live progress and the final report.

Everything for people goes to stderr except the run's report; with ``--json`` stdout holds
exactly one JSON object.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from typing import TYPE_CHECKING, Any

from hackattic_core.redaction import RedactingFilter, redact_data
from hackattic_core.terminal import escape_json, shown, visible

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID
    from rich.table import Table

    from hackattic_core.errors import HackatticError
    from hackattic_core.plugins import Registry
    from hackattic_core.runner import RunResult


def configure_logging(verbosity: int) -> None:
    """-q: errors only; default: warnings (each retry is one); -v: info; -vv: debug."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(VisibleFormatter("hackattic: %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO: useful with -v, and redacted by the filter.
    for noisy in ("httpcore", "hpack", "websockets", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(
            max(level, logging.INFO if verbosity > 1 else logging.WARNING)
        )


class VisibleFormatter(logging.Formatter):
    """Log lines with control characters made visible: they quote what servers sent."""

    def format(self, record: logging.LogRecord) -> str:
        return visible(super().format(record))


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
            self._task = self._bar.add_task(visible(description, one_line=True), total=total)
            self._bar.start()
        self._bar.update(
            self._task,
            description=visible(description, one_line=True),
            total=total,
            completed=completed if completed is not None else 0,
            numbers=completed is not None,
        )

    def done(self, message: str) -> None:
        self.stop()
        if not self.quiet:
            self.console.print(visible(message), markup=False, soft_wrap=True)

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
    """One JSON object on stdout, redacted, and nothing else.

    The data is masked before it is serialised (never the JSON text), and the characters a
    terminal would act on are escaped in it, so the value is exactly the data's.
    """
    text = json.dumps(strict_json(redact_data(data)), ensure_ascii=False, allow_nan=False)
    sys.stdout.write(escape_json(text) + "\n")
    sys.stdout.flush()


def strict_json(value: Any) -> Any:
    """``value`` with every NaN or infinite float as the string JSON5 would write
    (``"NaN"``, ``"Infinity"``, ``"-Infinity"``): what ``--json`` prints is RFC 8259 JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(item) for item in value]
    return value


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
        console.print(f"  {shown(result.message)}", markup=False)
    if result.hint:
        console.print(f"  hint: {shown(result.hint)}", markup=False)
    if result.error:
        console.print(f"  error: {shown(result.error)}", markup=False)
    if result.solution is not None:
        solution = shown(json.dumps(redact_data(result.solution)))
        console.print(f"  {solution_label(result)}: {solution}", markup=False)
    lost = [a for a in result.attempts if a.error]
    for attempt in lost:
        console.print(
            f"  attempt {attempt.number} lost: {shown(attempt.error or '')}", markup=False
        )
    phases = ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items())
    console.print(f"  [dim]{phases}; attempts {len(result.attempts)}, retries {result.retries}[/]")


def print_failure(
    error: HackatticError,
    *,
    as_json: bool,
    slug: str | None = None,
    result: RunResult | None = None,
) -> None:
    """A failure that ended a command: with ``--json`` one object (the run's ``result``,
    when there is one, with everything it found); else one line on stderr, after the run's
    report if it holds a solution (which the service may have accepted)."""
    if result is not None:
        result.fail(error)
    if as_json:
        if result is not None:
            print_json(result.to_json())
        else:
            print_json(
                {
                    "slug": slug,
                    "status": "failed",
                    "error": str(error),
                    "exit_code": error.exit_code,
                }
            )
        return
    if result is not None and result.solution is not None:
        print_result(result)
    sys.stderr.write(f"hackattic: error: {shown(str(error))}\n")
    sys.stderr.flush()


def solution_label(result: RunResult) -> str:
    """How the report introduces the solution: accepted or not, or perhaps."""
    if result.submitted:
        return "solution"
    if result.sent:
        return "solution (sent; the service may have accepted it)"
    return "solution (not accepted: submit it by hand)"


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

    console = Console()
    if not rows:
        console.print(
            "no challenges installed (plugins register under the 'hackattic' entry point)"
        )
    else:
        table, shortened = _registry_table(rows, console.width)
        console.print(table)
        # A shortened error still has to be readable in full: on stderr, off the table.
        errors = Console(stderr=True, highlight=False, soft_wrap=True)
        for row in shortened:
            errors.print(f"{shown(row['slug'])}: {shown(row['status'])}", markup=False)
    if registry.disabled:
        console.print(f"[dim]disabled: {', '.join(registry.disabled)}[/]")


_REGISTRY_COLUMNS = ("slug", "title", "distribution", "version", "status")
_COLUMN_GAP = 2  # box=None: one space of padding on each side of a cell


def _registry_table(rows: list[dict[str, Any]], width: int) -> tuple[Table, list[dict[str, Any]]]:
    """The table of ``hackattic list``, one line per challenge in ``width`` columns.

    Slugs, versions and distributions stay whole (users copy them); titles and statuses
    are cut with an ellipsis, never wrapped. The distribution column (by convention
    hackattic-<slug>, and in ``list --json`` and ``--version -v``) goes first when the
    titles would not fit whole. Returns the table and the rows whose status was cut.
    """
    from rich.table import Table
    from rich.text import Text

    # Plugin texts are data, never markup: one line each, control characters visible.
    cells = [
        {
            "slug": shown(row["slug"]),
            "title": shown(row["title"]),
            "distribution": shown(row["distribution"] or row["plugin"]),
            "version": shown(row["version"]),
            "status": shown(row["status"]),
        }
        for row in rows
    ]
    full = {c: max(len(c), *(len(cell[c]) for cell in cells)) for c in _REGISTRY_COLUMNS}
    columns = list(_REGISTRY_COLUMNS)
    if sum(full.values()) + _COLUMN_GAP * (len(columns) - 1) > width:
        columns.remove("distribution")
    widths = {c: full[c] for c in columns}
    room = width - _COLUMN_GAP * (len(columns) - 1)
    room -= sum(widths[c] for c in columns if c not in ("title", "status"))
    if widths["title"] + widths["status"] > room:
        widths["status"] = min(full["status"], max(len("status"), room // 3))
        widths["title"] = max(len("title"), room - widths["status"])

    table = Table(box=None, pad_edge=False)
    for column in columns:
        table.add_column(column, width=widths[column], no_wrap=True, overflow="ellipsis")
    for cell in cells:
        table.add_row(
            *(
                Text(
                    cell[column],
                    style={"ok": "green"}.get(cell[column], "red") if column == "status" else "",
                    no_wrap=True,
                    overflow="ellipsis",
                )
                for column in columns
            )
        )
    shortened = [
        row for row, cell in zip(rows, cells, strict=True) if len(cell["status"]) > widths["status"]
    ]
    return table, shortened

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
    from rich.live import Live

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
    """A live status line on stderr when it is a terminal; summaries always (unless quiet)."""

    def __init__(self, *, quiet: bool = False) -> None:
        from rich.console import Console

        self.console: Console = Console(stderr=True, highlight=False)
        self.quiet = quiet
        self._live: Live | None = None
        self._interactive = self.console.is_terminal and not quiet

    def update(self, message: str) -> None:
        if not self._interactive:
            return
        if self._live is None:
            from rich.live import Live
            from rich.text import Text

            self._live = Live(
                Text(message), console=self.console, refresh_per_second=8, transient=True
            )
            self._live.start()
            return
        from rich.text import Text

        self._live.update(Text(message))

    def done(self, message: str) -> None:
        self.stop()
        if not self.quiet:
            self.console.print(message, markup=False, soft_wrap=True)

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


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
    rows = [
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
        print_json({"challenges": rows, "disabled": registry.disabled})
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

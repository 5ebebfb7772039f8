"""The ``hackattic`` command: a thin layer over the library.

Exit codes are defined in :mod:`hackattic_core.errors`: 0 passed; 1 rejected (or already
solved); 2 usage or configuration error; 3 the service or network failed after retries; 4 the
solver failed; 70 an internal error (a bug: its redacted traceback is shown); 130 interrupted.
Heavy modules (httpx, pydantic, the server stack) are imported inside the commands so that
``hackattic --help`` and ``hackattic list`` start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import typer.core

from hackattic_core.errors import EXIT_CONFIG, EXIT_INTERNAL, HackatticError

if TYPE_CHECKING:
    from hackattic_core.result import RunResult

# typer 0.19 escapes "[default: ...]" and "[required]" for rich markup whenever rich is
# installed, even with rich_markup_mode=None, so plain help showed "\[default: ...]". With
# markup off, this flag only decides that escaping.
typer.core.HAS_RICH = False

app = typer.Typer(
    help="Solve hackattic.com challenges, online or against an offline sandbox.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich's markdown/syntax machinery would double the start-up time.
    rich_markup_mode=None,
)

T = TypeVar("T")

Slug = Annotated[str, typer.Argument(help="The challenge's slug, as in its hackattic.com address.")]
Verbose = Annotated[
    int, typer.Option("--verbose", "-v", count=True, help="More logging (-vv: debug).")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors and the result.")]
JsonOutput = Annotated[
    bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")
]


def _print_version(verbose: int) -> None:
    """``hackattic 0.1.0``; with ``-v`` a line per plugin distribution, from its metadata
    alone (no plugin is imported, so a broken one still shows)."""
    from importlib.metadata import entry_points

    from hackattic_core import __version__
    from hackattic_core.terminal import shown

    typer.echo(f"hackattic {__version__}")
    if not verbose:
        return
    plugins: dict[tuple[str, str], list[str]] = {}
    for entry_point in entry_points(group="hackattic"):
        dist = entry_point.dist
        key = (dist.name, dist.version) if dist is not None else ("(unknown distribution)", "")
        plugins.setdefault(key, []).append(entry_point.name)
    if not plugins:
        typer.echo("no plugins installed")
    for (name, version), slugs in sorted(plugins.items()):
        # Plugin metadata is untrusted text: escaped as `hackattic list` escapes it.
        typer.echo(shown(f"{name} {version} ({', '.join(sorted(slugs))})"))


@app.callback(invoke_without_command=True)
def _main_options(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print hackattic's version (with -v: each plugin's) and exit."
        ),
    ] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            show_default=False,
            help="With --version: each plugin's version too.",
        ),
    ] = 0,
) -> None:
    # Not eager: "hackattic --version -v" and "hackattic -v --version" must both see -v.
    if version:
        _print_version(verbose)
        raise typer.Exit(0)
    if verbose:
        raise fail(
            "-v before a command goes only with --version: put it after the command, "
            "e.g. hackattic run SLUG -v"
        )
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(EXIT_CONFIG)


INTERRUPTED = "interrupted (Ctrl-C or SIGTERM)"


def fail(message: str, code: int = EXIT_CONFIG) -> typer.Exit:
    """Print a one-line error on stderr and return the exit to raise."""
    from hackattic_core.terminal import shown

    typer.echo(f"hackattic: error: {shown(message)}", err=True)
    return typer.Exit(code)


def run_async(
    main: Callable[[], Awaitable[T]], emergency_report: Callable[[], None] | None = None
) -> T:
    """Run ``main``; Ctrl-C and SIGTERM cancel it, so sockets close before exit 130, and
    whatever holds the process past :data:`~hackattic_core.interrupts.GRACE_SECONDS` is cut
    short by the watchdog, which prints ``emergency_report`` (see
    :mod:`hackattic_core.interrupts`)."""
    import asyncio

    from hackattic_core import interrupts

    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]]] = []

    def cancel() -> None:
        if not running:
            raise KeyboardInterrupt  # the loop is not running yet (or any more)
        loop, task = running[0]
        loop.call_soon_threadsafe(task.cancel)

    async def tracked() -> T:
        task = asyncio.current_task()
        assert task is not None
        running.append((asyncio.get_running_loop(), task))
        return await main()

    with interrupts.guarded(cancel, emergency_report):
        try:
            return asyncio.run(tracked())
        except (KeyboardInterrupt, asyncio.CancelledError):
            from hackattic_core.errors import Interrupted

            raise Interrupted(INTERRUPTED) from None
        finally:
            running.clear()


def _load_registry() -> Any:
    from hackattic_core.plugins import load_registry
    from hackattic_core.settings import load_settings

    settings = load_settings()
    return settings, load_registry(disabled=settings.disable_plugins)


SandboxOption = Annotated[
    list[str] | None,
    typer.Option(
        "--option",
        "-o",
        help="Sandbox: a condition as KEY=VALUE (repeatable), e.g. -o count=5; "
        "hackattic list --json shows each challenge's.",
    ),
]
Seed = Annotated[int | None, typer.Option(help="Sandbox: seed for reproducible problems.")]
TimeScale = Annotated[
    float | None, typer.Option(help="Sandbox: multiply every interval and delay.")
]
Faults = Annotated[
    list[str] | None,
    typer.Option(help="Sandbox: a fault to inject (repeatable): the sandbox's or the challenge's."),
]


@contextmanager
def _exits(
    *, as_json: bool = False, slug: str | None = None, result: RunResult | None = None
) -> Iterator[None]:
    """The one place a :class:`HackatticError` (or Ctrl-C, SIGTERM) becomes a message and
    its exit code; ``result``, the run's so far, is reported with it."""
    try:
        yield
    except (HackatticError, KeyboardInterrupt, MemoryError) as caught:
        from hackattic_core import interrupts
        from hackattic_core.errors import Interrupted, SolverError
        from hackattic_core.output import print_failure

        if isinstance(caught, HackatticError):
            exc: HackatticError = caught
        elif isinstance(caught, MemoryError):
            exc = SolverError("out of memory: the problem needs more than this machine has")
        else:
            exc = Interrupted(INTERRUPTED)
        if not interrupts.claim_report():
            interrupts.wait_for_watchdog()
        print_failure(exc, as_json=as_json, slug=slug, result=result)
        raise typer.Exit(exc.exit_code) from None


@app.command("list")
def list_challenges(as_json: JsonOutput = False) -> None:
    """List every installed challenge with its plugin, version and status."""
    from hackattic_core.output import print_registry

    with _exits(as_json=as_json):
        _, registry = _load_registry()
    print_registry(registry, as_json=as_json)


@app.command()
def run(
    slug: Slug,
    playground: Annotated[
        bool,
        typer.Option(help="Submit with &playground=1: re-solve without affecting the ranking."),
    ] = False,
    sandbox: Annotated[
        bool, typer.Option(help="Run against an offline sandbox started in this process.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option(help="Solve and print the solution; do not submit.")
    ] = False,
    attempts: Annotated[
        int, typer.Option(min=1, help="Fresh problems to try when a solver loses one.")
    ] = 3,
    option: SandboxOption = None,
    seed: Seed = None,
    time_scale: TimeScale = None,
    fault: Faults = None,
    as_json: JsonOutput = False,
    verbose: Verbose = 0,
    quiet: Quiet = False,
) -> None:
    """Fetch a problem, solve it and submit the solution."""
    from hackattic_core import interrupts
    from hackattic_core.output import (
        TerminalProgress,
        configure_logging,
        print_failure,
        print_json,
        print_result,
    )
    from hackattic_core.result import RunResult

    configure_logging(-1 if quiet else verbose)
    progress = TerminalProgress(quiet=quiet)
    # Filled in as the run goes: an interrupted run still reports what it found.
    result = RunResult(slug=slug, playground=playground, sandbox=sandbox)

    def emergency_report() -> None:
        from hackattic_core.errors import Interrupted

        progress.stop()
        print_failure(Interrupted(INTERRUPTED), as_json=as_json, slug=slug, result=result)

    try:
        with _exits(as_json=as_json, slug=slug, result=result):
            given = {
                "--option": option,
                "--seed": seed,
                "--time-scale": time_scale,
                "--fault": fault,
            }
            needs_sandbox = [name for name, value in given.items() if value is not None]
            if needs_sandbox and not sandbox:
                raise_config(f"{needs_sandbox[0]} needs --sandbox")
            settings, registry = _load_registry()
            challenge = registry.get(slug)
            how: dict[str, Any] = {
                "playground": playground,
                "dry_run": dry_run,
                "attempts": attempts,
                "progress": progress,
                "result": result,
            }
            if sandbox:
                from hackattic_core.sandbox.conditions import conditions_from_command_line
                from hackattic_core.sandbox.embedded import run_in_sandbox

                conditions, options = conditions_from_command_line(
                    option or [],
                    default_slug=slug,
                    seed=seed,
                    time_scale=time_scale,
                    faults=fault or [],
                )
                run_async(
                    lambda: run_in_sandbox(challenge, settings, conditions, options, **how),
                    emergency_report,
                )
            else:
                from hackattic_core.runner import run_challenge

                settings.require_token()
                run_async(lambda: run_challenge(challenge, settings, **how), emergency_report)
    finally:
        progress.stop()
    if not interrupts.claim_report():
        interrupts.wait_for_watchdog()
    if as_json:
        print_json(result.to_json())
    else:
        print_result(result)
    raise typer.Exit(result.exit_code)


def raise_config(message: str) -> None:
    from hackattic_core.errors import ConfigError

    raise ConfigError(message)


@app.command("sandbox")
def sandbox_command(
    host: Annotated[
        str, typer.Option(help="Address to bind (loopback unless you mean it).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port; 0 takes a free one.")] = 8000,
    access_token: Annotated[
        str | None, typer.Option(help="Fix the access token (default: a fresh random one).")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            "-o",
            help="A condition as SLUG.KEY=VALUE (repeatable), e.g. "
            "-o SLUG.count=5; hackattic list --json shows them.",
        ),
    ] = None,
    seed: Seed = None,
    time_scale: TimeScale = None,
    fault: Faults = None,
    as_json: JsonOutput = False,
    verbose: Verbose = 0,
) -> None:
    """Serve the offline emulation of hackattic.com until interrupted."""
    from hackattic_core.output import configure_logging

    configure_logging(verbose)
    with _exits():
        from hackattic_core.sandbox.conditions import conditions_from_command_line
        from hackattic_core.sandbox.server import run_standalone

        conditions, options = conditions_from_command_line(
            option or [], default_slug=None, seed=seed, time_scale=time_scale, faults=fault or []
        )
        _, registry = _load_registry()
        try:
            run_async(
                lambda: run_standalone(
                    registry.challenges,
                    conditions,
                    options,
                    host=host,
                    port=port,
                    access_token=access_token,
                    json_output=as_json,
                )
            )
        except OSError as exc:
            raise_config(f"cannot serve on {host}:{port}: {exc.strerror or exc}; try --port 0")


@app.command()
def new(
    slug: Slug,
    title: Annotated[str | None, typer.Option(help="One line for hackattic list.")] = None,
    directory: Annotated[
        str | None,
        typer.Option(
            help="Where to create it (default: plugins/SLUG in the hackattic repository, "
            "./hackattic-SLUG anywhere else)."
        ),
    ] = None,
) -> None:
    """Create a plugin for a new challenge: a stub whose test passes, to fill in."""
    from pathlib import Path

    from hackattic_core.scaffold import create_plugin, layout_for

    with _exits():
        path = create_plugin(slug, Path(directory) if directory else None, title=title)
    typer.echo(f"created {path}: a stub challenge, emulation and test (see its README.md)")
    typer.echo("next steps:")
    if layout_for(path) == "workspace":
        steps = [
            "make lock install                        # lock and install the new plugin",
            f".venv/bin/hackattic list                 # {slug}: ok",
            f".venv/bin/pytest {path}",
            f".venv/bin/hackattic run {slug} --sandbox",
        ]
    else:
        steps = [
            f"cd {path}",
            "pip install -e . pytest     # into hackattic's environment (or: uv pip install)",
            f"hackattic list              # {slug}: ok",
            "pytest",
            f"hackattic run {slug} --sandbox",
        ]
    steps.append(f"then replace what is marked REPLACE in {path} with the real challenge")
    for step in steps:
        typer.echo(f"  {step}")


def main() -> None:
    """Console-script entry point: every unexpected error's traceback is redacted."""
    from hackattic_core import interrupts

    # Until a command guards its own work, SIGTERM is Ctrl-C too (typer: exit 130), and
    # the watchdog ends whatever still holds the process a second later.
    interrupts.install_default()
    try:
        app()
    except SystemExit:
        raise
    except BaseException:
        import traceback

        from hackattic_core.redaction import redact

        sys.stderr.write(redact(traceback.format_exc()))
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":  # pragma: no cover
    main()

__all__ = ["app", "main"]

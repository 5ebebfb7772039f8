"""A run: fetch a problem → validate it → solve → submit, and the result of it all.

The runner owns the attempt loop: a solver that raises :class:`AttemptLost` gets a fresh
problem (never the same one again), up to ``attempts`` times. Expected failures do not
escape as exceptions: they become a :class:`RunResult` with the reason and the exit code, so
that a failed run still reports everything it had, a solution not yet accepted included.
A cancelled run (Ctrl-C) does raise, but a caller that passes its own ``result`` keeps what
the run found, such as a solution the service may have accepted.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from hackattic_core.challenge import (
    PUBLIC_HOST_MISSING,
    AnyChallenge,
    Challenge,
    Context,
    NullProgress,
    ProblemT,
    Progress,
    settings_of,
)
from hackattic_core.client import HackatticClient, http_client, may_have_arrived
from hackattic_core.errors import (
    EXIT_PASSED,
    EXIT_REJECTED,
    AttemptLost,
    ConfigError,
    HackatticError,
    ProblemError,
    SolverError,
    describe_exception,
    shorten,
)
from hackattic_core.redaction import redact
from hackattic_core.result import AttemptRecord, RunResult, RunStatus
from hackattic_core.settings import ChallengeSettings, Settings, challenge_settings

__all__ = [
    "MAY_HAVE_BEEN_ACCEPTED",
    "AttemptRecord",
    "RunResult",
    "RunStatus",
    "run_challenge",
    "validate_problem",
]

logger = logging.getLogger("hackattic.runner")

PROBLEM_LOG_CHARS = 4000
"""``-v`` logs a problem cut to this many characters."""
SANDBOX_PUBLIC_HOST = "127.0.0.1"
"""Where a sandbox reaches the servers a solver runs."""

MAY_HAVE_BEEN_ACCEPTED = (
    "the solution was sent and the service may have accepted it: "
    "check on hackattic.com before submitting it again"
)


def validate_problem(
    challenge: type[Challenge[ProblemT, Any, Any]], raw: Mapping[str, Any]
) -> ProblemT:
    """The problem as the challenge's model, or a :class:`ProblemError` naming the field.

    The message keeps the case of what it quotes and cuts a long value to a few hundred
    characters, saying how long it was.
    """
    try:
        return challenge.problem_model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(the whole problem)"
        message = first["msg"]
        message = message[:1].lower() + message[1:]  # "Value error, …" → "value error, …"
        raise ProblemError(
            f"malformed {challenge.name} problem: field {shorten(where, 100)!r}: "
            f"{redact(shorten(message))} "
            f"({exc.error_count()} error(s); run with -v to see the problem)",
            body=shorten(redact(str(dict(raw))), 2000),
        ) from None
    except (MemoryError, RecursionError) as exc:
        raise ProblemError(
            f"malformed {challenge.name} problem: too large or too deep to read "
            f"({type(exc).__name__})"
        ) from None


def non_finite_field(value: Any, where: str = "") -> tuple[str, float] | None:
    """The first NaN or infinite float in a JSON-like value, with its dotted path."""
    if isinstance(value, float) and not math.isfinite(value):
        return where or "value", value
    items: Any = ()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    for key, item in items:
        found = non_finite_field(item, f"{where}.{key}" if where else f"field {key!r}")
        if found is not None:
            return found
    return None


def public_host_of(settings: Settings) -> str | None:
    """``HACKATTIC_PUBLIC_HOST``, else the host of ``HACKATTIC_PUBLIC_URL`` (a tunnel)."""
    if settings.public_host is not None:
        return settings.public_host
    if settings.public_url is not None:
        return urlsplit(settings.public_url).hostname
    return None


def _plugin_settings(challenge_cls: type[AnyChallenge]) -> ChallengeSettings:
    """The challenge's own settings, built now; a bad value is a one-line ConfigError."""
    return challenge_settings(challenge_cls.name, settings_of(challenge_cls))


def _solver_failure(exc: BaseException) -> SolverError:
    return SolverError(f"the solver failed: {redact(shorten(describe_exception(exc), 500))}")


class _Clock:
    """Adds up the time spent in each phase."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    def add(self, phase: str, started: float) -> None:
        self.timings[phase] = self.timings.get(phase, 0.0) + time.perf_counter() - started


async def _close_resources(context: Context[Any]) -> None:
    """Close what the solver kept open (its servers); a failure to close is only logged:
    the run's outcome is already known."""
    try:
        await context.resources.aclose()
    except Exception as exc:
        logger.warning("closing the solver's resources: %s", redact(describe_exception(exc)))


async def _solve_with_attempts(
    client: HackatticClient,
    challenge_cls: type[AnyChallenge],
    result: RunResult,
    clock: _Clock,
    make_context: Callable[[int], Context[Any]],
    attempts: int,
    kept: contextlib.AsyncExitStack,
) -> BaseModel:
    """A solution, from up to ``attempts`` fresh problems. The context of the attempt that
    succeeded is handed to ``kept``, so what it keeps open lives until the submit ends."""
    try:
        challenge = challenge_cls()
    except (Exception, SystemExit) as exc:  # plugin code: its error, never the core's end
        raise _solver_failure(exc) from None
    for number in range(1, attempts + 1):
        started = time.perf_counter()
        raw = await client.get_problem(challenge_cls.name)
        clock.add("fetch", started)
        logger.info("problem: %s", shorten(redact(str(raw)), PROBLEM_LOG_CHARS))
        problem = validate_problem(challenge_cls, raw)
        context = make_context(number)
        try:
            challenge.check_cost(problem, context.plugin_settings)
        except HackatticError:
            raise
        except (Exception, SystemExit) as exc:
            raise _solver_failure(exc) from None
        started = time.perf_counter()
        solved = False
        try:
            solution = await challenge.solve(problem, context)
            solved = True
        except AttemptLost as exc:
            logger.info("attempt %d/%d lost: %s", number, attempts, exc)
            result.attempts.append(AttemptRecord(number, time.perf_counter() - started, str(exc)))
            continue
        except HackatticError:
            raise
        except MemoryError:
            raise SolverError("the solver ran out of memory") from None
        except (Exception, SystemExit, KeyboardInterrupt) as exc:
            # KeyboardInterrupt raised by plugin code itself is its failure; the user's
            # Ctrl-C reaches the run as a cancellation, not through here.
            logger.debug("solver traceback:\n%s", redact(traceback.format_exc()))
            raise _solver_failure(exc) from None
        finally:
            clock.add("solve", started)
            if solved:
                kept.push_async_callback(_close_resources, context)
            else:
                await _close_resources(context)
        result.attempts.append(AttemptRecord(number, time.perf_counter() - started))
        if not isinstance(solution, challenge_cls.solution_model):
            raise SolverError(
                f"the solver returned {type(solution).__name__}, "
                f"not {challenge_cls.solution_model.__name__}"
            )
        checked: BaseModel = solution
        return checked
    reasons = "; ".join(f"attempt {a.number}: {a.error}" for a in result.attempts)
    raise SolverError(f"no solution after {attempts} attempt(s): {reasons}")


async def run_challenge(
    challenge_cls: type[AnyChallenge],
    settings: Settings,
    *,
    playground: bool = False,
    dry_run: bool = False,
    attempts: int = 3,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sandbox: bool = False,
    result: RunResult | None = None,
) -> RunResult:
    """Fetch, solve and (unless ``dry_run``) submit ``challenge_cls``; never raises for an
    expected failure: the result carries the reason and the exit code.

    ``result``, if given, is filled in as the run goes (and returned), so that a caller
    still holds what the run found when it is cancelled.
    """
    if result is None:
        result = RunResult(slug=challenge_cls.name)
    result.slug, result.playground, result.sandbox = challenge_cls.name, playground, sandbox
    clock = _Clock(result.timings)
    started_run = time.perf_counter()
    try:
        plugin_settings = _plugin_settings(challenge_cls)
        public_host = SANDBOX_PUBLIC_HOST if sandbox else public_host_of(settings)
        if challenge_cls.serves and public_host is None:
            raise ConfigError(PUBLIC_HOST_MISSING)
        async with (
            HackatticClient(settings, transport=transport) as client,
            http_client(settings) as downloads,
            contextlib.AsyncExitStack() as kept,
        ):

            def make_context(attempt: int) -> Context[Any]:
                return Context(
                    settings=settings,
                    http=downloads,
                    ws_base_url=settings.ws_base_url,
                    logger=logging.getLogger(f"hackattic.{challenge_cls.name}"),
                    progress=progress or NullProgress(),
                    attempt=attempt,
                    plugin_settings=plugin_settings,
                    time_scale=client.time_scale,
                    public_host=public_host,
                    listen_host=settings.listen_host,
                    public_url=settings.public_url,
                )

            try:
                solution = await _solve_with_attempts(
                    client, challenge_cls, result, clock, make_context, max(1, attempts), kept
                )
                dumped = solution.model_dump(mode="json", by_alias=True)
                not_json = non_finite_field(dumped)
                if not_json is not None:
                    where, value = not_json
                    raise SolverError(
                        f"the solution's {where} is {value}, which JSON cannot hold "
                        "(RFC 8259 has no NaN or Infinity): not submitted"
                    )
                result.solution = dumped
                if dry_run:
                    result.status, result.message = "solved", "dry run: not submitted"
                    return result
                started = time.perf_counter()
                result.sent = True
                try:
                    outcome = await client.submit(
                        challenge_cls.name, result.solution, playground=playground
                    )
                except BaseException as exc:  # a cancellation too: the answer is unknown
                    result.sent = may_have_arrived(exc)
                    if result.sent:
                        result.message = MAY_HAVE_BEEN_ACCEPTED
                    raise
                finally:
                    clock.add("submit", started)
                result.submitted = True
                result.status, result.message, result.hint = (
                    outcome.status,
                    outcome.message,
                    outcome.hint,
                )
                result.exit_code = EXIT_PASSED if outcome.status == "passed" else EXIT_REJECTED
                if outcome.status == "already_solved":
                    result.hint = (outcome.hint or "") + " (use --playground to re-solve)"
                return result
            finally:
                result.retries = client.retries
    except HackatticError as exc:
        if isinstance(exc, ProblemError):
            logger.info("problem body: %s", exc.body)
        return result.fail(exc)
    finally:
        result.timings["total"] = time.perf_counter() - started_run

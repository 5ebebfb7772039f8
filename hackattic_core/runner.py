"""A run: fetch a problem → validate it → solve → submit, and the result of it all.

The runner owns the attempt loop: a solver that raises :class:`AttemptLost` gets a fresh
problem (never the same one again), up to ``attempts`` times. Expected failures do not
escape as exceptions: they become a :class:`RunResult` with the reason and the exit code, so
that a failed run still reports everything it had, a solution not yet accepted included.
A cancelled run (Ctrl-C) does raise, but a caller that passes its own ``result`` keeps what
the run found, such as a solution the service may have accepted.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from hackattic_core.challenge import Challenge, Context, NullProgress, Progress
from hackattic_core.client import HackatticClient, http_client, may_have_arrived
from hackattic_core.errors import (
    EXIT_PASSED,
    EXIT_REJECTED,
    AttemptLost,
    HackatticError,
    ProblemError,
    SolverError,
    describe_exception,
)
from hackattic_core.redaction import redact
from hackattic_core.result import AttemptRecord, RunResult, RunStatus
from hackattic_core.settings import Settings, challenge_settings

__all__ = [
    "MAY_HAVE_BEEN_ACCEPTED",
    "AttemptRecord",
    "RunResult",
    "RunStatus",
    "run_challenge",
    "validate_problem",
]

logger = logging.getLogger("hackattic.runner")

MAY_HAVE_BEEN_ACCEPTED = (
    "the solution was sent and the service may have accepted it: "
    "check on hackattic.com before submitting it again"
)


def validate_problem(challenge: type[Challenge], raw: Mapping[str, Any]) -> BaseModel:
    """The problem as the challenge's model, or a :class:`ProblemError` naming the field."""
    try:
        return challenge.problem_model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(the whole problem)"
        raise ProblemError(
            f"malformed {challenge.name} problem: field {where!r}: {first['msg'].lower()} "
            f"({exc.error_count()} error(s); run with -v to see the problem)",
            body=redact(str(dict(raw)))[:2000],
        ) from None


def _plugin_settings(challenge_cls: type[Challenge]) -> Any:
    """The challenge's own settings, built now; a bad value is a one-line ConfigError."""
    if challenge_cls.settings_model is None:
        return None
    return challenge_settings(challenge_cls.name, challenge_cls.settings_model)


def _solver_failure(exc: Exception) -> SolverError:
    return SolverError(f"the solver failed: {redact(describe_exception(exc))}")


class _Clock:
    """Adds up the time spent in each phase."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    def add(self, phase: str, started: float) -> None:
        self.timings[phase] = self.timings.get(phase, 0.0) + time.perf_counter() - started


async def _solve_with_attempts(
    client: HackatticClient,
    challenge_cls: type[Challenge],
    result: RunResult,
    clock: _Clock,
    make_context: Any,
    attempts: int,
) -> BaseModel:
    challenge = challenge_cls()
    for number in range(1, attempts + 1):
        started = time.perf_counter()
        raw = await client.get_problem(challenge_cls.name)
        clock.add("fetch", started)
        logger.info("problem: %s", raw)
        problem = validate_problem(challenge_cls, raw)
        started = time.perf_counter()
        try:
            solution = await challenge.solve(problem, make_context(number))
        except AttemptLost as exc:
            logger.info("attempt %d/%d lost: %s", number, attempts, exc)
            result.attempts.append(AttemptRecord(number, time.perf_counter() - started, str(exc)))
            continue
        except HackatticError:
            raise
        except Exception as exc:
            logger.debug("solver traceback:\n%s", redact(traceback.format_exc()))
            raise _solver_failure(exc) from None
        finally:
            clock.add("solve", started)
        result.attempts.append(AttemptRecord(number, time.perf_counter() - started))
        if not isinstance(solution, challenge_cls.solution_model):
            raise SolverError(
                f"the solver returned {type(solution).__name__}, "
                f"not {challenge_cls.solution_model.__name__}"
            )
        return solution
    reasons = "; ".join(f"attempt {a.number}: {a.error}" for a in result.attempts)
    raise SolverError(f"no solution after {attempts} attempt(s): {reasons}")


async def run_challenge(
    challenge_cls: type[Challenge],
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
        async with (
            HackatticClient(settings, transport=transport) as client,
            http_client(settings) as downloads,
        ):

            def make_context(attempt: int) -> Context:
                return Context(
                    settings=settings,
                    http=downloads,
                    ws_base_url=settings.ws_base_url,
                    logger=logging.getLogger(f"hackattic.{challenge_cls.name}"),
                    progress=progress or NullProgress(),
                    attempt=attempt,
                    plugin_settings=plugin_settings,
                    time_scale=client.time_scale,
                )

            try:
                solution = await _solve_with_attempts(
                    client, challenge_cls, result, clock, make_context, max(1, attempts)
                )
                result.solution = solution.model_dump(mode="json", by_alias=True)
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

"""The hackattic HTTP client against ``httpx.MockTransport``: answers, retries, limits, secrecy."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from hackattic_core.client import (
    HackatticClient,
    SubmitOutcome,
    describe_transport_error,
    interpret_solve_answer,
    json_depth,
    may_have_arrived,
    parse_retry_after,
)
from hackattic_core.errors import (
    EXIT_SERVICE,
    ConfigError,
    HTTPStatusError,
    ServiceError,
    TransportError,
)
from hackattic_core.settings import Settings

TOKEN = "tok-SECRET-1234567890"
SLUG = "doubler"  # any slug: the API is a MockTransport
PROBLEM_PATH = f"/challenges/{SLUG}/problem"
SOLVE_PATH = f"/challenges/{SLUG}/solve"

Handler = Callable[[httpx.Request], httpx.Response]


pytestmark = pytest.mark.usefixtures("clean_env")


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "access_token": SecretStr(TOKEN),
        "retry_attempts": 4,
        "retry_backoff": 0.5,
        "retry_backoff_max": 10.0,
        "retry_total": 60.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Recorder:
    """A MockTransport handler that plays a script of answers and records every request."""

    def __init__(self, *answers: httpx.Response | BaseException | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        # The last answer repeats for ever.
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        return answer

    def count(self, method: str) -> int:
        return sum(1 for r in self.requests if r.method == method)


class Sleeps:
    """A fake ``asyncio.sleep`` that only records what it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client_for(
    recorder: Recorder, sleeps: Sleeps | None = None, **settings: Any
) -> HackatticClient:
    return HackatticClient(
        make_settings(**settings),
        transport=httpx.MockTransport(recorder),
        sleep=sleeps or Sleeps(),
    )


async def call(client: HackatticClient, method: str) -> Any:
    """GET a problem or POST a solution."""
    if method == "GET":
        return await client.get_problem(SLUG)
    return await client.submit(SLUG, {"x": 1})


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json=data)


def status(code: int, text: str = "", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(code, text=text, headers=headers)


def connect_error(request_url: str = f"https://hackattic.com{PROBLEM_PATH}") -> httpx.ConnectError:
    return httpx.ConnectError(f"[Errno 111] Connection refused: {request_url}?access_token={TOKEN}")


# -- fetching a problem --------------------------------------------------------------------


async def test_get_problem_returns_the_json_and_sends_the_token() -> None:
    recorder = Recorder(ok({"bytes": "AAAA", "extra": [1, 2]}))
    async with client_for(recorder) as client:
        problem = await client.get_problem(SLUG)
    assert problem == {"bytes": "AAAA", "extra": [1, 2]}
    (request,) = recorder.requests
    assert request.method == "GET"
    assert request.url.scheme == "https"
    assert request.url.host == "hackattic.com"
    assert request.url.path == PROBLEM_PATH
    assert dict(request.url.params) == {"access_token": TOKEN}
    assert request.headers["Content-Type"] == "application/json"


async def test_the_base_url_may_carry_a_path() -> None:
    recorder = Recorder(ok({}))
    async with client_for(recorder, base_url="http://127.0.0.1:8123/prefix/") as client:
        await client.get_problem(SLUG)
    assert str(recorder.requests[0].url).startswith(f"http://127.0.0.1:8123/prefix{PROBLEM_PATH}?")


def test_a_client_needs_a_token() -> None:
    with pytest.raises(ConfigError, match="HACKATTIC_ACCESS_TOKEN"):
        HackatticClient(make_settings(access_token=None))


# -- submitting ----------------------------------------------------------------------------


async def test_submit_posts_the_solution_as_json() -> None:
    recorder = Recorder(ok({"result": "passed"}))
    solution = {"int": -1, "float": 1.5, "name": "ünïcode"}
    async with client_for(recorder) as client:
        await client.submit(SLUG, solution)
    (request,) = recorder.requests
    assert request.method == "POST"
    assert request.url.path == SOLVE_PATH
    assert dict(request.url.params) == {"access_token": TOKEN}
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == solution


async def test_submit_to_the_playground() -> None:
    recorder = Recorder(ok({"result": "passed"}))
    async with client_for(recorder) as client:
        await client.submit(SLUG, {"x": 1}, playground=True)
    params = recorder.requests[0].url.params
    assert params["playground"] == "1"
    assert params["access_token"] == TOKEN


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            {"result": "you passed this challenge, congratulations"},
            SubmitOutcome("passed", "you passed this challenge, congratulations"),
        ),
        ({"result": "PASSED"}, SubmitOutcome("passed", "PASSED")),
        (
            {"rejected": "wrong value for int: got 1, expected 2"},
            SubmitOutcome("rejected", "wrong value for int: got 1, expected 2"),
        ),
        ({"result": "failed"}, SubmitOutcome("rejected", "failed")),
        (
            {
                "message": "you've already solved this challenge",
                "hint": "add &playground=1 to re-solve",
            },
            SubmitOutcome(
                "already_solved",
                "you've already solved this challenge",
                "add &playground=1 to re-solve",
            ),
        ),
    ],
)
async def test_submit_reads_the_three_kinds_of_answer(
    answer: dict[str, Any], expected: SubmitOutcome
) -> None:
    recorder = Recorder(ok(answer))
    async with client_for(recorder) as client:
        outcome = await client.submit(SLUG, {"x": 1})
    assert (outcome.status, outcome.message, outcome.hint) == (
        expected.status,
        expected.message,
        expected.hint,
    )
    assert outcome.body == answer


@pytest.mark.parametrize(
    "answer",
    [{}, {"message": "no hint"}, {"hint": "no message"}, {"error": "something else"}],
)
async def test_an_unexpected_solve_answer_is_a_service_error(answer: dict[str, Any]) -> None:
    recorder = Recorder(ok(answer))
    async with client_for(recorder) as client:
        with pytest.raises(ServiceError, match="unexpected solve answer"):
            await client.submit(SLUG, {"x": 1})
    assert len(recorder.requests) == 1


def test_interpret_solve_answer_redacts_an_unexpected_answer() -> None:
    with pytest.raises(ServiceError) as caught:
        interpret_solve_answer({"echo": f"/solve?access_token={TOKEN}"})
    assert TOKEN not in str(caught.value)


# -- retries -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [500, 502, 503, 504])
async def test_get_retries_server_errors_then_succeeds(code: int) -> None:
    recorder = Recorder(status(code, "busy"), status(code, "busy"), ok({"n": 1}))
    sleeps = Sleeps()
    async with client_for(recorder, sleeps) as client:
        assert await client.get_problem(SLUG) == {"n": 1}
        assert client.retries == 2
    assert len(recorder.requests) == 3
    assert len(sleeps.waits) == 2


async def test_backoff_grows_and_is_capped() -> None:
    recorder = Recorder(status(503))
    sleeps = Sleeps()
    async with client_for(
        recorder, sleeps, retry_attempts=6, retry_backoff=0.5, retry_backoff_max=2.5
    ) as client:
        with pytest.raises(HTTPStatusError):
            await client.get_problem(SLUG)
    assert len(sleeps.waits) == 5
    # multiplier * 2**n plus up to `retry_backoff` of jitter, never above the cap.
    for n, wait in enumerate(sleeps.waits):
        low = min(0.5 * 2**n, 2.5)
        assert low <= wait <= min(low + 0.5, 2.5), (n, wait)


async def test_429_honours_retry_after() -> None:
    recorder = Recorder(status(429, "slow down", {"Retry-After": "7"}), ok({"n": 1}))
    sleeps = Sleeps()
    async with client_for(recorder, sleeps) as client:
        assert await client.get_problem(SLUG) == {"n": 1}
    assert sleeps.waits == [7.0]
    assert len(recorder.requests) == 2


async def test_503_honours_an_http_date_retry_after() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    recorder = Recorder(status(503, headers={"Retry-After": when}), ok({"n": 1}))
    sleeps = Sleeps()
    async with client_for(recorder, sleeps) as client:
        await client.get_problem(SLUG)
    (wait,) = sleeps.waits
    assert 25 <= wait <= 30


async def test_a_retry_after_beyond_the_total_budget_gives_up_at_once() -> None:
    recorder = Recorder(status(429, "come back tomorrow", {"Retry-After": "86400"}))
    sleeps = Sleeps()
    async with client_for(recorder, sleeps, retry_total=60) as client:
        with pytest.raises(HTTPStatusError) as caught:
            await client.get_problem(SLUG)
    assert caught.value.status_code == 429
    assert sleeps.waits == []
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), ("0.5", 0.5), ("-4", 0.0), ("", None), (None, None), ("soon", None)],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_in_the_past_is_zero() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_connection_errors_are_retried_for_both_methods(method: str) -> None:
    answer = {"n": 1} if method == "GET" else {"result": "passed"}
    recorder = Recorder(connect_error(), httpx.ConnectTimeout("connect timed out"), ok(answer))
    sleeps = Sleeps()
    async with client_for(recorder, sleeps) as client:
        if method == "GET":
            assert await client.get_problem(SLUG) == answer
        else:
            assert (await client.submit(SLUG, {"x": 1})).status == "passed"
    assert recorder.count(method) == 3
    assert len(sleeps.waits) == 2


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message"),
        httpx.ReadError("connection reset by peer"),
        httpx.WriteTimeout("write timed out"),
    ],
    ids=type,
)
async def test_uncertain_failures_are_retried_for_get(error: httpx.TransportError) -> None:
    recorder = Recorder(error, ok({"n": 1}))
    async with client_for(recorder) as client:
        assert await client.get_problem(SLUG) == {"n": 1}
    assert recorder.count("GET") == 2


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message"),
        httpx.ReadError("connection reset by peer"),
        httpx.WriteTimeout("write timed out"),
    ],
    ids=type,
)
async def test_a_solution_that_may_have_arrived_is_never_resent(
    error: httpx.TransportError,
) -> None:
    recorder = Recorder(error, ok({"result": "passed"}))
    sleeps = Sleeps()
    async with client_for(recorder, sleeps) as client:
        with pytest.raises(TransportError) as caught:
            await client.submit(SLUG, {"x": 1})
        assert client.retries == 0
    assert recorder.count("POST") == 1
    assert sleeps.waits == []
    assert caught.value.exit_code == EXIT_SERVICE
    assert f"POST {SOLVE_PATH} on hackattic.com failed" in str(caught.value)


@pytest.mark.parametrize("code", [500, 503, 429])
async def test_a_solution_answered_with_a_retryable_status_is_not_resent(code: int) -> None:
    recorder = Recorder(status(code, "overloaded"), ok({"result": "passed"}))
    async with client_for(recorder) as client:
        with pytest.raises(HTTPStatusError) as caught:
            await client.submit(SLUG, {"x": 1})
    assert caught.value.status_code == code
    assert recorder.count("POST") == 1


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410, 422])
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_client_errors_are_not_retried(code: int, method: str) -> None:
    recorder = Recorder(status(code, '{"error": "nope"}'), ok({"n": 1}))
    async with client_for(recorder) as client:
        with pytest.raises(HTTPStatusError) as caught:
            await call(client, method)
    assert len(recorder.requests) == 1
    error = caught.value
    assert error.status_code == code
    assert error.exit_code == EXIT_SERVICE
    assert str(code) in str(error)
    assert '{"error": "nope"}' in str(error)
    assert error.body == '{"error": "nope"}'


async def test_a_redirect_is_an_error_not_followed() -> None:
    recorder = Recorder(httpx.Response(302, headers={"Location": "http://evil.example/"}))
    async with client_for(recorder) as client:
        with pytest.raises(HTTPStatusError) as caught:
            await client.get_problem(SLUG)
    assert caught.value.status_code == 302
    assert len(recorder.requests) == 1


async def test_server_errors_give_up_after_retry_attempts() -> None:
    recorder = Recorder(status(503, "still down"))
    sleeps = Sleeps()
    async with client_for(recorder, sleeps, retry_attempts=3) as client:
        with pytest.raises(HTTPStatusError) as caught:
            await client.get_problem(SLUG)
        assert client.retries == 2
    assert len(recorder.requests) == 3
    assert len(sleeps.waits) == 2
    assert caught.value.status_code == 503
    assert "still down" in str(caught.value)


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_connection_errors_give_up_after_retry_attempts(method: str) -> None:
    recorder = Recorder(connect_error())
    async with client_for(recorder, retry_attempts=2) as client:
        with pytest.raises(TransportError, match="could not connect") as caught:
            await call(client, method)
    assert len(recorder.requests) == 2
    assert caught.value.exit_code == EXIT_SERVICE


async def test_one_attempt_means_no_retry() -> None:
    recorder = Recorder(status(503))
    sleeps = Sleeps()
    async with client_for(recorder, sleeps, retry_attempts=1) as client:
        with pytest.raises(HTTPStatusError):
            await client.get_problem(SLUG)
    assert len(recorder.requests) == 1
    assert sleeps.waits == []


async def test_each_retry_logs_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(
        status(503, "busy"),
        status(429, "slow down", {"Retry-After": "2"}),
        connect_error(),
        ok({"n": 1}),
    )
    sleeps = Sleeps()
    caplog.set_level(logging.DEBUG, logger="hackattic")
    async with client_for(recorder, sleeps, retry_attempts=4) as client:
        await client.get_problem(SLUG)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 3 == len(sleeps.waits)
    assert all(r.name == "hackattic.client" for r in warnings)
    messages = [r.getMessage() for r in warnings]
    assert messages[0].startswith(f"retry 1/3 of GET {PROBLEM_PATH}: 503 Service Unavailable;")
    assert messages[1] == f"retry 2/3 of GET {PROBLEM_PATH}: 429 Too Many Requests; waiting 2.0s"
    assert messages[2].startswith(f"retry 3/3 of GET {PROBLEM_PATH}: could not connect (")
    for message, wait in zip(messages, sleeps.waits, strict=True):
        assert message.endswith(f"; waiting {wait:.1f}s")
        assert "\n" not in message


# -- what the client refuses ---------------------------------------------------------------


async def test_an_oversized_body_with_content_length_is_refused() -> None:
    recorder = Recorder(ok({"blob": "x" * 5000}))
    async with client_for(recorder, max_body_bytes=1024) as client:
        with pytest.raises(ServiceError, match="larger than 1024 bytes") as caught:
            await client.get_problem(SLUG)
    assert "HACKATTIC_MAX_BODY_BYTES" in str(caught.value)
    assert len(recorder.requests) == 1


async def test_an_oversized_streamed_body_is_refused() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"blob": "'
        for _ in range(10):
            yield b"x" * 200
        yield b'"}'

    def streamed(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())

    recorder = Recorder(streamed)
    async with client_for(recorder, max_body_bytes=1024) as client:
        with pytest.raises(ServiceError, match="larger than 1024 bytes"):
            await client.get_problem(SLUG)
    assert "Content-Length" not in streamed(recorder.requests[0]).headers


async def test_a_body_at_the_limit_is_accepted() -> None:
    body = json.dumps({"blob": "x" * 2000}).encode()
    recorder = Recorder(httpx.Response(200, content=body))
    async with client_for(recorder, max_body_bytes=len(body)) as client:
        assert await client.get_problem(SLUG) == {"blob": "x" * 2000}


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"<html>bad gateway</html>", "not valid JSON"),
        (b"", "not valid JSON"),
        (b'{"n": 1', "not valid JSON"),
        (b"\xff\xfe\xfa", "not valid"),
        (b"[1, 2, 3]", "not a JSON object but list"),
        (b'"text"', "not a JSON object but str"),
        (b"null", "not a JSON object but NoneType"),
    ],
)
async def test_a_problem_that_is_not_a_json_object_is_a_service_error(
    content: bytes, match: str
) -> None:
    recorder = Recorder(httpx.Response(200, content=content))
    async with client_for(recorder) as client:
        with pytest.raises(ServiceError, match=match) as caught:
            await client.get_problem(SLUG)
    assert type(caught.value) is ServiceError
    assert len(recorder.requests) == 1


async def test_a_solve_answer_that_is_not_json_is_a_service_error() -> None:
    recorder = Recorder(httpx.Response(200, content=b"OK!"))
    async with client_for(recorder) as client:
        with pytest.raises(ServiceError, match="solve answer is not valid JSON"):
            await client.submit(SLUG, {"x": 1})


async def test_an_undecodable_body_is_a_service_error() -> None:
    recorder = Recorder(
        httpx.Response(
            200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip at all")
        )
    )
    async with client_for(recorder) as client:
        with pytest.raises(ServiceError):
            await client.get_problem(SLUG)


# -- the token stays secret ----------------------------------------------------------------


async def test_the_token_never_appears_in_errors_or_warnings(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="hackattic")
    echo = f'{{"error": "bad token", "url": "{PROBLEM_PATH}?access_token={TOKEN}", "t": "{TOKEN}"}}'
    errors: list[Exception] = []

    scenarios: list[tuple[Recorder, str]] = [
        (Recorder(status(401, echo)), "GET"),
        (Recorder(status(403, echo)), "POST"),
        (Recorder(status(503, echo)), "GET"),
        (Recorder(connect_error()), "GET"),
        (Recorder(connect_error()), "POST"),
        (Recorder(httpx.ReadTimeout(f"timed out on ?access_token={TOKEN}")), "POST"),
        (Recorder(ok({"weird": TOKEN})), "POST"),
    ]
    for recorder, method in scenarios:
        async with client_for(recorder, retry_attempts=2) as client:
            with pytest.raises(ServiceError) as caught:
                await call(client, method)
            errors.append(caught.value)

    assert len(errors) == len(scenarios)
    for error in errors:
        assert TOKEN not in str(error)
        assert TOKEN not in repr(error)
        assert TOKEN not in str(getattr(error, "body", ""))
        assert error.__cause__ is None
    status_errors = [e for e in errors if isinstance(e, HTTPStatusError)]
    assert len(status_errors) == 3
    assert all("access_token=***" in e.body for e in status_errors)
    assert caplog.records, "the retries should have logged something"
    assert TOKEN not in caplog.text


async def test_the_token_never_appears_in_any_log_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(ok({"n": 1}))
    async with client_for(recorder) as client:
        await client.get_problem(SLUG)
    assert any("HTTP Request" in r.getMessage() for r in caplog.records)
    assert TOKEN not in caplog.text


def test_describe_transport_error_is_one_redacted_line() -> None:
    text = describe_transport_error(connect_error())
    assert text.startswith("could not connect (")
    assert TOKEN not in text
    assert "access_token=***" in text
    assert describe_transport_error(httpx.ReadTimeout("")) == (
        "timed out waiting for the answer (ReadTimeout)"
    )
    assert describe_transport_error(httpx.ProxyError("proxy says no")).startswith("network error (")


# -- hostile JSON (issue 14) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "the problem is nested too deeply to read"),
        (b'{"n": ' + b"7" * 5000 + b"}", "the problem holds a value that cannot be read"),
        (b'{"n": ' + b"[" * 101 + b"]" * 101 + b"}", "nested more than 100 levels deep"),
    ],
    ids=["100,000 [", "5,000 digits", "depth 102"],
)
async def test_hostile_json_is_a_service_error(content: bytes, match: str) -> None:
    recorder = Recorder(httpx.Response(200, content=content))
    async with client_for(recorder) as client:
        with pytest.raises(ServiceError, match=match):
            await client.get_problem(SLUG)


async def test_json_at_the_depth_limit_is_read() -> None:
    content = b'{"n": ' + b"[" * 99 + b"]" * 99 + b"}"
    recorder = Recorder(httpx.Response(200, content=content))
    async with client_for(recorder) as client:
        assert "n" in await client.get_problem(SLUG)


def test_json_depth() -> None:
    assert json_depth({}) == 1
    assert json_depth({"a": [1, {"b": []}]}) == 4
    assert json_depth([[], [[[]]]]) == 4


async def test_a_solve_that_could_not_connect_certainly_did_not_arrive() -> None:
    recorder = Recorder(connect_error())
    async with client_for(recorder, retry_attempts=1) as client:
        with pytest.raises(TransportError) as caught:
            await client.submit(SLUG, {"x": 1})
    assert not may_have_arrived(caught.value)


async def test_a_solve_whose_answer_was_lost_may_have_arrived() -> None:
    recorder = Recorder(httpx.ReadTimeout("timed out"))
    async with client_for(recorder, retry_attempts=1) as client:
        with pytest.raises(TransportError) as caught:
            await client.submit(SLUG, {"x": 1})
    assert may_have_arrived(caught.value)
    assert not may_have_arrived(HTTPStatusError("503", status_code=503))
    assert may_have_arrived(ServiceError("the solve answer is nested too deeply to read"))


async def test_a_gzip_bomb_is_refused_once_decoded() -> None:
    import gzip

    bomb = gzip.compress(gzip.compress(bytes(64 << 20)))
    recorder = Recorder(
        httpx.Response(
            200, headers={"Content-Encoding": "gzip, gzip"}, stream=httpx.ByteStream(bomb)
        )
    )
    async with client_for(recorder, max_body_bytes=4096) as client:
        with pytest.raises(ServiceError, match="larger than 4096 bytes once decoded"):
            await client.get_problem(SLUG)

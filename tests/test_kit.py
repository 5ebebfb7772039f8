"""The plugin author's kit: run_blocking, one-time downloads, cost limits, problem
validation, strict JSON, the emulation's identity and the guard around plugin code."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any, ClassVar

import httpx
import pytest
from pydantic import Field, SecretStr, field_validator

from hackattic_core import (
    Challenge,
    ConfigError,
    Context,
    CostLimitExceeded,
    Emulation,
    ExitCode,
    Issued,
    Problem,
    ProblemError,
    Solution,
    run_blocking,
    validate_problem,
)
from hackattic_core.output import strict_json
from hackattic_core.runner import run_challenge
from hackattic_core.sandbox.build import emulation_class
from hackattic_core.sandbox.conditions import sandbox_conditions
from hackattic_core.sandbox.downloads import Downloads
from hackattic_core.sandbox.server import serve_challenges
from hackattic_core.settings import Settings

# -- run_blocking ---------------------------------------------------------------------------


def test_run_blocking_returns_the_result_and_raises_the_error() -> None:
    async def main() -> tuple[int, str]:
        value = await run_blocking(sum, [1, 2, 3])
        with pytest.raises(ZeroDivisionError) as caught:
            await run_blocking(lambda: 1 // 0)
        return value, type(caught.value).__name__

    assert asyncio.run(main()) == (6, "ZeroDivisionError")


def test_a_cancelled_run_blocking_returns_at_once_and_sets_stop() -> None:
    stopped = threading.Event()

    def loop_until(stop: threading.Event | None = None) -> None:
        assert stop is not None
        while not stop.wait(0.01):
            pass
        stopped.set()

    async def main() -> None:
        task = asyncio.create_task(run_blocking(loop_until))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert stopped.wait(10), "the worker was never told to stop"


def test_an_abandoned_thread_does_not_hold_asyncio_run() -> None:
    async def main() -> None:
        task = asyncio.create_task(run_blocking(time.sleep, 600))
        await asyncio.sleep(0.05)
        task.cancel()

    started = time.monotonic()
    asyncio.run(main())
    # 600 s of sleep, abandoned: asyncio.run did not wait for it.
    assert time.monotonic() - started < 300


# -- one-time downloads ---------------------------------------------------------------------


def test_a_download_works_once() -> None:
    downloads = Downloads(base_url="http://127.0.0.1:1")
    url = downloads.publish(b"data", "text/plain", name="a b.txt")
    key = url.split("/")[-2]
    assert url.endswith("/a%20b.txt")
    first = downloads.take(key)
    assert first is not None
    assert first.data == b"data"
    assert downloads.take(key) is None
    assert (downloads.fetched, downloads.refused) == (1, 1)


def test_a_download_expires_in_scaled_time() -> None:
    now = [100.0]
    downloads = Downloads(time_scale=0.5, base_url="http://x", clock=lambda: now[0])
    url = downloads.publish(b"data", "text/plain", expires_after=4.0)
    now[0] += 2.5  # past 4 s x 0.5
    assert downloads.take(url.split("/")[-2]) is None


def test_downloads_are_bounded() -> None:
    downloads = Downloads(base_url="http://x")
    urls = [downloads.publish(b"x", "text/plain") for _ in range(300)]
    assert downloads.take(urls[0].split("/")[-2]) is None  # dropped, oldest first
    assert downloads.take(urls[-1].split("/")[-2]) is not None


class FileProblem(Problem):
    url: str


class FileSolution(Solution):
    size: int


class FileChallenge(Challenge[FileProblem, FileSolution]):
    name = "filer"
    title = "Fetch a one-time download (test plugin)"
    problem_model = FileProblem
    solution_model = FileSolution
    emulation_class = f"{__name__}:FileEmulation"

    async def solve(self, problem: FileProblem, context: Context) -> FileSolution:
        first = await context.http.get(problem.url)
        second = await context.http.get(problem.url)
        assert second.status_code == 404, "a one-time link answered twice"
        return FileSolution(size=len(first.content))


class FileEmulation(Emulation[Any, int]):
    async def new_problem(self) -> Issued[int]:
        size = self.env.rng.randrange(1, 5000)
        url = self.env.downloads.publish(b"x" * size, "application/octet-stream")
        return Issued(problem={"url": url}, state=size)

    async def check(self, issued: Issued[int], solution: dict[str, Any]) -> str | None:
        return None if solution.get("size") == issued.state else "wrong size"


def test_a_download_served_by_the_sandbox_works_once() -> None:
    async def main() -> Any:
        conditions = sandbox_conditions({"seed": 1}, read_env=False)
        async with serve_challenges({"filer": FileChallenge}, conditions, read_env=False) as h:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None, base_url=h.base_url, access_token=SecretStr(h.access_token)
            )
            return await run_challenge(FileChallenge, settings, sandbox=True)

    result = asyncio.run(main())
    assert result.passed, result.error


# -- cost limits, validation, strict JSON ---------------------------------------------------


class CostlyProblem(Problem):
    rounds: int = Field(ge=0)
    text: str = ""

    @field_validator("text")
    @classmethod
    def _hex(cls, value: str) -> str:
        if value and not all(c in "0123456789abcdef" for c in value):
            raise ValueError(f"not lowercase hex: {value}")
        return value


def test_cost_limit_names_the_field_the_value_the_limit_and_the_setting() -> None:
    exc = CostLimitExceeded(
        field="pbkdf2.rounds", value=2**31 - 1, limit=10_000_000, setting="HACKATTIC_X_MAX"
    )
    assert exc.exit_code == ExitCode.SERVICE
    text = str(exc)
    for part in ("pbkdf2.rounds", str(2**31 - 1), "10000000", "HACKATTIC_X_MAX"):
        assert part in text
    assert "\n" not in text


def test_a_quoted_value_is_cut_and_its_length_stated() -> None:
    exc = CostLimitExceeded(field="serial", value="ab" * 500_000, limit=64, setting="S")
    assert len(str(exc)) < 600
    assert "1,000,002 characters" in str(exc)  # the repr, quotes included


class Costly(Challenge[CostlyProblem, FileSolution]):
    name = "costly"
    title = "t"
    problem_model = CostlyProblem
    solution_model = FileSolution


def test_validation_keeps_the_case_of_what_it_quotes() -> None:
    with pytest.raises(ProblemError) as caught:
        validate_problem(Costly, {"rounds": 1, "text": "ABCDEF"})
    assert "not lowercase hex: ABCDEF" in str(caught.value)
    assert "field 'text'" in str(caught.value)


def test_validation_returns_the_typed_problem() -> None:
    problem = validate_problem(Costly, {"rounds": 3})
    assert isinstance(problem, CostlyProblem)
    assert problem.rounds == 3


def test_strict_json_has_no_nan() -> None:
    data = {"a": float("nan"), "b": [float("inf"), -float("inf"), 1.5]}
    text = json.dumps(strict_json(data), allow_nan=False)
    assert json.loads(text) == {"a": "NaN", "b": ["Infinity", "-Infinity", 1.5]}


class NanSolution(Solution):
    value: float


class NanChallenge(Challenge[FileProblem, NanSolution]):
    name = "nanny"
    title = "t"
    problem_model = FileProblem
    solution_model = NanSolution
    emulation_class = f"{__name__}:NanEmulation"

    async def solve(self, problem: FileProblem, context: Context) -> NanSolution:
        return NanSolution(value=float("nan"))


class NanEmulation(Emulation[Any, None]):
    async def new_problem(self) -> Issued[None]:
        return Issued(problem={"url": "x"})

    async def check(self, issued: Issued[None], solution: dict[str, Any]) -> str | None:
        return "should not be submitted"


def test_a_solution_json_cannot_hold_is_refused_not_submitted() -> None:
    async def main() -> Any:
        conditions = sandbox_conditions({"seed": 1}, read_env=False)
        async with serve_challenges({"nanny": NanChallenge}, conditions, read_env=False) as h:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None, base_url=h.base_url, access_token=SecretStr(h.access_token)
            )
            result = await run_challenge(NanChallenge, settings, sandbox=True)
            async with httpx.AsyncClient() as client:
                answer = await client.get(f"{h.base_url}/_/stats?access_token={h.access_token}")
            return result, answer.json()

    result, stats = asyncio.run(main())
    assert result.exit_code == ExitCode.SOLVER
    assert "field 'value' is nan" in (result.error or "")
    assert not result.sent
    assert "POST /challenges/nanny/solve" not in stats["http"]["requests"]


# -- identity and the guard -----------------------------------------------------------------


class OtherSlugEmulation(Emulation[Any, None]):
    slug = "someone_else"


class Mislabelled(Challenge[FileProblem, FileSolution]):
    name = "mislabelled"
    title = "t"
    problem_model = FileProblem
    solution_model = FileSolution
    emulation_class = f"{__name__}:OtherSlugEmulation"


def test_an_emulation_naming_another_challenge_is_refused() -> None:
    with pytest.raises(ConfigError, match="someone_else"):
        emulation_class(Mislabelled)


class ExitingEmulation(Emulation[Any, None]):
    async def new_problem(self) -> Issued[None]:
        raise SystemExit(3)


class Exiting(Challenge[FileProblem, FileSolution]):
    name = "exiting"
    title = "t"
    problem_model = FileProblem
    solution_model = FileSolution
    emulation_class = f"{__name__}:ExitingEmulation"


def test_an_emulation_calling_sys_exit_is_its_own_error() -> None:
    async def main() -> int:
        conditions = sandbox_conditions({"seed": 1}, read_env=False)
        async with serve_challenges({"exiting": Exiting}, conditions, read_env=False) as h:
            async with httpx.AsyncClient() as client:
                answer = await client.get(
                    f"{h.base_url}/challenges/exiting/problem?access_token={h.access_token}"
                )
            return answer.status_code

    assert asyncio.run(main()) == 500  # the sandbox goes on serving


class ClashingEmulation(Emulation[Any, None]):
    faults: ClassVar[dict[str, str]] = {"huge_body": "the sandbox has one of that name"}


class Clashing(Challenge[FileProblem, FileSolution]):
    name = "clashing"
    title = "t"
    problem_model = FileProblem
    solution_model = FileSolution
    emulation_class = f"{__name__}:ClashingEmulation"


def test_a_fault_named_like_one_of_the_sandbox_is_refused() -> None:
    with pytest.raises(ConfigError, match="huge_body"):
        emulation_class(Clashing)


def test_the_cli_fixtures_work_together(hackattic_cli: Any, hackattic_cli_start: Any) -> None:
    started = hackattic_cli_start("--version")
    finished = hackattic_cli("--version")
    assert started.wait().exit_code == finished.exit_code == ExitCode.PASSED


def test_the_fake_service_serves_a_crafted_problem_and_records_the_submit(
    hackattic_fake_service: Any,
) -> None:
    env = hackattic_fake_service.serve(b'{"bytes": "not base64"}')
    base = env["HACKATTIC_BASE_URL"]
    problem = httpx.get(f"{base}/challenges/anything/problem?access_token=x")
    verdict = httpx.post(f"{base}/challenges/anything/solve?access_token=x", content=b"{}")
    assert problem.content == b'{"bytes": "not base64"}'
    assert "passed" in verdict.json()["result"]
    assert hackattic_fake_service.submitted() == [b"{}"]
    assert httpx.get(f"{base}/elsewhere").status_code == 404


def test_open_sandbox_serves_one_challenge_in_the_tests_loop() -> None:
    from hackattic_core.testing import open_sandbox

    async def main() -> int:
        async with open_sandbox(FileChallenge, seed=7) as handle:
            async with httpx.AsyncClient() as client:
                answer = await client.get(
                    f"{handle.base_url}/challenges/filer/problem",
                    params={"access_token": handle.access_token},
                )
            return answer.status_code

    assert asyncio.run(main()) == 200


def test_open_sandbox_refuses_an_unknown_option_as_the_cli_does() -> None:
    from hackattic_core.testing import open_sandbox

    async def main() -> None:
        async with open_sandbox(FileChallenge, colour="red"):
            pass

    with pytest.raises(ConfigError, match="colour"):
        asyncio.run(main())


def test_only_real_secrets_are_watched_for() -> None:
    from hackattic_core.testing import secrets_in

    env = {
        "HACKATTIC_ACCESS_TOKEN": "tok",
        "HACKATTIC_PASSWORD_HASHING_MAX_SCRYPT_WORK": "2",
        "HACKATTIC_A_GLOBAL_PRESENCE_PROXIES": "http://u:pw1@127.0.0.1:1,socks5://127.0.0.1:2",
    }
    assert secrets_in(env) == ["tok", "pw1"]


def test_run_in_process_returns_the_childs_result_and_raises_its_error() -> None:
    from hackattic_core import run_in_process

    async def main() -> tuple[int, str]:
        value = await run_in_process(abs, -5)
        with pytest.raises(ValueError, match="invalid literal") as caught:
            await run_in_process(int, "not a number")
        return value, type(caught.value).__name__

    assert asyncio.run(main()) == (5, "ValueError")


def test_cancelling_run_in_process_kills_the_child() -> None:
    import multiprocessing

    from hackattic_core import run_in_process

    async def main() -> None:
        await asyncio.wait_for(run_in_process(time.sleep, 60), timeout=2)

    with pytest.raises(TimeoutError):
        asyncio.run(main())
    assert not multiprocessing.active_children()  # killed, not left to sleep its 60 s


def test_a_hanging_url_holds_a_download_until_the_test_ends(hackattic_fake_service: Any) -> None:
    url = hackattic_fake_service.hanging_url("picture.png")
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(url, timeout=0.3)
    assert hackattic_fake_service.hang_arrived.is_set()


def test_interrupt_signals_once_ready_and_times_the_exit(
    tmp_path: Any, hackattic_cli_start: Any
) -> None:
    import shutil
    from pathlib import Path

    from hackattic_core.testing import interrupt

    # The stubborn test plugin holds its solve for 600 s; the watchdog ends it.
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(Path(__file__).parent / "plugins" / "stubborn.py", site / "hackattic_stub.py")
    info = site / "hackattic_stub-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hackattic-stub\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[hackattic]\nstubborn = hackattic_stub\n")
    stub = (
        (site / "hackattic_stub.py")
        .read_text()
        .replace("hackattic_test_stubborn:", "hackattic_stub:")
    )
    (site / "hackattic_stub.py").write_text(stub)
    process = hackattic_cli_start(
        "run", "stubborn", "--sandbox", "--json", env={"PYTHONPATH": str(site)}
    )
    result, seconds = interrupt(process, lambda: "holding the process" in process.stderr_so_far())
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert json.loads(result.stdout)["exit_code"] == ExitCode.INTERRUPTED
    assert seconds < 300  # the hold is 600 s: far below it, the watchdog cut it short


@pytest.fixture
def filer_only() -> Any:
    from hackattic_core.plugins import ChallengeEntry, PluginInfo, Registry

    plugin = PluginInfo(name="filer", distribution="test", version="0")
    return Registry(entries=[ChallengeEntry("filer", plugin, FileChallenge)])


def test_a_sandbox_handle_fetches_a_problem(filer_only: Any, request: Any) -> None:
    # The sandbox fixture, serving only this module's challenge (no installed plugin).
    request.getfixturevalue("hackattic_registry")
    sandbox = request.getfixturevalue("hackattic_sandbox")
    problem = sandbox.fetch_problem("filer")
    assert problem["url"].startswith(sandbox.base_url + "/_/downloads/")


@pytest.fixture
def hackattic_registry(filer_only: Any) -> Any:
    """In this module, the sandbox fixtures serve the test challenges only."""
    return filer_only

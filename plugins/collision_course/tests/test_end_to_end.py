"""collision_course end to end: through the runner, as a public solver uses the sandbox's
HTTP API, and through the real CLI (against the sandbox and a loopback service)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hackattic_core import ExitCode
from hackattic_core.testing import interrupt

SLUG = "collision_course"
INCLUDE = "0123456789abcdef0123456789abcdef"
PROBLEMS = 10


def test_passes_in_the_sandbox(hackattic_run: Any) -> None:
    result = hackattic_run(SLUG)
    assert result.passed, result.error or result.message
    assert result.solution is not None
    first, second = (base64.b64decode(text) for text in result.solution["files"])
    assert first != second


class TestASizeLimitBelowTheFiles:
    @pytest.fixture
    def hackattic_sandbox_options(self) -> dict[str, dict[str, Any]]:
        return {SLUG: {"max_file_bytes": 100}}

    def test_is_rejected_naming_the_file(self, hackattic_run: Any) -> None:
        result = hackattic_run(SLUG)
        assert result.status == "rejected"
        assert result.exit_code == ExitCode.REJECTED
        assert result.message == "file 1 is larger than 100 bytes"


# ---- a solver written the way public ones are: plain HTTP, a published pair + include ------

# The first two blocks of the pair public solvers use (Wang et al. 2004), typed out again
# here so that this test does not share the plugin's constants.
PUBLIC_PAIR = [
    bytes.fromhex(
        "d131dd02c5e6eec4693d9a0698aff95c2fcab58712467eab4004583eb8fb7f89"
        "55ad340609f4b30283e488832571415a085125e8f7cdc99fd91dbdf280373c5b"
        "d8823e3156348f5bae6dacd436c919c6dd53e2b487da03fd02396306d248cda0"
        "e99f33420f577ee8ce54b67080a80d1ec69821bcb6a8839396f9652b6ff72a70"
    ),
    bytes.fromhex(
        "d131dd02c5e6eec4693d9a0698aff95c2fcab50712467eab4004583eb8fb7f89"
        "55ad340609f4b30283e4888325f1415a085125e8f7cdc99fd91dbd7280373c5b"
        "d8823e3156348f5bae6dacd436c919c6dd53e23487da03fd02396306d248cda0"
        "e99f33420f577ee8ce54b67080280d1ec69821bcb6a8839396f965ab6ff72a70"
    ),
]


def submit(sandbox: Any, solver: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """A public-style solver's round: a fresh problem, its solution posted in the
    playground (where every problem may be solved, not only the first)."""
    url = f"{sandbox.base_url}/challenges/{SLUG}/solve"
    params = {"access_token": sandbox.access_token, "playground": "1"}
    answer = httpx.post(url, params=params, json=solver(sandbox.fetch_problem(SLUG)), timeout=30)
    verdict: dict[str, Any] = answer.raise_for_status().json()
    return verdict


def public_style(problem: dict[str, Any]) -> dict[str, Any]:
    """The usual public solver: a known colliding pair, the include appended to both."""
    include = problem["include"].encode()
    return {"files": [base64.b64encode(block + include).decode() for block in PUBLIC_PAIR]}


def test_a_public_style_solver_passes_every_default_problem(hackattic_sandbox: Any) -> None:
    for number in range(PROBLEMS):
        answer = submit(hackattic_sandbox, public_style)
        assert "passed" in answer.get("result", ""), (number, answer)


# ---- the real CLI ---------------------------------------------------------------------------


def test_the_cli_passes_against_the_sandbox(hackattic_cli: Any) -> None:
    result = hackattic_cli("run", SLUG, "--sandbox", "--json")
    assert result.exit_code == ExitCode.PASSED, result
    assert result.json["status"] == "passed"


def test_an_incomplete_problem_fails_naming_the_field(hackattic_cli: Any) -> None:
    result = hackattic_cli("run", SLUG, "--sandbox", "--json", "--fault", "incomplete_problem")
    assert result.exit_code == ExitCode.SERVICE, result
    assert "field 'include'" in result.json["error"]


def test_an_absurd_include_is_refused_in_one_line(
    hackattic_cli: Any, hackattic_fake_service: Any
) -> None:
    environment = hackattic_fake_service.serve({"include": "a" * 500_000})
    environment["HACKATTIC_MAX_BODY_BYTES"] = str(4 << 20)
    result = hackattic_cli("run", SLUG, "--json", env=environment)
    assert result.exit_code == ExitCode.SERVICE, result
    error = result.json["error"]
    assert "include is 500000 characters, over the limit of 4096 characters" in error
    assert "HACKATTIC_COLLISION_COURSE_MAX_INCLUDE_CHARS" in error
    assert len(error) < 400
    assert not hackattic_fake_service.submitted()
    assert result.max_rss_mb < 300, result.max_rss_mb


def test_a_longer_include_within_the_bound_is_solved(
    hackattic_cli: Any, hackattic_fake_service: Any
) -> None:
    include = INCLUDE * 3
    result = hackattic_cli(
        "run", SLUG, "--json", env=hackattic_fake_service.serve({"include": include})
    )
    assert result.exit_code == ExitCode.PASSED, result
    (body,) = hackattic_fake_service.submitted()
    first, second = (base64.b64decode(text) for text in json.loads(body)["files"])
    assert first != second
    assert include.encode() in first
    assert hashlib.md5(first).digest() == hashlib.md5(second).digest()  # noqa: S324


def test_sigint_while_the_submit_hangs_ends_the_run(
    hackattic_cli_start: Any, hackattic_fake_service: Any
) -> None:
    # The solve takes microseconds: the longest wait of a run is the submit's answer.
    hackattic_fake_service.hold_submit.set()
    environment = hackattic_fake_service.serve({"include": INCLUDE})
    process = hackattic_cli_start("run", SLUG, "--json", env=environment)
    result, _ = interrupt(process, hackattic_fake_service.submit_arrived)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED

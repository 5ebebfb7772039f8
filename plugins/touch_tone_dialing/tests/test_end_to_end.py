"""touch_tone_dialing end to end: through the runner and the real CLI, on good and hostile
files from the sandbox."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hackattic_core import ExitCode
from hackattic_core.testing import interrupt

SLUG = "touch_tone_dialing"
TIMED = [pytest.param(None, id="untimed"), pytest.param(5.0, marks=pytest.mark.timing, id="timed")]
"""Run once, then again with the seconds from SIGINT to the exit bounded (``timing``)."""


def test_passes_in_the_sandbox(hackattic_run: Any) -> None:
    result = hackattic_run("touch_tone_dialing")
    assert result.passed, result.error or result.message
    assert re.fullmatch(r"[0-9*#]{32}", result.solution["sequence"])


def test_the_cli_passes_with_every_decodable_fault(hackattic_cli: Any) -> None:
    result = hackattic_cli(
        "run",
        "touch_tone_dialing",
        "--sandbox",
        "--json",
        *("--fault", "noise", "--fault", "clipping", "--fault", "short_gap"),
    )
    assert result.exit_code == ExitCode.PASSED, result
    assert result.json["status"] == "passed"
    assert re.fullmatch(r"[0-9*#]{32}", result.json["solution"]["sequence"])


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("stereo", "malformed touch_tone_dialing WAV file: it is 16-bit with 2 channel(s)"),
        ("huge_header", "the problem's WAV length is 536870.9 s, over the limit of 600.0 s"),
    ],
)
def test_the_cli_refuses_a_hostile_file_in_one_line(
    hackattic_cli: Any, fault: str, error: str
) -> None:
    result = hackattic_cli("run", "touch_tone_dialing", "--sandbox", "--json", "--fault", fault)
    assert result.exit_code == ExitCode.SERVICE, result
    assert result.json["error"].startswith(error)
    assert "\n" not in result.json["error"]
    assert not result.json["submitted"]


def test_the_cli_says_it_in_one_line_on_a_terminal(hackattic_cli: Any) -> None:
    result = hackattic_cli("run", "touch_tone_dialing", "--sandbox", "--fault", "stereo")
    assert result.exit_code == ExitCode.SERVICE, result
    lines = (result.stdout + result.stderr).splitlines()
    errors = [line for line in lines if "malformed touch_tone_dialing WAV file" in line]
    assert errors == [
        "  error: malformed touch_tone_dialing WAV file: it is 16-bit with 2 channel(s); "
        "expected 16-bit PCM mono"
    ], result


def test_a_tighter_limit_is_a_setting(hackattic_cli: Any) -> None:
    result = hackattic_cli(
        "run",
        "touch_tone_dialing",
        "--sandbox",
        "--json",
        env={"HACKATTIC_TOUCH_TONE_DIALING_MAX_SECONDS": "1"},
    )
    assert result.exit_code == ExitCode.SERVICE, result
    assert "HACKATTIC_TOUCH_TONE_DIALING_MAX_SECONDS" in result.json["error"]


@pytest.mark.parametrize("bound", TIMED)
def test_sigint_during_a_held_download_ends_the_run(
    bound: float | None, hackattic_cli_start: Any, hackattic_fake_service: Any
) -> None:
    """SIGINT while the WAV file downloads from a URL that never answers (with a 10-minute
    HTTP timeout, the solve would wait that long)."""
    service = hackattic_fake_service
    problem = {"wav_url": service.hanging_url("a.wav")}
    env = {**service.serve(problem), "HACKATTIC_HTTP_TIMEOUT": "600"}
    process = hackattic_cli_start("run", SLUG, "--json", env=env)
    result, after_signal = interrupt(process, service.hang_arrived)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED
    assert service.submitted() == []
    assert bound is None or after_signal < bound, f"{after_signal:.1f} s after SIGINT"

"""touch_tone_dialing end to end: through the runner and the real CLI, on good and hostile
files from the sandbox."""

from __future__ import annotations

import json
import re
import signal
import socket
import time
from typing import Any

import pytest

from hackattic_core import ExitCode
from hackattic_core.testing import CliResult

SLUG = "touch_tone_dialing"


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


def interrupt_a_held_download(cli_start: Any, service: Any) -> tuple[CliResult, float]:
    """SIGINT while the WAV file downloads from a server that accepts and never answers
    (with a 10-minute HTTP timeout, the solve would wait 10 minutes); the result and the
    seconds from the signal to the exit."""
    with socket.create_server(("127.0.0.1", 0)) as held:
        held.settimeout(60)
        env = service.serve({"wav_url": f"http://127.0.0.1:{held.getsockname()[1]}/a.wav"})
        process = cli_start("run", SLUG, "--json", env={**env, "HACKATTIC_HTTP_TIMEOUT": "600"})
        connection, _ = held.accept()  # the solve is downloading the file
        with connection:
            process.send_signal(signal.SIGINT)
            signalled = time.monotonic()
            result = process.wait(timeout=60)
            return result, time.monotonic() - signalled


def test_sigint_during_a_held_download_ends_the_run(
    hackattic_cli_start: Any, hackattic_fake_service: Any
) -> None:
    result, _ = interrupt_a_held_download(hackattic_cli_start, hackattic_fake_service)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert json.loads(result.stdout)["exit_code"] == ExitCode.INTERRUPTED
    assert hackattic_fake_service.submitted() == []


@pytest.mark.timing
def test_sigint_during_a_held_download_ends_the_run_within_a_second_or_so(
    hackattic_cli_start: Any, hackattic_fake_service: Any
) -> None:
    result, after_signal = interrupt_a_held_download(hackattic_cli_start, hackattic_fake_service)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert after_signal < 5, f"the run ended {after_signal:.1f} s after SIGINT"

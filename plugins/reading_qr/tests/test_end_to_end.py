"""reading_qr end to end: through the runner and the real CLI, on good and hostile pictures
from the sandbox."""

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

SLUG = "reading_qr"
CODE_SHAPE = r"\d{3}-\d{2}-\d{4}-\d"


def test_passes_in_the_sandbox(hackattic_run: Any) -> None:
    result = hackattic_run("reading_qr")
    assert result.passed, result.error or result.message
    assert re.fullmatch(CODE_SHAPE, result.solution["code"])


def test_the_cli_passes_with_every_readable_fault(hackattic_cli: Any) -> None:
    result = hackattic_cli(
        "run", "reading_qr", "--sandbox", "--json", "--fault", "noise", "--fault", "blur"
    )
    assert result.exit_code == ExitCode.PASSED, result
    assert result.json["status"] == "passed"
    assert re.fullmatch(CODE_SHAPE, result.json["solution"]["code"])


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("truncated_png", "malformed reading_qr picture: not a readable picture: image file is "),
        ("png_bomb", "the problem's picture is 81000000 pixels, over the limit of 16000000"),
    ],
)
def test_the_cli_refuses_a_hostile_picture_in_one_line(
    hackattic_cli: Any, fault: str, error: str
) -> None:
    result = hackattic_cli("run", "reading_qr", "--sandbox", "--json", "--fault", fault)
    assert result.exit_code == ExitCode.SERVICE, result
    assert result.json["error"].startswith(error)
    assert "\n" not in result.json["error"]
    assert not result.json["submitted"]


def test_the_cli_says_it_in_one_line_on_a_terminal(hackattic_cli: Any) -> None:
    result = hackattic_cli("run", "reading_qr", "--sandbox", "--fault", "png_bomb")
    assert result.exit_code == ExitCode.SERVICE, result
    lines = (result.stdout + result.stderr).splitlines()
    errors = [line for line in lines if "HACKATTIC_READING_QR_MAX_PIXELS" in line]
    assert len(errors) == 1, result
    assert errors[0].startswith("  error: the problem's picture is 81000000 pixels"), result


def interrupt_a_held_download(cli_start: Any, service: Any) -> tuple[CliResult, float]:
    """SIGINT while the picture downloads from a server that accepts and never answers
    (with a 10-minute HTTP timeout, the solve would wait 10 minutes); the result and the
    seconds from the signal to the exit."""
    with socket.create_server(("127.0.0.1", 0)) as held:
        held.settimeout(60)
        env = service.serve({"image_url": f"http://127.0.0.1:{held.getsockname()[1]}/qr.png"})
        process = cli_start("run", SLUG, "--json", env={**env, "HACKATTIC_HTTP_TIMEOUT": "600"})
        connection, _ = held.accept()  # the solve is downloading the picture
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

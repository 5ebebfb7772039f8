"""reading_qr end to end: through the runner and the real CLI, on good and hostile pictures
from the sandbox."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hackattic_core import ExitCode
from hackattic_core.testing import interrupt

SLUG = "reading_qr"
TIMED = [pytest.param(None, id="untimed"), pytest.param(5.0, marks=pytest.mark.timing, id="timed")]
"""Run once, then again with the seconds from SIGINT to the exit bounded (``timing``)."""
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


@pytest.mark.parametrize("bound", TIMED)
def test_sigint_during_a_held_download_ends_the_run(
    bound: float | None, hackattic_cli_start: Any, hackattic_fake_service: Any
) -> None:
    """SIGINT while the picture downloads from a URL that never answers (with a 10-minute
    HTTP timeout, the solve would wait that long)."""
    service = hackattic_fake_service
    problem = {"image_url": service.hanging_url("qr.png")}
    env = {**service.serve(problem), "HACKATTIC_HTTP_TIMEOUT": "600"}
    process = hackattic_cli_start("run", SLUG, "--json", env=env)
    result, after_signal = interrupt(process, service.hang_arrived)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED
    assert service.submitted() == []
    assert bound is None or after_signal < bound, f"{after_signal:.1f} s after SIGINT"

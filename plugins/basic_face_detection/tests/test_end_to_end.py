"""basic_face_detection end to end against the sandbox: through the runner, through the
real command line, and the one-time link's failures on real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from hackattic_basic_face_detection.challenge import BasicFaceDetectionChallenge, fetch_image

from hackattic_core import AttemptLost, RunResult
from hackattic_core.testing import CliResult, ExitCode, interrupt

SLUG = "basic_face_detection"
TIMED = [pytest.param(None, id="untimed"), pytest.param(5.0, marks=pytest.mark.timing, id="timed")]
"""Run once, then again with the seconds from SIGINT to the exit bounded (``timing``)."""


def test_passes_in_the_sandbox(hackattic_run: Callable[..., RunResult]) -> None:
    result = hackattic_run(SLUG)
    assert result.passed, result.error or result.message
    assert result.solution is not None
    tiles = result.solution["face_tiles"]
    assert len(tiles) == 19
    assert all(isinstance(v, int) for cell in tiles for v in cell)


def test_the_command_line_passes(hackattic_cli: Callable[..., CliResult]) -> None:
    done = hackattic_cli("run", SLUG, "--sandbox", "--json")
    assert done.exit_code == ExitCode.PASSED, done
    assert done.json["status"] == "passed"
    assert len(done.json["solution"]["face_tiles"]) == 19


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("corrupt_image", "the image at image_url is refused: JPEG data is corrupt: "),
        (
            "huge_image",
            "the image at image_url is refused: 10000×10000 pixels is over the limit of "
            "16000000 (HACKATTIC_BASIC_FACE_DETECTION_MAX_IMAGE_PIXELS)",
        ),
    ],
)
def test_a_broken_image_is_exit_3_in_one_line(
    fault: str, message: str, hackattic_cli: Callable[..., CliResult]
) -> None:
    done = hackattic_cli("run", SLUG, "--sandbox", "--fault", fault, "--json")
    assert done.exit_code == ExitCode.SERVICE, done
    error = done.json["error"]
    assert error.startswith(message)
    assert "\n" not in error
    assert not done.json["submitted"]


def test_a_tighter_pixel_limit_is_a_setting(hackattic_cli: Callable[..., CliResult]) -> None:
    done = hackattic_cli(
        "run",
        SLUG,
        "--sandbox",
        env={"HACKATTIC_BASIC_FACE_DETECTION_MAX_IMAGE_PIXELS": "600000"},
    )
    assert done.exit_code == ExitCode.SERVICE, done
    lines = done.stderr_lines() + done.stdout.splitlines()
    assert any("800×800 pixels is over the limit of 600000" in line for line in lines), done


class TestTheOneTimeLink:
    """fetch_image against links published on a running sandbox."""

    def publish(self, sandbox: Any, data: bytes, expires_after: float | None = None) -> str:
        emulation = sandbox.emulations[SLUG]
        url: str = emulation.env.downloads.publish(
            data, "image/jpeg", name="tiles.jpg", expires_after=expires_after
        )
        return url

    def test_works_once_then_the_problem_is_lost(
        self, hackattic_sandbox: Any, hackattic_context: Any
    ) -> None:
        url = self.publish(hackattic_sandbox, b"\xff\xd8 grid")

        async def twice() -> bytes:
            async with hackattic_context(BasicFaceDetectionChallenge) as context:
                first = await fetch_image(context, url)
                with pytest.raises(AttemptLost, match="image: HTTP 404"):
                    await fetch_image(context, url)
                return first

        assert asyncio.run(twice()) == b"\xff\xd8 grid"

    def test_an_expired_link_loses_the_problem(
        self, hackattic_sandbox: Any, hackattic_context: Any
    ) -> None:
        url = self.publish(hackattic_sandbox, b"late", expires_after=0.0)

        async def late() -> None:
            async with hackattic_context(BasicFaceDetectionChallenge) as context:
                await fetch_image(context, url)

        with pytest.raises(AttemptLost, match="expire 5 s after the problem"):
            asyncio.run(late())

    def test_a_body_over_the_limit_is_refused(
        self, hackattic_sandbox: Any, hackattic_context: Any
    ) -> None:
        # The core's HACKATTIC_MAX_BODY_BYTES (1 MiB; hackattic's grids are ~190 KB).
        url = self.publish(hackattic_sandbox, bytes(1_100_000))

        async def large() -> None:
            async with hackattic_context(BasicFaceDetectionChallenge) as context:
                await fetch_image(context, url)

        with pytest.raises(AttemptLost, match="larger than 1048576 bytes"):
            asyncio.run(large())

    def test_a_lost_link_makes_the_runner_fetch_a_fresh_problem(
        self, hackattic_run: Callable[..., RunResult], hackattic_sandbox: Any
    ) -> None:
        # Links that expire at once: every attempt is lost, each with the reason.
        emulation = hackattic_sandbox.emulations[SLUG]
        emulation.env.conditions = emulation.env.conditions.model_copy(
            update={"expires_after": 1e-9}
        )
        result = hackattic_run(SLUG, attempts=2)
        assert result.exit_code == ExitCode.SOLVER
        assert [a.error for a in result.attempts] == [
            "could not download the image: HTTP 404 Not Found (hackattic's links work once "
            "and expire 5 s after the problem)"
        ] * 2


@pytest.mark.parametrize("bound", TIMED)
def test_sigint_during_a_held_download_ends_the_run(
    bound: float | None, hackattic_cli_start: Any, hackattic_fake_service: Any
) -> None:
    """SIGINT while the grid downloads from a URL that never answers (with a 10-minute
    HTTP timeout, the solve would wait that long)."""
    service = hackattic_fake_service
    problem = {"image_url": service.hanging_url("g.jpg")}
    env = {**service.serve(problem), "HACKATTIC_HTTP_TIMEOUT": "600"}
    process = hackattic_cli_start("run", SLUG, "--json", env=env)
    result, after_signal = interrupt(process, service.hang_arrived)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED
    assert service.submitted() == []
    assert bound is None or after_signal < bound, f"{after_signal:.1f} s after SIGINT"

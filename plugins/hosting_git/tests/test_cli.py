"""Through the real command line: runs pass, faults fail cleanly, nothing is left behind
(no port listening, no temporary folder)."""

from __future__ import annotations

import socket
from pathlib import Path

from hackattic_core.testing import ExitCode, interrupt

SLUG = "hosting_git"
QUICK = ("-o", "key_type=ed25519")


def test_run_in_the_sandbox_passes_with_an_rsa_key_like_hackattics(
    hackattic_cli, ports, tmp_path: Path
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    port = ports.free()
    result = hackattic_cli(
        "run", SLUG, "--sandbox", "--json",
        env={"HACKATTIC_HOSTING_GIT_PORT": str(port), "TMPDIR": str(temp)},
    )  # fmt: skip
    assert result.exit_code == ExitCode.PASSED, result.stderr
    assert len(result.json["solution"]["secret"]) == 32
    assert not ports.listening(port)
    assert list(temp.iterdir()) == []  # the repository and the sandbox's keys are gone


def test_a_push_to_another_path_is_refused_and_the_real_one_passes(hackattic_cli) -> None:
    result = hackattic_cli("run", SLUG, "--sandbox", "--json", "--fault", "wrong_path", *QUICK)
    assert result.exit_code == ExitCode.PASSED, result.stderr


def test_a_push_with_another_key_is_refused_and_the_run_fails_cleanly(
    hackattic_cli, tmp_path: Path
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    result = hackattic_cli(
        "run", SLUG, "--sandbox", "--json", "--fault", "wrong_key", *QUICK,
        env={"TMPDIR": str(temp)},
    )  # fmt: skip
    assert result.exit_code == ExitCode.SOLVER, result.stderr
    error = result.json["error"]
    assert "push did not arrive" in error
    assert "refused login" in error
    assert "not the problem's" in error
    assert list(temp.iterdir()) == []


def test_a_port_in_use_is_one_line_saying_so(hackattic_cli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = hackattic_cli(
            "run", SLUG, "--sandbox", *QUICK, env={"HACKATTIC_HOSTING_GIT_PORT": str(port)}
        )
    assert result.exit_code == ExitCode.CONFIG, result.stderr
    output = (result.stdout + result.stderr).splitlines()
    lines = [line for line in output if "in use" in line]
    assert len(lines) == 1
    assert "HACKATTIC_HOSTING_GIT_PORT" in lines[0]


def test_against_a_standalone_server_playing_hackattic(hackattic_cli, standalone_sandbox) -> None:
    """Not the embedded sandbox: a server in another process, reached as the real one is."""
    sandbox = standalone_sandbox("-o", "hosting_git.key_type=ed25519")
    env = {
        "HACKATTIC_BASE_URL": sandbox["base_url"],
        "HACKATTIC_ACCESS_TOKEN": sandbox["access_token"],
        "HACKATTIC_PUBLIC_HOST": "127.0.0.1",
        "HACKATTIC_HOSTING_GIT_PORT": "0",
    }
    result = hackattic_cli("run", SLUG, "--json", env=env)
    assert result.exit_code == ExitCode.PASSED, result.stderr
    # Without a public host, a serving challenge says what to set, before any problem.
    refused = hackattic_cli("run", SLUG, env={**env, "HACKATTIC_PUBLIC_HOST": None})
    assert refused.exit_code == ExitCode.CONFIG
    assert "HACKATTIC_PUBLIC_HOST" in refused.stdout + refused.stderr


def test_listed_with_its_settings_and_faults(hackattic_cli) -> None:
    result = hackattic_cli("list", "--json")
    assert result.exit_code == 0, result.stderr
    assert SLUG in result.stdout
    assert "wrong_key" in result.stdout


def test_an_interrupted_run_leaves_nothing_behind(
    hackattic_cli_start, ports, tmp_path: Path
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    port = ports.free()
    # The API answers come 3 s late: the SSH server is up while the solve request waits.
    process = hackattic_cli_start(
        "run", SLUG, "--sandbox", "--json", *QUICK, "--fault", "slow", "-o", "slow_seconds=3",
        env={"HACKATTIC_HOSTING_GIT_PORT": str(port), "TMPDIR": str(temp)},
    )  # fmt: skip
    result, _ = interrupt(process, lambda: ports.listening(port))
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED
    assert not ports.listening(port)
    assert list(temp.iterdir()) == []

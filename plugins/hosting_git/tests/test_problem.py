"""The problem model: the real sample validates, hostile fields are refused in one line."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from hackattic_hosting_git.challenge import HostingGitChallenge, bind_error, repo_host

from hackattic_core import ProblemError, validate_problem

SAMPLE = json.loads((Path(__file__).parent / "data" / "answers.json").read_text())["sample_problem"]


def test_the_real_sample_problem_validates() -> None:
    problem = validate_problem(HostingGitChallenge, SAMPLE)
    assert problem.username == "hack"
    assert problem.repo_path == "little/snow.git"
    assert problem.ssh_key.startswith("ssh-rsa ")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ssh_key", "ssh-rsa notakey"),
        ("ssh_key", "x" * 20_000),
        ("username", "hack; rm -rf /"),
        ("username", ""),
        ("repo_path", "../etc/passwd"),
        ("repo_path", "/abs/path.git"),
        ("repo_path", "a b/c.git"),
        ("repo_path", "/".join(["a"] * 20)),
        ("push_token", "a/../b"),
        ("push_token", 12),
    ],
)
def test_hostile_fields_are_refused(field: str, value: object) -> None:
    with pytest.raises(ProblemError, match=field):
        validate_problem(HostingGitChallenge, {**SAMPLE, field: value})


def test_repo_host_names_the_port_only_off_22() -> None:
    assert repo_host("203.0.113.7", 22) == "203.0.113.7"
    assert repo_host("127.0.0.1", 2222) == "127.0.0.1:2222"
    assert repo_host("::1", 2222) == "[::1]:2222"


def test_a_privileged_port_error_says_what_to_do() -> None:
    message = str(bind_error(OSError(errno.EACCES, "Permission denied"), "192.0.2.1", 22))
    assert "need privileges" in message
    assert "HACKATTIC_HOSTING_GIT_PORT" in message
    assert "\n" not in message

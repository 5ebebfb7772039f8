"""Which exec requests the server runs: only git's pack commands, on the one path."""

from __future__ import annotations

import pytest
from hackattic_hosting_git.commands import Refused, normalise_path, parse_command

REPO = "little/snow.git"


@pytest.mark.parametrize(
    ("command", "service"),
    [
        ("git-receive-pack 'little/snow.git'", "receive-pack"),
        ("git-upload-pack 'little/snow.git'", "upload-pack"),
        ("git receive-pack 'little/snow.git'", "receive-pack"),
        ("git-receive-pack little/snow.git", "receive-pack"),
        ("git-receive-pack '~/little/snow.git'", "receive-pack"),
        ("git-receive-pack '/~/little/snow.git/'", "receive-pack"),
    ],
)
def test_git_pack_commands_on_the_repository_are_accepted(command: str, service: str) -> None:
    assert parse_command(command, REPO).service == service


@pytest.mark.parametrize(
    "command",
    [
        "ls",
        "",
        "sh -c 'git-receive-pack little/snow.git'",
        "git-receive-pack 'little/snow.git' extra",
        "git-receive-pack '../little/snow.git'",
        "git-receive-pack 'little/../little/snow.git'",
        "git-receive-pack '/little/snow.git'",
        "git-receive-pack '/tmp/little/snow.git'",
        "git-receive-pack 'little/other.git'",
        "git-receive-pack '~root/little/snow.git'",
        "git-upload-archive 'little/snow.git'",
        "git-receive-pack --help",
        "git-receive-pack 'little/snow.git",  # unbalanced quote
        "git-receive-pack 'little/snow.git'; rm -rf /",
        "git-receive-pack 'little/snow.git\x00'",
    ],
)
def test_everything_else_is_refused(command: str) -> None:
    with pytest.raises(Refused):
        parse_command(command, REPO)


def test_normalised_paths() -> None:
    assert normalise_path("~/a/b.git/") == "a/b.git"
    for bad in ("/a", "a//b", "./a", "~", ".."):
        with pytest.raises(Refused):
            normalise_path(bad)

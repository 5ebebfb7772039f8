"""The emulation's trigger: what it accepts as repo_host, and what it refuses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hackattic_hosting_git.emulation import parse_repo_host


@pytest.fixture
def hackattic_sandbox_options() -> dict[str, dict[str, Any]]:
    return {"hosting_git": {"key_type": "ed25519"}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("203.0.113.7", ("203.0.113.7", 22)),
        ("127.0.0.1:2222", ("127.0.0.1", 2222)),
        ("[::1]:2222", ("::1", 2222)),
        ("[::1]", ("::1", 22)),
        ("git.example.com", ("git.example.com", 22)),
    ],
)
def test_repo_host_forms(value: str, expected: tuple[str, int]) -> None:
    assert parse_repo_host(value) == expected


@pytest.mark.parametrize(
    "value", [None, 5, "", "a:b", "127.0.0.1:0", "127.0.0.1:70000", "user@host", "[::1", "a b"]
)
def test_bad_repo_hosts_are_refused(value: object) -> None:
    assert isinstance(parse_repo_host(value), str)


def test_the_trigger_refuses_unknown_tokens_bad_bodies_and_remote_hosts(hackattic_sandbox) -> None:
    base = hackattic_sandbox.base_url
    problem = httpx.get(
        f"{base}/challenges/hosting_git/problem",
        params={"access_token": hackattic_sandbox.access_token},
    ).json()
    assert set(problem) == {"ssh_key", "username", "repo_path", "push_token"}
    assert problem["ssh_key"].startswith("ssh-ed25519 ")
    assert problem["ssh_key"].endswith(" hosting_git")
    trigger = f"{base}/_/git/{problem['push_token']}"
    assert (
        httpx.post(f"{base}/_/git/no.such.token", json={"repo_host": "127.0.0.1"}).status_code
        == 404
    )
    assert httpx.post(trigger, content=b"not json").status_code == 400
    assert httpx.post(trigger, content=b"x" * 10_000).status_code == 413
    remote = httpx.post(trigger, json={"repo_host": "203.0.113.7"})
    assert remote.status_code == 400
    assert "not on loopback" in remote.json()["error"]

"""Through the real command line, against the embedded sandbox and a standalone one; the
problem model against real problems; the emulation's checker."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from hackattic_dockerized_solutions.challenge import (
    DockerizedSolutionsChallenge,
    DockerizedSolutionsProblem,
    choose_secret,
    registry_host,
)
from hackattic_dockerized_solutions.confine import Outcome
from hackattic_dockerized_solutions.emulation import DockerizedSolutionsEmulation
from hackattic_dockerized_solutions.images import secret_for

from hackattic_core import ProblemError, SolverError, validate_problem
from hackattic_core.testing import ExitCode, interrupt

SLUG = "dockerized_solutions"
REAL = json.loads((Path(__file__).parent / "real_problems.json").read_text())["samples"]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("hackattic-"))


def test_runs_pass_with_every_fault_leaving_nothing_listening_or_on_disk(
    hackattic_cli, ports, tmp_path: Path
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for extra in (
        [],
        ["-o", "manifest_format=index", "--fault", "wrong_credentials",
         "--fault", "corrupt_blob", "--fault", "decoy_last"],
    ):  # fmt: skip
        port = ports.free()
        result = hackattic_cli(
            "run", SLUG, "--sandbox", "--json", *extra,
            env={"HACKATTIC_DOCKERIZED_SOLUTIONS_PORT": str(port), "TMPDIR": str(scratch)},
        )  # fmt: skip
        assert result.exit_code == ExitCode.PASSED, result.stderr
        assert re.fullmatch(r"[0-9a-f]{32}", result.json["solution"]["secret"])
        assert ports.is_free(port)
        assert leftovers(scratch) == []  # registry, root file systems, push layouts: all gone


def test_against_a_standalone_server_playing_hackattic(hackattic_cli, standalone_sandbox) -> None:
    """Not the embedded sandbox: a server in another process, reached as the real one is."""
    sandbox = standalone_sandbox()
    result = hackattic_cli(
        "run", SLUG, "--json",
        env={
            "HACKATTIC_BASE_URL": sandbox["base_url"],
            "HACKATTIC_ACCESS_TOKEN": sandbox["access_token"],
            "HACKATTIC_PUBLIC_HOST": "127.0.0.1",
            "HACKATTIC_DOCKERIZED_SOLUTIONS_PORT": "0",
        },
    )  # fmt: skip
    assert result.exit_code == ExitCode.PASSED, result.stderr


def test_without_a_public_host_the_real_service_is_refused(hackattic_cli) -> None:
    result = hackattic_cli("run", SLUG, env={"HACKATTIC_ACCESS_TOKEN": "not-a-real-token"})
    assert result.exit_code == ExitCode.CONFIG
    assert "HACKATTIC_PUBLIC_HOST" in result.stdout + result.stderr


@pytest.mark.parametrize("sample", REAL, ids=lambda s: s["problem"]["trigger_token"][:8])
def test_real_problems_are_read(sample: dict[str, object]) -> None:
    problem = validate_problem(DockerizedSolutionsChallenge, sample["problem"])
    assert isinstance(problem, DockerizedSolutionsProblem)
    assert problem.credentials.user.endswith("@hackattic.com")
    assert len(problem.ignition_key) == 28


def test_malformed_problems_are_refused() -> None:
    good = REAL[0]["problem"]
    for bad, field in (
        ({**good, "trigger_token": "../../etc"}, "trigger_token"),
        ({**good, "credentials": {"user": "a:b", "password": "x"}}, "credentials.user"),
        ({**good, "ignition_key": "x" * 10_000}, "ignition_key"),
        ({k: v for k, v in good.items() if k != "credentials"}, "credentials"),
    ):
        with pytest.raises(ProblemError, match=f"field '{field}'"):
            validate_problem(DockerizedSolutionsChallenge, bad)


def test_the_registry_host_is_the_tunnels_or_the_public_hosts() -> None:
    assert registry_host("https://abc.trycloudflare.com", None, 5000) == "abc.trycloudflare.com"
    assert registry_host("https://abc.example:8443/", "1.2.3.4", 5000) == "abc.example:8443"
    assert registry_host(None, "203.0.113.7", 5000) == "203.0.113.7:5000"
    assert registry_host(None, "::1", 5000) == "[::1]:5000"


def test_problems_look_like_the_real_ones_and_the_checker_names_what_is_wrong(
    hackattic_emulation,
) -> None:
    emulation = hackattic_emulation(DockerizedSolutionsChallenge)
    assert isinstance(emulation, DockerizedSolutionsEmulation)

    async def check() -> None:
        issued = await emulation.new_problem()
        problem = issued.problem
        real = REAL[0]["problem"]
        assert re.fullmatch(r"[a-z]+-[a-z]+@hackattic\.com", problem["credentials"]["user"])
        assert re.fullmatch(r"[A-Z0-9]{10}", problem["credentials"]["password"])
        assert re.fullmatch(r"[A-Z0-9]{28}", problem["ignition_key"])
        shape = re.sub(r"[0-9a-f]", "h", real["trigger_token"])
        assert re.sub(r"[0-9a-f]", "h", problem["trigger_token"]) == shape
        assert all(re.fullmatch(r"\d+\.\d+\.\d+", tag) for tag in issued.state.tags)
        assert "nothing was pushed" in (await emulation.check(issued, {"secret": "x"}) or "")
        issued.state.triggers = 1  # as if pushed
        right = secret_for(issued.state.salt, problem["ignition_key"])
        assert await emulation.check(issued, {"secret": f" {right}\n"}) is None
        assert "wrong secret" in (await emulation.check(issued, {"secret": right[:-1]}) or "")
        assert "missing field 'secret'" in (await emulation.check(issued, {}) or "")
        issued.state.complaints.append("the registry accepted a push with a wrong password")
        assert "wrong password" in (await emulation.check(issued, {"secret": right}) or "")

    asyncio.run(check())


def test_nothing_listens_or_stays_on_disk_after_an_interrupted_run(
    hackattic_cli_start, ports, tmp_path: Path
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    port = ports.free()
    # Each API answer comes 1.5 s late: the registry is up while the solve request waits.
    process = hackattic_cli_start(
        "run", SLUG, "--sandbox", "--json", "--fault", "slow", "-o", "slow_seconds=1.5",
        env={"HACKATTIC_DOCKERIZED_SOLUTIONS_PORT": str(port), "TMPDIR": str(scratch)},
    )  # fmt: skip
    result, _ = interrupt(process, lambda: not ports.is_free(port))
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED
    assert ports.is_free(port)
    assert leftovers(scratch) == []


def outcome(text: str, exit_code: int | None = 0) -> Outcome:
    return Outcome(exit_code=exit_code, stdout=text.encode(), stderr=b"")


def test_the_secret_is_the_one_output_that_is_not_the_decoy() -> None:
    decoy = outcome("oops, wrong image!\n")
    assert choose_secret([("1.0.0", decoy), ("2.0.0", outcome("  s3cret\n"))]) == "s3cret"
    # A program that printed its secret and then failed still gives it, when alone.
    assert choose_secret([("1.0.0", decoy), ("2.0.0", outcome("s3cret", 1))]) == "s3cret"
    with pytest.raises(SolverError, match="more than one"):
        choose_secret([("1.0.0", outcome("a")), ("2.0.0", outcome("b"))])
    with pytest.raises(SolverError, match=r"no image printed a secret.*hack:1\.0\.0: the decoy"):
        choose_secret([("1.0.0", decoy), ("2.0.0", outcome("", 127))])


def test_the_trigger_is_refused_for_an_unknown_token_or_a_remote_registry(
    hackattic_emulation,
) -> None:
    import httpx
    from starlette.applications import Starlette

    emulation = hackattic_emulation(DockerizedSolutionsChallenge)

    async def trigger() -> None:
        issued = await emulation.new_problem()
        token = issued.problem["trigger_token"]
        transport = httpx.ASGITransport(app=Starlette(routes=emulation.routes()))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            unknown = await client.post("/_/push/0000", json={"registry_host": "127.0.0.1:5000"})
            assert unknown.status_code == 404
            remote = await client.post(
                f"/_/push/{token}", json={"registry_host": "203.0.113.7:5000"}
            )
            assert remote.status_code == 400
            assert "loopback" in remote.json()["error"]
            malformed = await client.post(f"/_/push/{token}", json={"registry_host": "a b/c"})
            assert malformed.status_code == 400
        assert issued.state.triggers == 0

    asyncio.run(trigger())

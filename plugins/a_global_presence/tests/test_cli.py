"""Through the real command line: the sandbox's proxies, faults, too few countries, and
proxies given by the setting to a server in another process."""

from __future__ import annotations

import httpx

from hackattic_core.testing import ExitCode

SLUG = "a_global_presence"
PASSWORD = "pr0xy-Pa55word"


def test_run_in_the_sandbox_passes(hackattic_cli) -> None:
    result = hackattic_cli("run", SLUG, "--sandbox", "--json")
    assert result.exit_code == ExitCode.PASSED, result.stderr
    assert result.json["solution"] == {}


def test_dead_slow_and_failing_proxies_do_not_stop_the_others(hackattic_cli) -> None:
    faults = ("--fault", "dead_proxies", "--fault", "slow_proxy", "--fault", "error_proxy")
    result = hackattic_cli("run", SLUG, "--sandbox", "--json", *faults)
    assert result.exit_code == ExitCode.PASSED, result.stderr
    # The slow proxy is not waited for: 7 countries come well before it answers.
    slow = hackattic_cli(
        "run", SLUG, "--sandbox", "--json", *faults, "-o", "slow_proxy_seconds=60",
    )  # fmt: skip
    assert slow.exit_code == ExitCode.PASSED, slow.stderr
    assert slow.elapsed < 50


def test_too_few_countries_is_one_line_naming_them_and_the_failures(hackattic_cli) -> None:
    result = hackattic_cli(
        "run", SLUG, "--sandbox", "--json", "-o", "proxies=3", "--fault", "error_proxy"
    )
    assert result.exit_code == ExitCode.SOLVER, result.stderr
    error = result.json["error"]
    assert "\n" not in error
    assert "reached 4 of 7 countries" in error
    assert "HTTP 502" in error


def test_proxies_from_the_setting_against_a_standalone_server(
    hackattic_cli, standalone_sandbox
) -> None:
    """The setting, not the sandbox's list: any server playing hackattic works the same."""
    sandbox = standalone_sandbox()
    listed = httpx.get(sandbox["base_url"] + "/_/presence_proxies").json()["proxies"]
    # Credentials in the URLs: the sandbox's proxies accept any, and none may be printed.
    proxies = [url.replace("://", f"://user:{PASSWORD}@") for url in listed]
    env = {
        "HACKATTIC_BASE_URL": sandbox["base_url"],
        "HACKATTIC_ACCESS_TOKEN": sandbox["access_token"],
        "HACKATTIC_A_GLOBAL_PRESENCE_PROXIES": ",".join(proxies),
        "HACKATTIC_A_GLOBAL_PRESENCE_DISCOVER_LOCAL_PROXIES": "false",
    }
    result = hackattic_cli("run", SLUG, "--json", "-v", env=env)
    assert result.exit_code == ExitCode.PASSED, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    stats = httpx.get(
        sandbox["base_url"] + "/_/stats", params={"access_token": sandbox["access_token"]}
    ).json()
    assert (
        sum(stats["emulations"][SLUG]["relayed"].values()) >= 6 if "emulations" in stats else True
    )

    # Some proxies dead or wrong: the failure names them, masked.
    broken = [*proxies[:2], f"http://user:{PASSWORD}@127.0.0.1:9", "socks5://127.0.0.1:9"]
    failed = hackattic_cli(
        "run", SLUG, "--json", env={**env, "HACKATTIC_A_GLOBAL_PRESENCE_PROXIES": ",".join(broken)}
    )
    assert failed.exit_code == ExitCode.SOLVER, failed.stderr
    assert "http://***@127.0.0.1:9: cannot connect" in failed.json["error"]
    assert PASSWORD not in failed.stdout + failed.stderr

    # No proxies and no discovery: one line saying what to set.
    env.pop("HACKATTIC_A_GLOBAL_PRESENCE_PROXIES")
    missing = hackattic_cli("run", SLUG, "--json", env=env)
    assert missing.exit_code == ExitCode.CONFIG
    assert "set HACKATTIC_A_GLOBAL_PRESENCE_PROXIES" in missing.json["error"]


def test_a_bad_proxy_setting_is_one_line_without_its_password(hackattic_cli) -> None:
    result = hackattic_cli(
        "run", SLUG, "--sandbox",
        env={"HACKATTIC_A_GLOBAL_PRESENCE_PROXIES": f"ftp://u:{PASSWORD}@127.0.0.1:21"},
    )  # fmt: skip
    assert result.exit_code == ExitCode.CONFIG
    assert PASSWORD not in result.stdout + result.stderr
    assert "HACKATTIC_A_GLOBAL_PRESENCE_PROXIES" in result.stdout + result.stderr

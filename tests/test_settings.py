"""Settings: ``HACKATTIC_*`` variables, ``.env``, validation and the one-line ConfigError."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from hackattic_core.errors import EXIT_CONFIG, ConfigError
from hackattic_core.settings import (
    DEFAULT_BASE_URL,
    Settings,
    check_base_url,
    is_loopback_host,
    load_settings,
)

pytestmark = pytest.mark.usefixtures("clean_env")


def write_env_file(directory: Path, text: str) -> Path:
    path = directory / ".env"
    path.write_text(text, encoding="utf-8")
    return path


# -- sources: environment, .env ----------------------------------------------------------


def test_defaults_without_environment_or_env_file() -> None:
    settings = Settings()
    assert settings.access_token is None
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.disable_plugins == []
    assert settings.retry_attempts >= 1


def test_environment_uses_the_hackattic_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HACKATTIC_ACCESS_TOKEN", "tok-from-env")
    monkeypatch.setenv("HACKATTIC_RETRY_ATTEMPTS", "7")
    monkeypatch.setenv("HACKATTIC_HTTP_TIMEOUT", "2.5")
    monkeypatch.setenv("HACKATTIC_BASE_URL", "http://127.0.0.1:9999")
    settings = Settings()
    assert settings.access_token is not None
    assert settings.access_token.get_secret_value() == "tok-from-env"
    assert settings.retry_attempts == 7
    assert settings.http_timeout == 2.5
    assert settings.base_url == "http://127.0.0.1:9999"


def test_unprefixed_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCESS_TOKEN", "not-mine")
    monkeypatch.setenv("BASE_URL", "http://example.com")
    settings = Settings()
    assert settings.access_token is None
    assert settings.base_url == DEFAULT_BASE_URL


def test_env_file_in_the_working_directory_is_read(clean_env: Path) -> None:
    write_env_file(
        clean_env,
        "HACKATTIC_ACCESS_TOKEN=tok-from-dotenv\n"
        "HACKATTIC_RETRY_ATTEMPTS=2\n"
        "# a plugin's setting and someone else's: ignored, not an error\n"
        "HACKATTIC_WEBSOCKET_CHIT_CHAT_ROUNDS=3\n"
        "OTHER_TOOL_SETTING=1\n",
    )
    settings = Settings()
    assert settings.access_token is not None
    assert settings.access_token.get_secret_value() == "tok-from-dotenv"
    assert settings.retry_attempts == 2


def test_environment_overrides_env_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_env_file(clean_env, "HACKATTIC_ACCESS_TOKEN=tok-from-dotenv\nHACKATTIC_HTTP_TIMEOUT=9\n")
    monkeypatch.setenv("HACKATTIC_ACCESS_TOKEN", "tok-from-env")
    settings = Settings()
    assert settings.access_token is not None
    assert settings.access_token.get_secret_value() == "tok-from-env"
    # What the environment does not set still comes from .env.
    assert settings.http_timeout == 9


def test_explicit_env_file_and_disabled_env_file(tmp_path: Path, clean_env: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    path = write_env_file(other, "HACKATTIC_RETRY_ATTEMPTS=4\n")
    write_env_file(clean_env, "HACKATTIC_RETRY_ATTEMPTS=3\n")
    assert Settings(_env_file=path).retry_attempts == 4  # type: ignore[call-arg]
    assert Settings().retry_attempts == 3
    assert Settings(_env_file=None).retry_attempts == 5  # type: ignore[call-arg]


def test_keyword_arguments_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HACKATTIC_RETRY_ATTEMPTS", "7")
    assert load_settings(retry_attempts=2).retry_attempts == 2


def test_the_token_is_kept_secret_in_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HACKATTIC_ACCESS_TOKEN", "tok-SECRET-1234567890")
    settings = Settings()
    assert "tok-SECRET-1234567890" not in repr(settings)
    assert "tok-SECRET-1234567890" not in str(settings)
    assert "tok-SECRET-1234567890" not in settings.model_dump_json()


# -- disable_plugins -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("one", ["one"]),
        ("one,two", ["one", "two"]),
        (" one , two ,, three ,", ["one", "two", "three"]),
        ("", []),
        (" , ", []),
    ],
)
def test_disable_plugins_is_comma_separated(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[str]
) -> None:
    monkeypatch.setenv("HACKATTIC_DISABLE_PLUGINS", raw)
    assert Settings().disable_plugins == expected


def test_disable_plugins_from_env_file_and_as_a_list(clean_env: Path) -> None:
    write_env_file(clean_env, "HACKATTIC_DISABLE_PLUGINS=a,b\n")
    assert Settings().disable_plugins == ["a", "b"]
    assert Settings(disable_plugins=["x", "y"]).disable_plugins == ["x", "y"]


# -- base URL and WebSocket URL ------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "ws_base_url"),
    [
        ("https://hackattic.com", "wss://hackattic.com"),
        ("https://hackattic.com/", "wss://hackattic.com"),
        ("https://example.com:8443/api/", "wss://example.com:8443/api"),
        ("http://127.0.0.1:8123", "ws://127.0.0.1:8123"),
        ("http://localhost:8123/", "ws://localhost:8123"),
    ],
)
def test_ws_base_url_maps_the_scheme(base_url: str, ws_base_url: str) -> None:
    settings = Settings(base_url=base_url)
    assert settings.base_url == base_url.rstrip("/")
    assert settings.ws_base_url == ws_base_url


def test_ws_base_url_of_an_uppercase_https_scheme_stays_encrypted() -> None:
    settings = Settings(base_url="HTTPS://hackattic.com")
    assert settings.ws_base_url.lower().startswith("wss://")


@pytest.mark.parametrize(
    "url",
    [
        "hackattic.com",
        "ftp://hackattic.com",
        "https://",
        "",
        "https:///path-only",
        "https://hackattic.com/?access_token=x",
        "https://hackattic.com/#fragment",
    ],
)
def test_malformed_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ValidationError):
        Settings(base_url=url)
    with pytest.raises(ValueError, match="base URL"):
        check_base_url(url)


def test_a_base_url_with_a_non_numeric_port_is_refused() -> None:
    with pytest.raises(ConfigError, match="HACKATTIC_BASE_URL"):
        load_settings(base_url="https://hackattic.com:notaport")


@pytest.mark.parametrize(
    "url",
    [
        "http://hackattic.com",
        "http://example.com:8000/",
        "http://10.0.0.5:8000",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
    ],
)
def test_plain_http_to_a_remote_host_is_refused_with_the_reason(url: str) -> None:
    with pytest.raises(ValueError, match="plain http") as caught:
        check_base_url(url)
    assert "unencrypted" in str(caught.value)
    with pytest.raises(ConfigError) as config_error:
        load_settings(base_url=url)
    message = str(config_error.value)
    assert "HACKATTIC_BASE_URL" in message
    assert "plain http" in message
    assert "token" in message


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1",
        "http://127.0.0.1:8000",
        "http://127.0.0.2:8000",
        "http://localhost",
        "http://localhost:8000/",
        "http://[::1]:8000",
        "https://hackattic.com",
        "https://example.com:8443",
    ],
)
def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    check_base_url(url)
    assert Settings(base_url=url).base_url == url.rstrip("/")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.5.5.5", True),
        ("::1", True),
        ("[::1]", True),
        ("10.0.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - a host name under test, nothing is bound
        ("hackattic.com", False),
        ("localhost.example.com", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


# -- the token -----------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "   "])
def test_require_token_says_how_to_provide_one(token: str | None) -> None:
    settings = Settings(access_token=None if token is None else SecretStr(token))
    with pytest.raises(ConfigError) as caught:
        settings.require_token()
    message = str(caught.value)
    assert "HACKATTIC_ACCESS_TOKEN" in message
    assert "--sandbox" in message
    assert "\n" not in message
    assert caught.value.exit_code == EXIT_CONFIG


def test_require_token_returns_the_stripped_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HACKATTIC_ACCESS_TOKEN", "  tok-123456  ")
    assert Settings().require_token() == "tok-123456"


# -- load_settings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("HACKATTIC_RETRY_ATTEMPTS", "0", "HACKATTIC_RETRY_ATTEMPTS"),
        ("HACKATTIC_RETRY_ATTEMPTS", "many", "HACKATTIC_RETRY_ATTEMPTS"),
        ("HACKATTIC_HTTP_TIMEOUT", "-1", "HACKATTIC_HTTP_TIMEOUT"),
        ("HACKATTIC_MAX_BODY_BYTES", "10", "HACKATTIC_MAX_BODY_BYTES"),
        ("HACKATTIC_BASE_URL", "hackattic.com", "HACKATTIC_BASE_URL"),
    ],
)
def test_load_settings_turns_validation_errors_into_one_line_config_errors(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"invalid setting {expected}: ")
    assert "\n" not in message
    assert "Value error" not in message
    assert "pydantic" not in message.lower()
    assert caught.value.exit_code == EXIT_CONFIG
    # The pydantic error is not chained (nothing long behind the one line).
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_load_settings_reports_a_bad_value_from_env_file(clean_env: Path) -> None:
    write_env_file(clean_env, "HACKATTIC_BASE_URL=http://hackattic.com\n")
    with pytest.raises(ConfigError, match=r"^invalid setting HACKATTIC_BASE_URL: .*plain http"):
        load_settings()


def test_load_settings_builds_fresh_settings_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().access_token is None
    monkeypatch.setenv("HACKATTIC_ACCESS_TOKEN", "tok-later")
    token = load_settings().access_token
    assert token is not None
    assert token.get_secret_value() == "tok-later"


def test_env_example_as_is_is_a_valid_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A user who copies .env.example to .env unchanged gets the documented defaults."""
    from pathlib import Path

    from hackattic_core.sandbox.conditions import SandboxConditions

    example = Path(__file__).resolve().parents[1] / ".env.example"
    for name in list(os.environ):
        if name.startswith("HACKATTIC_"):
            monkeypatch.delenv(name)
    settings = Settings(_env_file=example)  # type: ignore[call-arg]
    conditions = SandboxConditions(_env_file=example)  # type: ignore[call-arg]
    assert settings.access_token is None
    assert settings.base_url == "https://hackattic.com"
    assert settings.disable_plugins == []
    assert conditions.seed is None
    assert conditions.faults == []
    assert conditions.time_scale == 1.0


# -- hostile or broken values (issue 14) -----------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity"])
@pytest.mark.parametrize(
    "name", ["HTTP_TIMEOUT", "RETRY_BACKOFF", "RETRY_BACKOFF_MAX", "RETRY_TOTAL"]
)
def test_times_must_be_finite(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(f"HACKATTIC_{name}", value)
    with pytest.raises(ConfigError, match=f"HACKATTIC_{name}: Input should be a finite number"):
        load_settings()


def test_a_base_url_with_a_password_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(base_url="https://me:pw-SECRET-42@hackattic.com")
    assert "user name or password" in str(caught.value)
    assert "pw-SECRET-42" not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000\n", "https://hackattic.com\r", "https://hack attic.com"]
)
def test_a_base_url_with_whitespace_or_a_control_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="whitespace or a control character"):
        check_base_url(url)


def test_a_dotenv_that_is_not_utf8_is_one_line(clean_env: Path) -> None:
    (clean_env / ".env").write_bytes(b"HACKATTIC_RETRY_TOTAL=5\nX=\xff\n")
    with pytest.raises(
        ConfigError, match=r"\.env is not valid UTF-8 text \(byte 0xff at offset 26\)"
    ):
        load_settings()


def test_load_settings_registers_the_token_for_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    from hackattic_core.redaction import redact

    monkeypatch.setenv("HACKATTIC_ACCESS_TOKEN", " tok-REGISTERED-5a5a5a ")
    load_settings()
    assert redact("error: tok-REGISTERED-5a5a5a") == "error: ***"

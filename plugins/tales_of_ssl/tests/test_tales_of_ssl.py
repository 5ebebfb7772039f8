"""tales_of_ssl end to end against the sandbox: through the fixtures, and the real CLI."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509

from hackattic_core.runner import RunResult

Run = Callable[..., RunResult]


def test_passes_in_the_sandbox(hackattic_run: Run) -> None:
    result = hackattic_run("tales_of_ssl")
    assert result.passed, result.error or result.message
    assert result.solution is not None
    assert set(result.solution) == {"certificate"}
    x509.load_der_x509_certificate(base64.b64decode(result.solution["certificate"]))


def run_cli(*options: str) -> tuple[int, dict[str, Any]]:
    hackattic = Path(sys.executable).with_name("hackattic")
    completed = subprocess.run(  # noqa: S603 - our own command and arguments
        [str(hackattic), "run", "tales_of_ssl", "--sandbox", "--json", *options],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return completed.returncode, json.loads(completed.stdout)


def test_passes_through_the_command_line() -> None:
    strict = ("-o", "country_check=code", "-o", "signature_hash=sha256", "-o", "web_pki=true")
    exit_code, result = run_cli(*strict)
    assert (exit_code, result["status"]) == (0, "passed"), result
    assert result["exit_code"] == 0


def test_a_malformed_key_fails_with_exit_3_naming_the_field() -> None:
    exit_code, result = run_cli("--fault", "malformed_key")
    assert (exit_code, result["status"], result["submitted"]) == (3, "failed", False)
    assert "field 'private_key'" in result["error"]
    assert "not a der private key" in result["error"]


def test_an_unknown_country_fails_with_exit_4_naming_it() -> None:
    exit_code, result = run_cli("--fault", "unknown_country")
    assert (exit_code, result["status"], result["submitted"]) == (4, "failed", False)
    assert result["error"] == (
        'unknown country "Atlantis": not an ISO 3166 name nor a known informal one'
    )

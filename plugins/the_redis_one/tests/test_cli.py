"""Through the real command line: hostile snapshots served by the core's fake hackattic end
in one line and exit 3, in bounded memory; the real payload gives its answer; an
interrupted run ends at once."""

from __future__ import annotations

import base64
import struct
from pathlib import Path
from typing import Any

import pytest
from hackattic_the_redis_one.rdb_writer import RdbWriter, encode_length, encode_string

from hackattic_core import ExitCode
from hackattic_core.testing import interrupt

SLUG = "the_redis_one"
TIMED = [pytest.param(None, id="untimed"), pytest.param(5.0, marks=pytest.mark.timing, id="timed")]
"""Run once, then again with the seconds from SIGINT to the exit bounded (``timing``)."""
REAL = (Path(__file__).parent / "data" / "adithya_dump1.rdb").read_bytes()
MIB = 1024 * 1024


def problem(rdb: bytes, key: str = "flat_truth") -> dict[str, object]:
    return {"rdb": base64.b64encode(rdb).decode(), "requirements": {"check_type_of": key}}


def crafted(value_type: int, payload: bytes) -> bytes:
    writer = RdbWriter(9)
    writer.string("😗".encode(), b"e" * 128)
    writer.expire_ms(1)
    writer.string(b"flat_truth", b"x")
    writer.out += bytes((value_type,)) + encode_string(b"bad") + payload
    return writer.finish(magic=b"MYSQL")


# An LZF string whose 750 KB expand to 64 MiB of zeros, declared as such: one literal zero,
# then back references of 264 bytes at distance 1.
BOMB_REFERENCES = 254_200
LZF_BOMB = b"\x00\x00" + b"\xe0\xff\x00" * BOMB_REFERENCES
BOMB_SIZE = 1 + 264 * BOMB_REFERENCES

HOSTILE = {
    "truncated": (problem(REAL[:300]), "needs 128 bytes but only 50 remain"),
    "length past the end": (problem(crafted(0, b"\x80" + struct.pack(">I", 10**8))),
                            "needs 100,000,000 bytes but only"),
    "a billion elements": (problem(crafted(4, b"\x80" + struct.pack(">I", 10**9))),
                           "is 1,000,000,000, more than the"),
    "an LZF bomb": (problem(crafted(0, b"\xc3" + encode_length(len(LZF_BOMB))
                                    + encode_length(BOMB_SIZE) + LZF_BOMB)),
                    f"would decompress to {BOMB_SIZE:,} bytes, over the limit of 1,048,576 "
                    "(HACKATTIC_THE_REDIS_ONE_MAX_STRING_BYTES sets the bound)"),
    "deep nesting": ('{"rdb": "", "requirements": ' + "[" * 100_000 + "]" * 100_000 + "}",
                     "nested too deeply"),
}  # fmt: skip


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_problems_end_in_one_line_with_exit_3(
    case: str, hackattic_fake_service: Any, hackattic_cli: Any
) -> None:
    body, message = HOSTILE[case]
    served = body.encode() if isinstance(body, str) else body
    env = {
        **hackattic_fake_service.serve(served),
        "HACKATTIC_THE_REDIS_ONE_MAX_STRING_BYTES": str(MIB),
        "HACKATTIC_MAX_BODY_BYTES": str(4 * MIB),
    }
    result = hackattic_cli("run", SLUG, "--dry-run", env=env)
    assert result.exit_code == ExitCode.SERVICE, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if line.strip().startswith("error:")]
    assert len(errors) == 1, result.stdout
    assert message in errors[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert result.max_rss_mb < 200, f"{case}: {result.max_rss_mb:.0f} MiB"


def test_a_damaged_checksum_can_be_read_anyway(
    hackattic_fake_service: Any, hackattic_cli: Any
) -> None:
    env = {
        **hackattic_fake_service.serve(problem(REAL[:-1] + bytes((REAL[-1] ^ 1,)))),
        "HACKATTIC_THE_REDIS_ONE_VERIFY_CHECKSUM": "false",
    }
    result = hackattic_cli("run", SLUG, "--dry-run", "--json", env=env)
    assert result.exit_code == ExitCode.PASSED, result.stderr
    assert result.json["solution"]["flat_truth"] == "set"
    assert "CRC-64 does not match" in result.stderr + result.stdout


def test_the_real_payload_through_the_cli(hackattic_fake_service: Any, hackattic_cli: Any) -> None:
    env = hackattic_fake_service.serve(problem(b"MYSQL" + REAL[5:]))
    result = hackattic_cli("run", SLUG, "--dry-run", "--json", env=env)
    assert result.exit_code == ExitCode.PASSED, result.stderr
    assert result.json["solution"] == {
        "db_count": 5,
        "emoji_key_value": "3259b3b5002ffa845b827e0c27623e37df5133f0a1fa1d6c28a3eadca34ce50d"
        "f610f42f56fc17a0c4267d75243d59a61ba6e8c31ad259a267319eadbd3e93f9",
        "expiry_millis": 1693337144096,
        "flat_truth": "set",
    }


@pytest.mark.parametrize("bound", TIMED)
def test_sigint_while_the_submit_is_held_ends_the_run(
    bound: float | None, hackattic_cli_start: Any, hackattic_fake_service: Any
) -> None:
    """SIGINT while hackattic judges the answer to the real payload: its solve takes
    milliseconds, so the run's long wait is the submit, which the fake service holds (with
    a 10-minute HTTP timeout, the run would wait minutes)."""
    service = hackattic_fake_service
    service.hold_submit.set()
    env = {**service.serve(problem(b"MYSQL" + REAL[5:])), "HACKATTIC_HTTP_TIMEOUT": "600"}
    process = hackattic_cli_start("run", SLUG, "--json", env=env)
    result, after_signal = interrupt(process, service.submit_arrived)
    assert result.exit_code == ExitCode.INTERRUPTED, result
    assert result.json["exit_code"] == ExitCode.INTERRUPTED
    assert bound is None or after_signal < bound, f"{after_signal:.1f} s after SIGINT"

"""The solver: published vectors through whole problems, the checks made before starting,
and PBKDF2 and scrypt really running at once."""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hackattic_password_hashing import challenge, hashes
from hackattic_password_hashing.challenge import (
    PasswordHashingChallenge,
    PasswordHashingProblem,
    PasswordHashingSettings,
    PasswordHashingSolution,
)
from hackattic_password_hashing.emulation import Inputs, expected_answer
from hackattic_password_hashing.memory import GIB, MemoryLimit

from hackattic_core import CostLimitExceeded, SolverError

CONTROL = "b19a18ea8a50a861d08eb94be602f6cbfe67ab98d2021400a3b83fbe3b8ba698"


def problem(
    password: str = "hunter2",  # noqa: S107 - a test problem's password
    salt: bytes = b"NaCl",
    rounds: int = 1000,
    n: int = 1024,
    r: int = 8,
    p: int = 1,
    buflen: int = 32,
    control: str = CONTROL,
) -> PasswordHashingProblem:
    return PasswordHashingProblem.model_validate(
        {
            "password": password,
            "salt": base64.b64encode(salt).decode(),
            "pbkdf2": {"rounds": rounds, "hash": "sha256"},
            "scrypt": {"N": n, "r": r, "p": p, "buflen": buflen, "_control": control},
        }
    )


class RecordingProgress:
    def __init__(self) -> None:
        self.updates: list[str] = []
        self.done_lines: list[str] = []

    def update(
        self, description: str, *, completed: float | None = None, total: float | None = None
    ) -> None:
        self.updates.append(description)

    def done(self, message: str) -> None:
        self.done_lines.append(message)


Solve = Callable[..., PasswordHashingSolution]


@pytest.fixture
def solve(hackattic_context: Any) -> Solve:
    """``solve(problem, **context_fields)``: the challenge's solve, run to its end."""

    def run(the_problem: PasswordHashingProblem, **fields: Any) -> PasswordHashingSolution:
        async def go() -> PasswordHashingSolution:
            async with hackattic_context(PasswordHashingChallenge, **fields) as context:
                return await PasswordHashingChallenge().solve(the_problem, context)

        return asyncio.run(go())

    return run


# Each problem is made so that one field is a published vector.
@pytest.mark.parametrize(
    ("the_problem", "field", "expected"),
    [
        (  # FIPS 180-2: SHA-256("abc")
            problem(password="abc"),
            "sha256",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (  # RFC 4231 test case 2: the salt is the key, the password the message
            problem(password="what do ya want for nothing?", salt=b"Jefe"),
            "hmac",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (  # RFC 7914 section 11, first 32 bytes
            problem(password="passwd", salt=b"salt", rounds=1),
            "pbkdf2",
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc",
        ),
        (  # RFC 7914 section 12
            problem(password="pleaseletmein", salt=b"SodiumChloride", n=16384, r=8, buflen=64),
            "scrypt",
            "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
            "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887",
        ),
    ],
)
def test_published_vectors(
    solve: Solve, the_problem: PasswordHashingProblem, field: str, expected: str
) -> None:
    assert getattr(solve(the_problem), field) == expected


def test_agrees_with_the_emulations_own_computation(solve: Solve) -> None:
    the_problem = problem(password="smörgåsbord-€uro 7", salt=bytes(range(16)), n=2048, r=4, p=3)
    inputs = Inputs(the_problem.password.encode(), the_problem.salt, 1000, "sha256", 2048, 4, 3, 32)
    reference = asyncio.run(expected_answer(inputs))
    solution = solve(the_problem)
    assert solution.model_dump() == reference
    assert all(value == value.lower() for value in reference.values())


def test_reports_progress(solve: Solve) -> None:
    progress = RecordingProgress()
    solve(problem(), progress=progress)
    assert progress.updates == ["pbkdf2 and scrypt"]
    assert len(progress.done_lines) == 1
    assert "scrypt (N=1024, r=8, p=1, 1 MiB)" in progress.done_lines[0]


# ----------------------------------------------------------------------------- refusals


def never_called(*args: object) -> str:
    raise AssertionError("the hashing started")


def test_refuses_the_largest_parameters_when_memory_is_short(
    solve: Solve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        challenge, "available_memory", lambda: MemoryLimit(GIB, "MemAvailable in /proc/meminfo")
    )
    monkeypatch.setattr(challenge, "scrypt_hex", never_called)
    monkeypatch.setattr(challenge, "pbkdf2_hex", never_called)
    with pytest.raises(SolverError) as caught:
        solve(problem(n=2**19, r=32, p=2))
    assert str(caught.value) == (
        "scrypt with N=524288, r=32, p=2 needs 2.0 GiB of memory but only 1.0 GiB is "
        "available (MemAvailable in /proc/meminfo)"
    )
    assert caught.value.exit_code == 4


@pytest.mark.parametrize(
    ("settings", "the_problem", "message"),
    [
        (
            PasswordHashingSettings(max_scrypt_memory_mib=512),
            problem(n=2**19, r=32, p=2),
            "the problem's scrypt memory 128·r·(N+p+2) (N=524288, r=32, p=2) is 2049 MiB, "
            "over the limit of 512 MiB (HACKATTIC_PASSWORD_HASHING_MAX_SCRYPT_MEMORY_MIB)",
        ),
        (
            PasswordHashingSettings(max_scrypt_work=2**20),
            problem(n=2**16, r=8, p=4),
            "the problem's scrypt N·r·p (N=65536, r=8, p=4: about 1 s) is 2097152, over the "
            "limit of 1048576 (HACKATTIC_PASSWORD_HASHING_MAX_SCRYPT_WORK)",
        ),
        (
            PasswordHashingSettings(max_pbkdf2_rounds=999),
            problem(rounds=1000),
            "the problem's pbkdf2.rounds (about 0 s) is 1000, over the limit of 999 "
            "(HACKATTIC_PASSWORD_HASHING_MAX_PBKDF2_ROUNDS)",
        ),
    ],
    ids=["memory", "work", "rounds"],
)
def test_the_cost_limits_refuse_before_any_work(
    settings: PasswordHashingSettings,
    the_problem: PasswordHashingProblem,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(challenge, "scrypt_hex", never_called)
    monkeypatch.setattr(challenge, "pbkdf2_hex", never_called)
    with pytest.raises(CostLimitExceeded) as caught:
        PasswordHashingChallenge().check_cost(the_problem, settings)
    assert str(caught.value).startswith(message)
    assert caught.value.exit_code == 3


def test_the_defaults_take_hackattics_largest_problem() -> None:
    largest = problem(rounds=600_000, n=2**19, r=32, p=4)
    PasswordHashingChallenge().check_cost(largest, PasswordHashingSettings())


def test_the_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HACKATTIC_PASSWORD_HASHING_MAX_SCRYPT_MEMORY_MIB", "300")
    monkeypatch.setenv("HACKATTIC_PASSWORD_HASHING_MAX_SCRYPT_WORK", "1000")
    monkeypatch.setenv("HACKATTIC_PASSWORD_HASHING_MAX_PBKDF2_ROUNDS", "2000")
    settings = PasswordHashingSettings()
    assert (settings.max_scrypt_memory_mib, settings.max_scrypt_work) == (300, 1000)
    assert settings.max_pbkdf2_rounds == 2000


def test_refuses_a_scrypt_that_misses_the_control_value(
    solve: Solve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hashes, "scrypt_hex", lambda *args: "00" * 32)
    with pytest.raises(SolverError) as caught:
        solve(problem())
    message = str(caught.value)
    assert message.startswith("scrypt (cryptography/OpenSSL) gives a wrong result for the control")
    assert "\n" not in message


def test_an_unexpected_control_is_logged_and_the_solve_goes_on(
    solve: Solve, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        solution = solve(problem(control="ab" * 32))
    assert len(solution.scrypt) == 64
    assert "the problem's _control abab" in caplog.text
    assert "is not the known b19a18ea" in caplog.text


# ----------------------------------------------------------------------------- concurrency


def longest_stall_of_this_thread(function: Callable[[], object]) -> tuple[float, float]:
    """Run ``function`` in another thread; return (its duration, the longest time this
    thread could not run meanwhile). A function holding the GIL stalls this thread for its
    whole duration."""
    finished = threading.Event()
    times: dict[str, float] = {}

    def work() -> None:
        times["start"] = time.perf_counter()
        function()
        times["end"] = time.perf_counter()
        finished.set()

    worker = threading.Thread(target=work)
    last = time.perf_counter()
    stall = 0.0
    worker.start()
    while not finished.is_set():
        time.sleep(0.001)
        now = time.perf_counter()
        stall = max(stall, now - last)
        last = now
    worker.join()
    return times["end"] - times["start"], stall


@pytest.mark.parametrize(
    "function",
    [
        lambda: hashes.pbkdf2_hex("sha256", b"password", b"salt", 600_000),
        lambda: hashes.scrypt_hex(b"password", b"salt", 2**15, 8, 2, 32),
    ],
    ids=["pbkdf2", "scrypt"],
)
@pytest.mark.timing
def test_the_slow_hashes_release_the_gil(function: Callable[[], object]) -> None:
    duration, stall = longest_stall_of_this_thread(function)
    assert duration > 0.05  # long enough for a stall to show
    assert stall < 0.5 * duration


@pytest.mark.timing
def test_pbkdf2_and_scrypt_run_at_once(solve: Solve, monkeypatch: pytest.MonkeyPatch) -> None:
    spans: dict[str, tuple[float, float]] = {}

    def recorded(name: str, function: Callable[..., str]) -> Callable[..., str]:
        def run(*args: Any) -> str:
            started = time.perf_counter()
            result = function(*args)
            spans[name] = (started, time.perf_counter())
            return result

        return run

    monkeypatch.setattr(challenge, "pbkdf2_hex", recorded("pbkdf2", hashes.pbkdf2_hex))
    monkeypatch.setattr(challenge, "scrypt_hex", recorded("scrypt", hashes.scrypt_hex))
    solve(problem(rounds=1_000_000, n=2**15, r=8, p=4))  # ~0.3 s each here

    (pbkdf2_start, pbkdf2_end), (scrypt_start, scrypt_end) = spans["pbkdf2"], spans["scrypt"]
    overlap = min(pbkdf2_end, scrypt_end) - max(pbkdf2_start, scrypt_start)
    shorter = min(pbkdf2_end - pbkdf2_start, scrypt_end - scrypt_start)
    # Started together, they overlap for nearly all of the shorter one; one after the
    # other, not at all.
    assert overlap > 0.5 * shorter

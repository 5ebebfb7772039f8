"""The challenge password_hashing: four digests of one password.

The problem::

    {"password": "...", "salt": "<base64>",
     "pbkdf2": {"rounds": 500000, "hash": "sha256"},
     "scrypt": {"N": 262144, "r": 16, "p": 2, "buflen": 32, "_control": "<hex>"}}

The solution, all lowercase hex, with the password UTF-8 encoded and the salt decoded:
``sha256`` = SHA-256(password); ``hmac`` = HMAC-SHA256(key = salt, message = password);
``pbkdf2`` = PBKDF2-HMAC-<hash>(password, salt, rounds, 32 bytes); ``scrypt`` =
scrypt(password, salt, N, r, p, buflen bytes). ``_control`` is not an input: it is the
scrypt of rosebud/pepper, for checking one's scrypt (see :data:`.hashes.KNOWN_CONTROL`).

PBKDF2 and scrypt take seconds each and do not depend on each other: they run at once in
two threads, so a solve takes about as long as the slower of the two. Before either starts,
the solver checks that the machine has the memory scrypt needs, and that its scrypt gives
the published control value.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from hackattic_core import (
    Challenge,
    ChallengeSettings,
    Context,
    CostLimitExceeded,
    Problem,
    Solution,
    SolverError,
    run_blocking,
)

from .hashes import (
    KNOWN_CONTROL,
    hmac_sha256_hex,
    pbkdf2_hex,
    scrypt_agrees_with,
    scrypt_hex,
    sha256_hex,
)
from .memory import MIB, available_memory, format_bytes, scrypt_memory, shortfall

T = TypeVar("T")

MAX_ROUNDS = 2**31 - 1
"""hashlib's PBKDF2 refuses more (a C int)."""
MAX_BUFLEN = 64 * 1024
"""A bound on the scrypt output asked for: hackattic asks 32 bytes, and the answer travels
as hex in a JSON body."""
MAX_PASSWORD_CHARS = 64 * 1024
MAX_SALT_CHARS = 64 * 1024
"""Bounds on the password and the salt's base64: hackattic sends a few dozen characters."""
MAX_N = 2**62
"""N above this could not fit any memory (128·r·N bytes)."""
OPENSSL_PR_MAX = 2**30 - 1
"""OpenSSL's scrypt refuses p·r at or above this (``SCRYPT_PR_MAX``)."""
OPENSSL_B_MAX = 2**31 - 1
"""OpenSSL's scrypt refuses a B buffer (p·128·r bytes) above this (an ``int``)."""
MAX_R = OPENSSL_B_MAX // 128
"""r beyond this is refused by OpenSSL whatever p is (p ≥ 1)."""

SETTING_PREFIX = "HACKATTIC_PASSWORD_HASHING_"
ROUNDS_SETTING = SETTING_PREFIX + "MAX_PBKDF2_ROUNDS"
WORK_SETTING = SETTING_PREFIX + "MAX_SCRYPT_WORK"
MEMORY_SETTING = SETTING_PREFIX + "MAX_SCRYPT_MEMORY_MIB"

SCRYPT_WORK_PER_SECOND = 2.7e6
"""N·r·p per second, measured for OpenSSL's scrypt on one core of the reference machine
(N=2**19, r=32, p=2 in 12.3 s): only to state a refused problem's duration."""
PBKDF2_ROUNDS_PER_SECOND = 3.0e6
"""PBKDF2-HMAC-SHA256 rounds per second on one core (500,000 in 0.16 s), likewise."""


class PasswordHashingSettings(ChallengeSettings):
    """The solver's settings, as ``HACKATTIC_PASSWORD_HASHING_*`` (environment or .env).

    The three limits bound what a problem may cost before any hashing starts; each default
    is far above what hackattic sends (rounds 490k–600k; N 2**17–2**19, r 8–32, p 2–4, so
    N·r·p at most 2**26 and 128·N·r at most 2 GiB)."""

    # Named here too, so that building it directly (tests) reads the same variables.
    model_config = SettingsConfigDict(env_prefix=SETTING_PREFIX)

    max_pbkdf2_rounds: int = Field(
        default=10_000_000,
        ge=1,
        description="Refuse a problem asking more PBKDF2 rounds (hackattic: 490k-600k; "
        "10M take about 3 s on one core).",
    )
    max_scrypt_work: int = Field(
        default=2**28,
        ge=1,
        description="Refuse scrypt parameters whose N·r·p is above this: scrypt's time is "
        "proportional to it (hackattic at most 2**26; 2**28 is about 100 s on one core).",
    )
    max_scrypt_memory_mib: int = Field(
        default=4096,
        ge=1,
        description="Refuse scrypt parameters needing more than this many MiB "
        "(128·r·(N+p+2) bytes; hackattic at most 2 GiB). Whatever the machine, its cgroup "
        "and the rlimits leave is checked too.",
    )


# ----------------------------------------------------------------------------- the problem


def pbkdf2_hash_name(value: str) -> str:
    """``value`` as hashlib names it, if PBKDF2 can use it; ValueError naming the choices."""
    name = value.lower()
    try:
        # The real test: PBKDF2 needs an HMAC-able, fixed-length hash (not SHAKE, not MD4 on
        # an OpenSSL without the legacy provider), which a name list cannot tell.
        hashlib.pbkdf2_hmac(name, b"", b"", 1)
    except ValueError:
        usable = sorted(a for a in hashlib.algorithms_guaranteed if not a.startswith("shake"))
        raise ValueError(
            f"hash {value!r} is not one PBKDF2 can use here (try: {', '.join(usable)})"
        ) from None
    return name


class Pbkdf2Parameters(BaseModel):
    """``pbkdf2``: the round count and the HMAC's hash."""

    model_config = ConfigDict(extra="ignore")

    # One old version of the page says "iterations"; every solver reads "rounds".
    rounds: int = Field(ge=1, le=MAX_ROUNDS, validation_alias=AliasChoices("rounds", "iterations"))
    hash: str

    @field_validator("hash")
    @classmethod
    def _usable_hash(cls, value: str) -> str:
        return pbkdf2_hash_name(value)


class ScryptParameters(BaseModel):
    """``scrypt``: cost N (a power of two), block size r, parallelism p, output length.

    Every bound is checked on the numbers themselves, never by building a number as large
    as the bound (``2 ** (16 * r)`` for r = 10**9 is a 2 GB integer)."""

    model_config = ConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    n: int = Field(alias="N", ge=2, le=MAX_N)
    r: int = Field(ge=1, le=MAX_R)
    p: int = Field(ge=1, le=OPENSSL_PR_MAX)
    buflen: int = Field(ge=1, le=MAX_BUFLEN)
    control: str | None = Field(default=None, alias="_control", max_length=1024)
    """Not an input: hackattic's check value for scrypt, compared with the known one."""

    @field_validator("n")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError(f"N must be a power of two, got {value}")
        return value

    @model_validator(mode="after")
    def _within_openssl(self) -> ScryptParameters:
        # RFC 7914 section 2 and OpenSSL's own checks; OpenSSL refuses the rest with a
        # misleading "requires 8MB of memory": refusing here makes it a malformed problem.
        log2_n = self.n.bit_length() - 1  # N is a power of two
        if log2_n >= 16 * self.r:
            raise ValueError(f"N=2**{log2_n} must be below 2**(16·r) = 2**{16 * self.r}")
        if self.p * self.r >= OPENSSL_PR_MAX:
            raise ValueError(f"p·r = {self.p * self.r} is not below OpenSSL's limit 2**30 - 1")
        if self.p * 128 * self.r > OPENSSL_B_MAX:
            raise ValueError(
                f"p·128·r = {self.p * 128 * self.r} bytes is over OpenSSL's limit of "
                f"{OPENSSL_B_MAX} (2**31 - 1): no scrypt here computes it"
            )
        return self


class PasswordHashingProblem(Problem):
    """What ``GET /challenges/password_hashing/problem`` returns."""

    password: str = Field(max_length=MAX_PASSWORD_CHARS)
    salt: bytes
    """Decoded from the problem's base64."""
    pbkdf2: Pbkdf2Parameters
    scrypt: ScryptParameters

    @field_validator("password")
    @classmethod
    def _encodable(cls, value: str) -> str:
        try:
            value.encode()
        except UnicodeEncodeError as exc:  # a lone surrogate, sent as \udXXX in JSON
            raise ValueError(f"not encodable as UTF-8: {exc.reason}") from None
        return value

    @field_validator("salt", mode="before")
    @classmethod
    def _decode(cls, value: object) -> bytes:
        if not isinstance(value, str):
            raise ValueError("expected a base64 string")
        if len(value) > MAX_SALT_CHARS:
            raise ValueError(f"{len(value):,} characters, over the limit of {MAX_SALT_CHARS:,}")
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"not valid base64: {exc}") from None


class PasswordHashingSolution(Solution):
    """What ``POST /challenges/password_hashing/solve`` expects: four lowercase hex digests."""

    sha256: str
    hmac: str
    pbkdf2: str
    scrypt: str


# ----------------------------------------------------------------------------- the solver


def check_cost(problem: PasswordHashingProblem, settings: PasswordHashingSettings) -> None:
    """CostLimitExceeded if the problem asks more rounds, scrypt work or memory than
    ``settings`` allow: plain arithmetic on the parameters, before any hashing."""
    rounds = problem.pbkdf2.rounds
    if rounds > settings.max_pbkdf2_rounds:
        raise CostLimitExceeded(
            field=f"pbkdf2.rounds (about {_duration(rounds / PBKDF2_ROUNDS_PER_SECOND)})",
            value=rounds,
            limit=settings.max_pbkdf2_rounds,
            setting=ROUNDS_SETTING,
        )
    scrypt = problem.scrypt
    work = scrypt.n * scrypt.r * scrypt.p
    if work > settings.max_scrypt_work:
        raise CostLimitExceeded(
            field=f"scrypt N·r·p (N={scrypt.n}, r={scrypt.r}, p={scrypt.p}: about "
            f"{_duration(work / SCRYPT_WORK_PER_SECOND)})",
            value=work,
            limit=settings.max_scrypt_work,
            setting=WORK_SETTING,
        )
    needed = scrypt_memory(scrypt.n, scrypt.r, scrypt.p)
    if needed > settings.max_scrypt_memory_mib * MIB:
        raise CostLimitExceeded(
            field=f"scrypt memory 128·r·(N+p+2) (N={scrypt.n}, r={scrypt.r}, p={scrypt.p})",
            value=-(-needed // MIB),
            limit=settings.max_scrypt_memory_mib,
            setting=MEMORY_SETTING,
            unit="MiB",
        )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86400:,.0f} days"


def require_memory(scrypt: ScryptParameters) -> int:
    """The bytes scrypt needs; SolverError if this machine cannot give them now."""
    needed = scrypt_memory(scrypt.n, scrypt.r, scrypt.p)
    reason = shortfall(needed, available_memory())
    if reason is not None:
        raise SolverError(f"scrypt with N={scrypt.n}, r={scrypt.r}, p={scrypt.p} {reason}")
    return needed


def check_scrypt(control: str | None, logger: logging.Logger) -> None:
    """SolverError unless our scrypt computes the published control value."""
    if control is not None and control.lower() != KNOWN_CONTROL.expected_hex:
        # Its parameters are not sent, so it cannot be recomputed: check the known one.
        logger.warning(
            "the problem's _control %s is not the known %s (scrypt of rosebud/pepper, "
            "N=128, r=4, p=8); checking scrypt against the known value",
            control[:80],
            KNOWN_CONTROL.expected_hex,
        )
    if not scrypt_agrees_with(KNOWN_CONTROL):
        raise SolverError(
            "scrypt (cryptography/OpenSSL) gives a wrong result for the control value "
            f"(rosebud/pepper, N=128, r=4, p=8, expected {KNOWN_CONTROL.expected_hex}): "
            "not solving with it"
        )


def timed(function: Callable[..., T], *args: object) -> tuple[T, float]:
    """``function(*args)`` and its duration in seconds."""
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


class PasswordHashingChallenge(
    Challenge[PasswordHashingProblem, PasswordHashingSolution, PasswordHashingSettings]
):
    name = "password_hashing"
    title = "Password hashing: SHA-256, HMAC, PBKDF2 and scrypt of a password"
    problem_model = PasswordHashingProblem
    solution_model = PasswordHashingSolution
    settings_model = PasswordHashingSettings
    emulation_class = "hackattic_password_hashing.emulation:PasswordHashingEmulation"

    def check_cost(
        self, problem: PasswordHashingProblem, settings: PasswordHashingSettings
    ) -> None:
        check_cost(problem, settings)

    async def solve(
        self,
        problem: PasswordHashingProblem,
        context: Context[PasswordHashingSettings],
    ) -> PasswordHashingSolution:
        scrypt = problem.scrypt
        # Both checks before any slow work: a refusal costs nothing.
        check_cost(problem, context.plugin_settings)  # also when solve is called directly
        needed = require_memory(scrypt)
        check_scrypt(scrypt.control, context.logger)

        password = problem.password.encode()
        context.progress.update("pbkdf2 and scrypt")
        context.logger.info(
            "pbkdf2 (%d rounds) and scrypt (N=%d, r=%d, p=%d, %s) started",
            problem.pbkdf2.rounds,
            scrypt.n,
            scrypt.r,
            scrypt.p,
            format_bytes(needed),
        )
        started = time.perf_counter()
        try:
            # Two daemon threads (run_blocking): hashlib's PBKDF2 and OpenSSL's scrypt both
            # release the GIL, and neither holds the process when the run is interrupted.
            (pbkdf2, pbkdf2_seconds), (scrypt_digest, scrypt_seconds) = await asyncio.gather(
                run_blocking(
                    timed,
                    pbkdf2_hex,
                    problem.pbkdf2.hash,
                    password,
                    problem.salt,
                    problem.pbkdf2.rounds,
                ),
                run_blocking(
                    timed,
                    scrypt_hex,
                    password,
                    problem.salt,
                    scrypt.n,
                    scrypt.r,
                    scrypt.p,
                    scrypt.buflen,
                ),
            )
        except MemoryError as exc:  # memory taken by someone else since the check above
            raise SolverError(f"scrypt ran out of memory: {exc}") from None
        elapsed = time.perf_counter() - started
        context.progress.done(
            f"password_hashing: pbkdf2 ({problem.pbkdf2.rounds} rounds) {pbkdf2_seconds:.1f} s "
            f"and scrypt (N={scrypt.n}, r={scrypt.r}, p={scrypt.p}, "
            f"{format_bytes(needed)}) {scrypt_seconds:.1f} s, at once: {elapsed:.1f} s"
        )
        return PasswordHashingSolution(
            sha256=sha256_hex(password),
            hmac=hmac_sha256_hex(problem.salt, password),
            pbkdf2=pbkdf2,
            scrypt=scrypt_digest,
        )

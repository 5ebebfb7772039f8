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
from typing import TYPE_CHECKING, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from hackattic_core import Challenge, ChallengeSettings, Context, Problem, Solution, SolverError

from .daemon_thread import in_daemon_thread
from .hashes import (
    KNOWN_CONTROL,
    hmac_sha256_hex,
    pbkdf2_hex,
    scrypt_agrees_with,
    scrypt_hex,
    sha256_hex,
)
from .memory import MIB, available_memory, format_bytes, scrypt_memory, shortfall

if TYPE_CHECKING:
    from hackattic_core import Emulation

T = TypeVar("T")

MAX_ROUNDS = 2**31 - 1
"""hashlib's PBKDF2 refuses more (a C int)."""
MAX_BUFLEN = 64 * 1024
"""A bound on the scrypt output asked for: hackattic asks 32 bytes, and the answer travels
as hex in a JSON body."""
MEMORY_LIMIT_SETTING = "HACKATTIC_PASSWORD_HASHING_MEMORY_LIMIT_MIB"


class PasswordHashingSettings(ChallengeSettings):
    """The solver's settings, as ``HACKATTIC_PASSWORD_HASHING_*`` (environment or .env)."""

    # Named here too, so that building it directly (tests) reads the same variables.
    model_config = SettingsConfigDict(env_prefix="HACKATTIC_PASSWORD_HASHING_")

    memory_limit_mib: int | None = Field(
        default=None,
        ge=1,
        description="Refuse scrypt parameters needing more than this many MiB (default: "
        "whatever the machine, its cgroup and the rlimits leave available).",
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
    """``scrypt``: cost N (a power of two), block size r, parallelism p, output length."""

    model_config = ConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    n: int = Field(alias="N", ge=2)
    r: int = Field(ge=1)
    p: int = Field(ge=1)
    buflen: int = Field(ge=1, le=MAX_BUFLEN)
    control: str | None = Field(default=None, alias="_control")
    """Not an input: hackattic's check value for scrypt, compared with the known one."""

    @field_validator("n")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError(f"N must be a power of two, got {value}")
        return value

    @model_validator(mode="after")
    def _within_rfc_7914(self) -> ScryptParameters:
        # RFC 7914 section 2: N < 2^(128·r/8), p ≤ (2^32 − 1)·32 / (128·r). OpenSSL refuses
        # the rest; refusing here makes that a malformed problem, not a solver crash.
        if self.n >= 2 ** (16 * self.r):
            raise ValueError(f"N={self.n} must be below 2**(16·r) = 2**{16 * self.r}")
        if self.p > (2**32 - 1) * 32 // (128 * self.r):
            raise ValueError(f"p={self.p} is above (2**32 - 1)·32 / (128·r)")
        return self


class PasswordHashingProblem(Problem):
    """What ``GET /challenges/password_hashing/problem`` returns."""

    password: str
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


def require_memory(scrypt: ScryptParameters, settings: PasswordHashingSettings) -> int:
    """The bytes scrypt needs; SolverError if this process cannot have them."""
    needed = scrypt_memory(scrypt.n, scrypt.r, scrypt.p)
    cap = None if settings.memory_limit_mib is None else settings.memory_limit_mib * MIB
    reason = shortfall(needed, available_memory(cap, MEMORY_LIMIT_SETTING))
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


async def timed_in_thread(function: Callable[..., T], *args: object) -> tuple[T, float]:
    """``function(*args)`` in a thread of its own, and its duration in seconds."""

    def run() -> tuple[T, float]:
        started = time.perf_counter()
        result = function(*args)
        return result, time.perf_counter() - started

    # A daemon thread, not asyncio.to_thread: Ctrl-C must not wait for OpenSSL to finish.
    return await in_daemon_thread(run, name=f"password_hashing-{function.__name__}")


class PasswordHashingChallenge(Challenge):
    name = "password_hashing"
    title = "Password hashing: SHA-256, HMAC, PBKDF2 and scrypt of a password"
    problem_model = PasswordHashingProblem
    solution_model = PasswordHashingSolution
    settings_model = PasswordHashingSettings

    async def solve(
        self,
        problem: PasswordHashingProblem,
        context: Context,
    ) -> PasswordHashingSolution:
        settings = context.plugin_settings
        if not isinstance(settings, PasswordHashingSettings):
            settings = PasswordHashingSettings()
        scrypt = problem.scrypt
        # Both checks before any slow work: a refusal costs nothing.
        needed = require_memory(scrypt, settings)
        check_scrypt(scrypt.control, context.logger)

        password = problem.password.encode()
        context.progress.update("pbkdf2 and scrypt")
        started = time.perf_counter()
        try:
            # Two threads: hashlib's PBKDF2 and OpenSSL's scrypt both release the GIL.
            (pbkdf2, pbkdf2_seconds), (scrypt_digest, scrypt_seconds) = await asyncio.gather(
                timed_in_thread(
                    pbkdf2_hex, problem.pbkdf2.hash, password, problem.salt, problem.pbkdf2.rounds
                ),
                timed_in_thread(
                    scrypt_hex, password, problem.salt, scrypt.n, scrypt.r, scrypt.p, scrypt.buflen
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

    @classmethod
    def emulation(cls) -> type[Emulation] | None:
        # Imported here: `hackattic list` must not load the sandbox's server stack.
        from .emulation import PasswordHashingEmulation

        return PasswordHashingEmulation

"""The offline sandbox's stand-in for password_hashing: issues problems and checks answers.

Problems have hackattic's shape (see :mod:`.challenge`) and, by default, its values as
seen in real problems: an ASCII password of a few words and a number, an 8 to 16 byte salt,
PBKDF2-SHA256 with 490,000 to 600,000 rounds, scrypt N=2**18, r=16, p=2, buflen 32 (512 MiB,
about 2.5 s on one core). Wider cases are options: ``non_ascii`` (a non-ASCII word one
time in four, so that the UTF-8 encoding matters), any ``rounds``, N, r, p; our tests use
small ones (``-o rounds=1000 -o scrypt_n=1024``).

The checker does not use the solver's code: hashlib's scrypt (cryptography's only when the
memory needed is beyond hashlib's 2 GiB limit), hashlib's PBKDF2, the hmac module. It
checks all four fields and names every one missing or wrong. Answers must be lowercase hex,
as hackattic's page says; whether hackattic itself accepts uppercase is not known, so the
``accept_uppercase`` condition lets the sandbox do so.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field, field_validator

from hackattic_core import Emulation, EmulationConditions, Issued, run_blocking

CONTROL_HEX = "b19a18ea8a50a861d08eb94be602f6cbfe67ab98d2021400a3b83fbe3b8ba698"
"""hackattic's ``_control``: scrypt("rosebud", "pepper", N=128, r=4, p=8, 32 bytes)."""
PBKDF2_LENGTH = 32
ROUNDS_SEEN = (490_000, 600_000)
"""The PBKDF2 round counts hackattic was seen to send."""
HASHLIB_MAXMEM = 2**31 - 1
"""hashlib.scrypt refuses a larger ``maxmem``."""
FIELDS = ("sha256", "hmac", "pbkdf2", "scrypt")
QUOTE_LIMIT = 80
"""Longest quote of a wrong answer in a rejection."""

WORDS = (
    "amber", "anchor", "bramble", "canyon", "cobalt", "dune", "ember", "falcon", "glacier",
    "harbor", "indigo", "juniper", "kestrel", "lantern", "meadow", "nebula", "orchid",
    "pepper", "quartz", "raven", "saffron", "thistle", "umber", "velvet", "willow", "zephyr",
)  # fmt: skip
NON_ASCII_WORDS = ("crème", "naïve", "smörgåsbord", "façade", "jalapeño", "€uro", "日本")


class PasswordHashingConditions(EmulationConditions):
    """The parameters problems are issued with (``-o rounds=1000 -o scrypt_n=1024``)."""

    rounds: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="PBKDF2 rounds (default: drawn from hackattic's 490k-600k).",
    )
    pbkdf2_hash: str = Field(default="sha256", description="PBKDF2's hash (hackattic: sha256).")
    scrypt_n: int = Field(
        default=2**18, ge=2, description="scrypt N, a power of two (hackattic: 2**17 to 2**19)."
    )
    scrypt_r: int = Field(default=16, ge=1, le=64, description="scrypt r (hackattic: 8 to 32).")
    scrypt_p: int = Field(default=2, ge=1, le=16, description="scrypt p (hackattic: 2 to 4).")
    scrypt_buflen: int = Field(
        default=32, ge=1, le=1024, description="scrypt output bytes (hackattic: 32)."
    )
    rounds_field: Literal["rounds", "iterations"] = Field(
        default="rounds",
        description="The name of the PBKDF2 round count ('iterations' on an old hackattic page).",
    )
    non_ascii: bool = Field(
        default=False,
        description="One password in four has a non-ASCII word (hackattic's are ASCII).",
    )
    accept_uppercase: bool = Field(
        default=False, description="Accept uppercase hex too (hackattic's page says lowercase)."
    )

    @field_validator("pbkdf2_hash")
    @classmethod
    def _usable(cls, value: str) -> str:
        try:
            hashlib.pbkdf2_hmac(value, b"", b"", 1)
        except ValueError:
            raise ValueError(f"PBKDF2 cannot use the hash {value!r} here") from None
        return value

    @field_validator("scrypt_n")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError(f"scrypt_n must be a power of two, got {value}")
        return value


@dataclass
class Inputs:
    """What a problem was made of, and (once checked) its right answer."""

    password: bytes
    salt: bytes
    rounds: int
    pbkdf2_hash: str
    n: int
    r: int
    p: int
    buflen: int
    expected: dict[str, str] | None = field(default=None)


def scrypt_reference(password: bytes, salt: bytes, n: int, r: int, p: int, buflen: int) -> str:
    """scrypt by hashlib when it can (≤ 2 GiB), else by cryptography."""
    # What OpenSSL allocates: V (128·r·(N+2)) and B (128·r·p).
    maxmem = 128 * r * (n + 2) + 128 * r * p
    if maxmem <= HASHLIB_MAXMEM:
        digest = hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=buflen)
        return digest.hex()
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=buflen, n=n, r=r, p=p).derive(password).hex()


async def expected_answer(inputs: Inputs) -> dict[str, str]:
    """The four right digests; PBKDF2 and scrypt at once, off the event loop."""
    pbkdf2, scrypt = await asyncio.gather(
        run_blocking(
            hashlib.pbkdf2_hmac,
            inputs.pbkdf2_hash,
            inputs.password,
            inputs.salt,
            inputs.rounds,
            PBKDF2_LENGTH,
        ),
        run_blocking(
            scrypt_reference,
            inputs.password,
            inputs.salt,
            inputs.n,
            inputs.r,
            inputs.p,
            inputs.buflen,
        ),
    )
    return {
        "sha256": hashlib.sha256(inputs.password).hexdigest(),
        "hmac": hmac.new(inputs.salt, inputs.password, hashlib.sha256).hexdigest(),
        "pbkdf2": pbkdf2.hex(),
        "scrypt": scrypt,
    }


def _quote(value: object) -> str:
    text = repr(value)
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 3] + "..."


def compare(
    expected: dict[str, str], solution: dict[str, Any], *, accept_uppercase: bool = False
) -> str | None:
    """None when ``solution`` has the four right digests; else every field missing or wrong."""
    problems = []
    for name in FIELDS:
        if name not in solution:
            problems.append(f"missing field {name!r}")
            continue
        got, want = solution[name], expected[name]
        if not isinstance(got, str):
            problems.append(f"wrong {name}: expected a hex string, got {_quote(got)}")
        elif got == want or (accept_uppercase and got.lower() == want):
            continue
        elif got.lower() == want:
            problems.append(f"wrong {name}: not lowercase hex: {_quote(got)}")
        else:
            problems.append(f"wrong {name}: got {_quote(got)}, expected {want!r}")
    return "; ".join(problems) or None


class PasswordHashingEmulation(Emulation[PasswordHashingConditions, Inputs]):
    conditions_model = PasswordHashingConditions

    def _password(self) -> str:
        rng = self.env.rng
        words = rng.sample(WORDS, rng.randint(2, 4))
        if self.env.conditions.non_ascii and rng.random() < 0.25:
            words[rng.randrange(len(words))] = rng.choice(NON_ASCII_WORDS)
        return rng.choice("-_. ").join(words) + str(rng.randint(0, 999))

    async def new_problem(self) -> Issued[Inputs]:
        rng = self.env.rng
        conditions = self.env.conditions
        rounds = conditions.rounds
        if rounds is None:
            rounds = rng.randint(*ROUNDS_SEEN)
        inputs = Inputs(
            password=self._password().encode(),
            salt=rng.randbytes(rng.randint(8, 16)),
            rounds=rounds,
            pbkdf2_hash=conditions.pbkdf2_hash,
            n=conditions.scrypt_n,
            r=conditions.scrypt_r,
            p=conditions.scrypt_p,
            buflen=conditions.scrypt_buflen,
        )
        problem = {
            "password": inputs.password.decode(),
            "salt": base64.b64encode(inputs.salt).decode("ascii"),
            "pbkdf2": {conditions.rounds_field: inputs.rounds, "hash": inputs.pbkdf2_hash},
            "scrypt": {
                "N": inputs.n,
                "r": inputs.r,
                "p": inputs.p,
                "buflen": inputs.buflen,
                "_control": CONTROL_HEX,
            },
        }
        return Issued(problem=problem, state=inputs)

    async def check(self, issued: Issued[Inputs], solution: dict[str, Any]) -> str | None:
        inputs = issued.state
        if inputs.expected is None:  # computed once, at the first check
            inputs.expected = await expected_answer(inputs)
        return compare(
            inputs.expected, solution, accept_uppercase=self.env.conditions.accept_uppercase
        )

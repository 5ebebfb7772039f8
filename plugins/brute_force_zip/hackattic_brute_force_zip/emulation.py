"""The offline sandbox's stand-in for brute_force_zip.

Each problem is ``{"zip_url": ...}``, a one-time link to a ZIP written like hackattic's
(:mod:`.zipwriter`): ``dunwich_horror.txt`` and ``shunned_house.txt`` deflated,
``secret.txt`` stored, all under ZipCrypto with a random password of 5 characters of
``[a-z0-9]`` (every real one seen), flag 0x9. The answer is ``secret.txt`` stripped, within
30 s (times the sandbox's time scale) of the problem.
"""

from __future__ import annotations

import asyncio
import random
import string
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field, field_validator

from hackattic_core import Emulation, EmulationConditions, Issued

from .texts import DUNWICH_SIZE, SHUNNED_SIZE, filler_text, secret_text
from .zipwriter import Member, write_zip

PASSWORD_ALPHABET = string.ascii_lowercase + string.digits


class BruteForceZipConditions(EmulationConditions):
    """Sandbox options: ``-o password_length=6`` or HACKATTIC_SANDBOX_BRUTE_FORCE_ZIP_*."""

    password_length: int = Field(
        default=5, ge=1, le=8, description="Length of the random [a-z0-9] password (real: 5)."
    )
    password: str = Field(
        default="",
        max_length=16,
        description="A fixed password instead of a random one (printable ASCII); empty: random.",
    )
    deadline_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Seconds (times the time scale) the ZIP link and the answer are accepted "
        "after the problem; 0: no limit.",
    )
    data_descriptor: bool = Field(
        default=True,
        description="Flag 0x9 like hackattic (check byte = DOS time); false: flag 0x1 (CRC).",
    )

    @field_validator("password")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(c not in string.printable or c in string.whitespace for c in value):
            raise ValueError("printable ASCII without spaces only")
        return value


@dataclass(frozen=True)
class ZipState:
    secret: str
    """``secret.txt`` stripped: the expected answer."""
    password: str
    issued_at: float
    """``time.monotonic()`` when the problem was issued."""


class BruteForceZipEmulation(Emulation[BruteForceZipConditions, ZipState]):
    conditions_model = BruteForceZipConditions

    async def new_problem(self) -> Issued[ZipState]:
        rng, conditions = self.env.rng, self.env.conditions
        password = conditions.password or "".join(
            rng.choice(PASSWORD_ALPHABET) for _ in range(conditions.password_length)
        )
        secret = secret_text(rng)
        # A random moment: the check byte (its DOS time's high byte) varies like the real ones.
        moment = datetime(2018, 1, 1, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(8 * 365 * 86400)
        )
        members = [
            Member("dunwich_horror.txt", filler_text(rng, DUNWICH_SIZE), deflate=True),
            Member("shunned_house.txt", filler_text(rng, SHUNNED_SIZE), deflate=True),
            Member("secret.txt", secret.encode(), deflate=False),
        ]
        seed = rng.getrandbits(64)
        # Off the event loop: deflating and encrypting 200 KB in Python takes ~0.2 s.
        data = await asyncio.to_thread(
            _write, members, password, moment, seed, conditions.data_descriptor
        )
        deadline = conditions.deadline_seconds or None
        url = self.env.downloads.publish(
            data, "application/zip", name="package.zip", expires_after=deadline
        )
        return Issued(
            problem={"zip_url": url},
            state=ZipState(secret=secret.strip(), password=password, issued_at=time.monotonic()),
        )

    async def check(self, issued: Issued[ZipState], solution: dict[str, Any]) -> str | None:
        state = issued.state
        deadline = self.env.conditions.deadline_seconds * self.env.time_scale
        late = time.monotonic() - state.issued_at
        if deadline and late > deadline:
            return (
                f"too late: the solution came {late:.1f} s after the problem, over {deadline:g} s"
            )
        if "secret" not in solution:
            return "missing field 'secret'"
        got = solution["secret"]
        if not isinstance(got, str):
            return f"secret must be a string, got {type(got).__name__}"
        if got.strip() != state.secret:
            return f"wrong secret: got {got[:80]!r}"
        return None


def _write(
    members: list[Member], password: str, moment: datetime, seed: int, data_descriptor: bool
) -> bytes:
    # A generator of its own: the emulation's is not to be shared with another thread.
    return write_zip(
        members, password.encode(), moment, random.Random(seed), data_descriptor=data_descriptor
    )

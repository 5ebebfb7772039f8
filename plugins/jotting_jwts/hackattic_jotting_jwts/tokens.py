"""The app's logic: check each posted JWT with PyJWT and concatenate the ``append`` claims.

A token counts only if PyJWT accepts it as HS256 under the secret (the secret's bytes as
given, not base64-decoded): a wrong signature, an expired ``exp``, a ``nbf`` still in the
future, ``alg: none`` or any other algorithm, or a token that is not a JWT at all is
skipped. The first valid token *without* ``append`` ends the exchange: it is answered with
the concatenation. Nothing here touches the network; :mod:`.app` feeds it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from enum import Enum

import jwt

ALGORITHMS = ["HS256"]
"""The only algorithm accepted: naming it is what makes PyJWT refuse ``none`` and the others."""

_OPTIONS: dict[str, bool | list[str]] = {
    "verify_signature": True,
    "verify_exp": True,
    "verify_nbf": True,
    # hackattic's specification names signature, exp and nbf only: an ``iat`` a second in
    # the future (clocks differ) or claims of other types must not cost a valid token.
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
}


class Outcome(Enum):
    """What became of one posted token."""

    APPENDED = "appended"
    SKIPPED = "skipped"
    FINAL = "final"
    REFUSED = "refused"
    """Not looked at: the exchange is over, or a bound was reached."""


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    detail: str
    """The appended text, the reason a token was skipped, or the solution."""


@dataclass
class TokenCollector:
    """Concatenates the ``append`` claims of valid tokens, in the order they arrive."""

    secret: bytes = field(repr=False)
    max_tokens: int = 10_000
    max_solution_chars: int = 1_000_000
    leeway_seconds: float = 0.0
    parts: list[str] = field(default_factory=list)
    received: int = 0
    skipped: int = 0
    solution: str | None = None
    """Set once the final token arrived."""
    _length: int = 0

    def receive(self, raw: bytes) -> Verdict:
        """Judge one posted body (the raw token, surrounding whitespace ignored)."""
        if self.solution is not None:
            return Verdict(Outcome.REFUSED, "the exchange is over")
        if self.received >= self.max_tokens:
            return Verdict(Outcome.REFUSED, f"more than {self.max_tokens} tokens")
        self.received += 1
        try:
            claims = self._decode(raw.strip().decode("ascii"))
        except (UnicodeDecodeError, jwt.PyJWTError) as exc:
            self.skipped += 1
            return Verdict(Outcome.SKIPPED, describe(exc))
        if "append" not in claims:
            self.solution = "".join(self.parts)
            return Verdict(Outcome.FINAL, self.solution)
        value = claims["append"]
        if not isinstance(value, str):
            self.skipped += 1
            return Verdict(Outcome.SKIPPED, f"'append' is a {type(value).__name__}, not a string")
        if self._length + len(value) > self.max_solution_chars:
            return Verdict(Outcome.REFUSED, f"the text would pass {self.max_solution_chars} chars")
        self.parts.append(value)
        self._length += len(value)
        return Verdict(Outcome.APPENDED, value)

    def _decode(self, token: str) -> dict[str, object]:
        with warnings.catch_warnings():
            # A short secret is hackattic's choice, not ours to warn about on every token.
            warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
            claims: dict[str, object] = jwt.decode(
                token,
                self.secret,
                algorithms=ALGORITHMS,
                options=_OPTIONS,  # type: ignore[arg-type]
                leeway=self.leeway_seconds,
            )
        return claims


def describe(exc: Exception) -> str:
    """Why a token was skipped, in a few words."""
    if isinstance(exc, UnicodeDecodeError):
        return "not ASCII text"
    text = str(exc) or type(exc).__name__
    return text[:120]

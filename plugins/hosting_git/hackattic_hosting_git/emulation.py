"""The offline sandbox's stand-in for hosting_git: it plays hackattic's side with real tools.

``new_problem`` generates a key pair with ``ssh-keygen`` (RSA 4096, commented
``hosting_git``, like hackattic's) and issues its public key with a user name, a path like
``little/snow.git`` and a push token. ``POST /_/git/<push_token>`` with ``{"repo_host"}``
commits a random ``solution.txt`` in a scratch repository and pushes it with ``git`` over
``ssh`` to ``username@repo_host:repo_path``, answering once the push has ended, as hackattic
does. Unlike hackattic, ``repo_host`` may be ``host:port``; and it must be on loopback
unless ``-o allow_remote=true`` (the sandbox connects nowhere else). ``check`` compares the
submitted secret with the pushed one, and rejects a solution whose server accepted a push
it had to refuse (a fault's). The key pair and the scratch repository live in a
temporary folder only while it pushes (removed after the push, or when the sandbox stops
under it); between requests the keys live in memory only, so nothing is left on disk even
if the sandbox is killed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import string
import tempfile
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from hackattic_core import Emulation, EmulationConditions, Issued

from .process import CommandFailed
from .pusher import PushOutcome, make_commit, new_key_pair, push, write_private_key

MAX_TRIGGER_BODY = 4096
MAX_OUTSTANDING = 16
"""Problems whose keys are kept at once; the oldest unchecked one is dropped past that."""

ADJECTIVES = ["little", "silent", "frozen", "brave", "folly", "quiet", "rusty", "lucky", "tiny"]
NOUNS = ["snow", "woot", "river", "stone", "cloud", "ember", "maple", "comet", "otter"]


class HostingGitConditions(EmulationConditions):
    """``-o KEY=VALUE`` or ``HACKATTIC_SANDBOX_HOSTING_GIT_<KEY>``."""

    key_type: Literal["rsa", "ed25519"] = Field(
        default="rsa", description="hackattic's key type (its real key is RSA 4096)."
    )
    key_bits: int = Field(default=4096, ge=2048, le=8192, description="RSA key size.")
    push_timeout: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Seconds for each git push (× the time scale).",
    )
    allow_remote: bool = Field(
        default=False, description="Push to a repo_host off loopback (default: refuse)."
    )


@dataclass
class GitState:
    """One issued problem: its key pair (in memory) and secret, and what the pushes did."""

    private_key: str
    public_key: str
    username: str
    repo_path: str
    push_token: str
    secret: str
    pushed: bool = False
    checked: bool = False
    breaches: list[str] = field(default_factory=list)
    """Pushes that succeeded though the server had to refuse them."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def parse_repo_host(value: object) -> tuple[str, int] | str:
    """``(host, port)`` from ``host``, ``host:port`` or ``[v6]:port``; else the reason."""
    if not isinstance(value, str) or not value or len(value) > 255:
        return "repo_host must be a host name or address (a string)"
    host, port = value, 22
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return f"repo_host {value!r} is malformed"
        host, rest = value[1:end], value[end + 1 :]
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                return f"repo_host {value!r} is malformed"
            port = int(rest[1:])
    elif value.count(":") == 1:
        host, _, text = value.partition(":")
        if not text.isdigit():
            return f"repo_host {value!r} has a bad port"
        port = int(text)
    if not host or not 0 < port < 65536 or any(c.isspace() or c in "@/'\"" for c in host):
        return f"repo_host {value!r} is malformed"
    return host, port


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HostingGitEmulation(Emulation[HostingGitConditions, GitState]):
    conditions_model = HostingGitConditions
    faults: ClassVar[dict[str, str]] = {
        "wrong_key": "hackattic pushes with a key that is not the problem's: the server must "
        "refuse it (the run then fails: nothing arrives)",
        "wrong_path": "hackattic first pushes to paths outside the repository (../PATH and "
        "/tmp/PATH), which must be refused, then to the right one",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._problems: OrderedDict[str, GitState] = OrderedDict()
        self._pushing: set[asyncio.Task[str]] = set()
        self.counts = {"pushes": 0, "pushes_refused_as_expected": 0, "breaches": 0}

    async def stop(self) -> None:
        for task in list(self._pushing):
            task.cancel()
        # Each push's folder is removed as its task ends, cancelled or not.
        await asyncio.gather(*self._pushing, return_exceptions=True)
        self._problems.clear()

    def routes(self) -> list[BaseRoute]:
        return [Route("/_/git/{token}", self._trigger, methods=["POST"])]

    def stats(self) -> dict[str, Any]:
        return dict(self.counts)

    async def new_problem(self) -> Issued[GitState]:
        rng = self.env.rng
        c: HostingGitConditions = self.env.conditions
        token = str(uuid.UUID(int=rng.getrandbits(128), version=4)).replace("-", ".")
        private, public = await new_key_pair(key_type=c.key_type, bits=c.key_bits)
        alphabet = string.ascii_letters + string.digits
        state = GitState(
            private_key=private,
            public_key=public,
            username="hack",
            repo_path=f"{rng.choice(ADJECTIVES)}/{rng.choice(NOUNS)}.git",
            push_token=token,
            secret="".join(rng.choice(alphabet) for _ in range(32)),
        )
        self._problems[token] = state
        while len(self._problems) > MAX_OUTSTANDING:
            self._problems.popitem(last=False)
        problem = {
            "ssh_key": public,
            "username": state.username,
            "repo_path": state.repo_path,
            "push_token": token,
        }
        return Issued(problem=problem, state=state)

    async def check(self, issued: Issued[GitState], solution: dict[str, Any]) -> str | None:
        state = issued.state
        state.checked = True
        secret = solution.get("secret")
        if not isinstance(secret, str):
            return "missing field 'secret' (a string)"
        if state.breaches:
            return state.breaches[0]
        if not state.pushed:
            return "wrong secret: nothing was pushed yet (POST /_/git/<push_token> first)"
        if secret.strip() != state.secret:
            return "wrong secret: it is not the content of the pushed solution.txt"
        return None

    async def _trigger(self, request: Request) -> Response:
        state = self._problems.get(str(request.path_params["token"]))
        if state is None:
            return JSONResponse({"error": "unknown push token"}, 404)
        if state.checked:
            return JSONResponse({"error": "this problem's solution was already checked"}, 409)
        body = await _read_bounded(request)
        if body is None:
            return JSONResponse({"error": f"body larger than {MAX_TRIGGER_BODY} bytes"}, 413)
        try:
            payload = json.loads(body)
        except ValueError:
            return JSONResponse({"error": "the body is not JSON"}, 400)
        target = parse_repo_host(payload.get("repo_host") if isinstance(payload, dict) else None)
        if isinstance(target, str):
            return JSONResponse({"error": target}, 400)
        host, port = target
        if not self.env.conditions.allow_remote and not is_loopback(host):
            return JSONResponse(
                {
                    "error": f"repo_host {host!r} is not on loopback: the sandbox pushes only "
                    "to this machine (-o allow_remote=true to allow it)"
                },
                400,
            )
        async with state.lock:
            # A task the emulation owns: stop() cancels it (killing git and ssh, removing
            # its folder) and waits for it, so that nothing is left behind or written after.
            task = asyncio.create_task(self._push_all(state, host, port))
            self._pushing.add(task)
            task.add_done_callback(self._pushing.discard)
            try:
                log = await task
            except (OSError, CommandFailed) as exc:
                return JSONResponse({"result": "push failed", "log": str(exc)}, 500)
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # this request itself is being cancelled
                return JSONResponse({"result": "push failed", "log": "the sandbox stopped"}, 503)
        return JSONResponse({"result": "pushed" if state.pushed else "push failed", "log": log})

    async def _push_all(self, state: GitState, host: str, port: int) -> str:
        """The pushes this problem's faults call for, then the real one; their log."""
        with tempfile.TemporaryDirectory(prefix="hackattic-sandbox-hosting-git-") as folder:
            return await self._push_from(Path(folder), state, host, port)

    async def _push_from(self, scratch: Path, state: GitState, host: str, port: int) -> str:
        c: HostingGitConditions = self.env.conditions
        time_limit = c.push_timeout * self.env.time_scale
        work = scratch / "work"
        await make_commit(work, state.secret + "\n", time_limit=time_limit)
        key = write_private_key(scratch / "hackattic", state.private_key)
        lines: list[str] = []

        async def attempt(key: Path, path: str, should_pass: bool, what: str) -> PushOutcome:
            outcome = await push(
                work, key, user=state.username, host=host, port=port, path=path,
                time_limit=time_limit,
            )  # fmt: skip
            self.counts["pushes"] += 1
            lines.append(f"{what}: {'pushed' if outcome.ok else 'refused'} {outcome.log}".strip())
            if not should_pass and outcome.ok:
                self.counts["breaches"] += 1
                state.breaches.append(f"your server accepted {what}: it must refuse it")
            elif not should_pass:
                self.counts["pushes_refused_as_expected"] += 1
            return outcome

        if self.env.has_fault("wrong_key"):
            other, _ = await new_key_pair(key_type="ed25519", bits=0)
            other_key = write_private_key(scratch / "other", other)
            await attempt(other_key, state.repo_path, False, "a push with another key")
            return "\n".join(lines)
        if self.env.has_fault("wrong_path"):
            elsewhere = Path(tempfile.gettempdir()) / state.repo_path
            await attempt(key, f"../{state.repo_path}", False, f"a push to ../{state.repo_path}")
            await attempt(key, str(elsewhere), False, f"a push to {elsewhere}")
        outcome = await attempt(key, state.repo_path, True, "the push")
        state.pushed = state.pushed or outcome.ok
        return "\n".join(lines)


async def _read_bounded(request: Request) -> bytes | None:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_TRIGGER_BODY:
            return None
    return bytes(body)

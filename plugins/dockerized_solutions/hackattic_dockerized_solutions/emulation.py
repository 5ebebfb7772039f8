"""The offline sandbox's stand-in for dockerized_solutions: it plays hackattic's side.

A problem is like the real ones: a user ``adjective-noun@hackattic.com``, a 10-character
password, a 28-character ``ignition_key`` and a dotted UUID as ``trigger_token``. On
``POST /_/push/<trigger_token>`` with ``{"registry_host"}`` it builds two tiny images
(:mod:`.images`) and pushes them, as two random ``X.Y.Z`` tags of ``hack``, with the real
``skopeo copy`` and the problem's credentials, then answers ``{"logs": …}`` with skopeo's
output, as hackattic answers with ``docker push``'s. The check compares the secret with the
image's rule computed here, not by running the image. It pushes only to loopback unless
``allow_remote``: the sandbox sends nothing beyond this machine.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import string
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from hackattic_core import ConfigError, Emulation, EmulationConditions, Issued, run_blocking

from .images import BUSYBOX, Blob, base_layer, secret_for, write_layout
from .push import push_corrupt_blob, skopeo_copy

ALNUM = string.ascii_uppercase + string.digits
ADJECTIVES = [
    "plain", "floral", "quiet", "brave", "misty", "silent", "ancient", "bold", "calm",
    "crimson", "gentle", "hidden", "lively", "lucky", "proud", "rapid", "shiny", "sunny",
]  # fmt: skip
NOUNS = [
    "art", "mountain", "river", "forest", "meadow", "harbor", "field", "cloud", "stone",
    "garden", "valley", "breeze", "shadow", "ember", "glade", "summit", "brook", "lake",
]  # fmt: skip
HOST = re.compile(r"^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$")
MAX_TRIGGER_BYTES = 16 * 1024
MAX_PROBLEMS_KEPT = 1000


class DockerizedSolutionsConditions(EmulationConditions):
    """``-o KEY=VALUE`` or ``HACKATTIC_SANDBOX_DOCKERIZED_SOLUTIONS_<KEY>``."""

    manifest_format: Literal["docker", "oci", "index"] = Field(
        default="docker",
        description="What is pushed: Docker v2 schema 2 manifests (as `docker push` does), "
        "OCI manifests, or OCI indexes (linux/amd64 beside an arm64 decoy).",
    )
    push_timeout: float = Field(
        default=120.0, gt=0, le=3600, allow_inf_nan=False, description="Seconds for each push."
    )
    allow_remote: bool = Field(
        default=False, description="Push to a registry_host off loopback (default: refuse)."
    )


@dataclass
class PushState:
    user: str
    password: str
    key: str
    salt: str
    tags: list[str]
    """In push order."""
    decoy_tag: str
    triggers: int = 0
    complaints: list[str] = field(default_factory=list)
    """What the solver's registry did wrong (accepted what it must refuse, refused a push)."""

    @property
    def secret(self) -> str:
        return secret_for(self.salt, self.key)


class DockerizedSolutionsEmulation(Emulation[DockerizedSolutionsConditions, PushState]):
    conditions_model = DockerizedSolutionsConditions
    faults: ClassVar[dict[str, str]] = {
        "wrong_credentials": "first pushes with a wrong password: the registry must refuse it",
        "corrupt_blob": "uploads a blob whose bytes do not match its digest: must be refused",
        "decoy_last": "pushes the decoy image last (otherwise the order is random)",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._by_token: dict[str, PushState] = {}
        self._base: tuple[Blob, str] | None = None
        self.pushes = 0

    async def start(self) -> None:
        if shutil.which("skopeo") is None:
            raise ConfigError("dockerized_solutions' sandbox needs skopeo (apt-get install skopeo)")
        if not BUSYBOX.is_file():
            raise ConfigError(
                "dockerized_solutions' sandbox needs /bin/busybox (apt-get install busybox-static)"
            )

    async def new_problem(self) -> Issued[PushState]:
        rng = self.env.rng
        user = f"{rng.choice(ADJECTIVES)}-{rng.choice(NOUNS)}@hackattic.com"
        password = "".join(rng.choice(ALNUM) for _ in range(10))
        key = "".join(rng.choice(ALNUM) for _ in range(28))
        token = str(uuid.UUID(int=rng.getrandbits(128), version=4)).replace("-", ".")
        tags: list[str] = []
        while len(tags) < 2:
            tag = f"{rng.randint(0, 9)}.{rng.randint(0, 99)}.{rng.randint(0, 999)}"
            if tag not in tags:
                tags.append(tag)
        decoy_tag = tags[1] if self.env.has_fault("decoy_last") else rng.choice(tags)
        salt = f"{rng.getrandbits(64):016x}"
        state = PushState(user, password, key, salt, tags, decoy_tag)
        if len(self._by_token) >= MAX_PROBLEMS_KEPT:
            self._by_token.pop(next(iter(self._by_token)))
        self._by_token[token] = state
        problem = {
            "credentials": {"user": user, "password": password},
            "ignition_key": key,
            "trigger_token": token,
        }
        return Issued(problem=problem, state=state)

    async def check(self, issued: Issued[PushState], solution: dict[str, Any]) -> str | None:
        state = issued.state
        if state.complaints:
            return "; ".join(state.complaints)
        if state.triggers == 0:
            return "nothing was pushed: POST /_/push/<trigger_token> before submitting"
        secret = solution.get("secret")
        if not isinstance(secret, str):
            return "missing field 'secret' (a string)"
        if secret.strip() != state.secret:
            return f"wrong secret: got {secret[:80]!r}, expected {state.secret!r}"
        return None

    def routes(self) -> list[BaseRoute]:
        return [Route("/_/push/{token}", self._trigger, methods=["POST"])]

    def stats(self) -> dict[str, Any]:
        return {"pushes": self.pushes}

    # The push ----------------------------------------------------------------------------

    async def _trigger(self, request: Request) -> Response:
        state = self._by_token.get(request.path_params["token"])
        if state is None:
            return JSONResponse({"error": "unknown trigger token"}, status_code=404)
        body = await _read_json(request)
        host = body.get("registry_host") if isinstance(body, dict) else None
        refusal = self._refuse_host(host)
        if refusal is not None:
            return JSONResponse({"error": refusal}, status_code=400)
        assert isinstance(host, str)
        state.triggers += 1
        logs = await self._push(state, host)
        return JSONResponse({"logs": logs})

    def _refuse_host(self, host: object) -> str | None:
        if not isinstance(host, str) or not HOST.match(host):
            return "registry_host must be host[:port]"
        name = urlsplit(f"//{host}").hostname or ""
        if self.env.conditions.allow_remote:
            return None
        try:
            loopback = ipaddress.ip_address(name).is_loopback
        except ValueError:
            loopback = name == "localhost"
        if not loopback:
            return (
                f"registry_host {host!r} is not on loopback: the sandbox pushes only to this "
                "machine (-o allow_remote=true to allow it)"
            )
        return None

    async def _push(self, state: PushState, host: str) -> str:
        c: DockerizedSolutionsConditions = self.env.conditions
        if self._base is None:
            self._base = await run_blocking(base_layer)
        folder = Path(tempfile.mkdtemp(prefix="hackattic-push-"))
        logs: list[str] = []
        credentials = (state.user, state.password)
        try:
            layouts = {}
            for tag in state.tags:
                layouts[tag] = await run_blocking(
                    write_layout,
                    folder / f"image-{tag}",
                    self._base,
                    state.salt,
                    decoy=tag == state.decoy_tag,
                    as_index=c.manifest_format == "index",
                )
            home = folder / "home"
            home.mkdir()

            async def copy(tag: str, creds: tuple[str, str]) -> bool:
                pushed = await skopeo_copy(
                    layouts[tag],
                    host,
                    tag,
                    creds,
                    docker_format=c.manifest_format == "docker",
                    all_images=c.manifest_format == "index",
                    home=home,
                    seconds=c.push_timeout,  # not scaled: it bounds a real tool, not a delay
                )
                logs.append(f"$ skopeo copy … docker://{host}/hack:{tag}\n{pushed.log.strip()}")
                return pushed.ok

            if self.env.has_fault("wrong_credentials"):
                wrong = (state.user, state.password[::-1] + "X")
                if await copy(state.tags[0], wrong):
                    state.complaints.append("the registry accepted a push with a wrong password")
            if self.env.has_fault("corrupt_blob"):
                corrupt = await push_corrupt_blob(host, credentials, c.push_timeout)
                logs.append(corrupt.log)
                if not corrupt.refused:
                    state.complaints.append(
                        "the registry accepted a blob whose bytes do not match its digest"
                    )
            for tag in state.tags:
                if await copy(tag, credentials):
                    self.pushes += 1
                else:
                    state.complaints.append(f"the push of hack:{tag} failed")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return "\n".join(logs)


async def _read_json(request: Request) -> object:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_TRIGGER_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_TRIGGER_BYTES:
            return None
    try:
        return json.loads(body)
    except ValueError:
        return None

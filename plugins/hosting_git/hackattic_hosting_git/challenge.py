"""The challenge hosting_git: host an empty git repository over SSH that hackattic pushes to.

The problem is ``{"ssh_key", "username", "repo_path", "push_token"}``. The solver creates an
empty bare repository in a temporary folder, serves it with an in-process SSH server
(:mod:`.server`) that accepts exactly that user and key, and only git push/fetch on that
path; then ``POST /_/git/<push_token>`` with ``{"repo_host"}`` asks hackattic to push (the
request returns once the push is done). It reads ``solution.txt`` from the pushed branch and
submits ``{"secret"}``. The server and the folder are kept until the submit's answer and
removed after it, on every path.
"""

from __future__ import annotations

import contextlib
import errno
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from hackattic_core import (
    Challenge,
    ChallengeSettings,
    ConfigError,
    Context,
    Problem,
    ServiceError,
    Solution,
    SolverError,
    is_loopback_host,
)

from .commands import Refused, normalise_path
from .process import CommandFailed
from .repository import NothingPushed, init_bare, read_solution

if TYPE_CHECKING:
    from .server import BoundServer

USERNAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
PUSH_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,128}")
PATH_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
MAX_KEY_CHARS = 16 * 1024
MAX_PATH_DEPTH = 8
SSH_PORT = 22


class HostingGitProblem(Problem):
    """What ``GET /challenges/hosting_git/problem`` returns."""

    ssh_key: str = Field(min_length=1, max_length=MAX_KEY_CHARS)
    """hackattic's OpenSSH public key (``ssh-rsa AAAA… hosting_git``)."""
    username: str
    repo_path: str = Field(max_length=512)
    """Relative to the user's home, e.g. ``little/snow.git``."""
    push_token: str

    @field_validator("ssh_key")
    @classmethod
    def _public_key(cls, value: str) -> str:
        import asyncssh  # here: `hackattic list` does not load the SSH stack

        try:
            asyncssh.import_public_key(value.strip())
        except (asyncssh.KeyImportError, ValueError):
            raise ValueError("is not an OpenSSH public key") from None
        return value.strip()

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not USERNAME.fullmatch(value):
            raise ValueError("must be a plain user name (letters, digits, _ . -)")
        return value

    @field_validator("repo_path")
    @classmethod
    def _repo_path(cls, value: str) -> str:
        try:
            path = normalise_path(value)
        except Refused:
            raise ValueError("must be a relative path without '..'") from None
        segments = path.split("/")
        if len(segments) > MAX_PATH_DEPTH or not all(PATH_SEGMENT.fullmatch(s) for s in segments):
            raise ValueError("must be a short relative path of plain names (like little/snow.git)")
        return path

    @field_validator("push_token")
    @classmethod
    def _push_token(cls, value: str) -> str:
        if not PUSH_TOKEN.fullmatch(value):
            raise ValueError("must be a token of letters, digits, '.', '_' and '-'")
        return value


class HostingGitSolution(Solution):
    """What ``POST /challenges/hosting_git/solve`` expects."""

    secret: str


class HostingGitSettings(ChallengeSettings):
    """``HACKATTIC_HOSTING_GIT_*``."""

    port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="TCP port of the SSH server (0: a free one). Unset: 22, the only port "
        "hackattic pushes to, or a free port when the base URL is on loopback (a sandbox).",
    )
    public_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="The port hackattic connects to, when a forward maps it to PORT "
        "(e.g. 22 → 2222); unset: the bound port.",
    )
    trigger_timeout: float = Field(
        default=120.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Seconds to wait for POST /_/git/<token> (it returns after the push).",
    )
    command_timeout: float = Field(
        default=120.0, gt=0, le=3600, allow_inf_nan=False, description="Seconds per git command."
    )
    connection_timeout: float = Field(
        default=300.0, gt=0, le=7200, allow_inf_nan=False, description="Seconds per SSH connection."
    )
    login_timeout: float = Field(
        default=30.0, gt=0, le=600, allow_inf_nan=False, description="Seconds to authenticate."
    )
    max_push_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=4096,
        le=4 * 1024**3,
        description="Largest push accepted, in bytes (hackattic's is one small commit).",
    )
    max_connections: int = Field(
        default=8, ge=1, le=1000, description="SSH connections served at once."
    )
    max_secret_bytes: int = Field(
        default=64 * 1024, ge=16, le=16 * 1024 * 1024, description="Largest solution.txt read."
    )


def repo_host(host: str, port: int) -> str:
    """``host``, or ``host:port`` off port 22 (IPv6 in brackets); hackattic itself takes a
    bare host and always connects on 22."""
    if port == SSH_PORT:
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@contextlib.asynccontextmanager
async def temporary_home() -> AsyncIterator[Path]:
    """A private folder for the repository, removed afterwards whatever happened."""
    home = Path(tempfile.mkdtemp(prefix="hackattic-hosting-git-"))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def bind_error(exc: OSError, host: str, port: int) -> ConfigError:
    """A one-line reason the SSH server cannot listen, with what to do about it."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ConfigError(
            f"cannot listen on {host}:{port}: ports below 1024 need privileges (root or "
            "CAP_NET_BIND_SERVICE); forward TCP 22 to another port (e.g. 2222) and set "
            "HACKATTIC_HOSTING_GIT_PORT=2222 HACKATTIC_HOSTING_GIT_PUBLIC_PORT=22"
        )
    if exc.errno == errno.EADDRINUSE:
        return ConfigError(
            f"cannot listen on {host}:{port}: the port is in use (an sshd?); stop it or "
            "set HACKATTIC_HOSTING_GIT_PORT to another port and forward 22 to it"
        )
    return ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


class HostingGitChallenge(Challenge[HostingGitProblem, HostingGitSolution, HostingGitSettings]):
    name = "hosting_git"
    title = "Hosting git: an SSH git host that hackattic pushes a secret to"
    problem_model = HostingGitProblem
    solution_model = HostingGitSolution
    settings_model = HostingGitSettings
    emulation_class = "hackattic_hosting_git.emulation:HostingGitEmulation"
    serves = True

    async def solve(
        self, problem: HostingGitProblem, context: Context[HostingGitSettings]
    ) -> HostingGitSolution:
        import asyncssh
        import httpx  # here: `hackattic list` does not load the HTTP stack

        from .server import GitServerConfig, serve_git

        settings = context.plugin_settings
        public_host = context.require_public_host()
        base_url = context.settings.base_url
        local = is_loopback_host(httpx.URL(base_url).host)
        port = settings.port if settings.port is not None else (0 if local else SSH_PORT)

        home = await context.keep_open(temporary_home())
        try:
            repo = await init_bare(home, problem.repo_path, max_input_bytes=settings.max_push_bytes)
        except CommandFailed as exc:
            raise SolverError(f"cannot create the bare repository: {exc}") from None
        config = GitServerConfig(
            username=problem.username,
            client_key=asyncssh.import_public_key(problem.ssh_key),
            repo_path=problem.repo_path,
            repo_dir=repo,
            home=home,
            max_bytes=settings.max_push_bytes,
            command_timeout=settings.command_timeout,
            connection_timeout=settings.connection_timeout,
            max_connections=settings.max_connections,
            login_timeout=settings.login_timeout,
        )

        def heard(message: str) -> None:
            context.progress.update(f"ssh: {message}")
            context.logger.info("ssh server: %s", message)

        try:
            server: BoundServer = await context.keep_open(
                serve_git(config, context.listen_host, port, heard)
            )
        except OSError as exc:
            raise bind_error(exc, context.listen_host, port) from None
        public_port = settings.public_port or server.port
        target = repo_host(public_host, public_port)
        context.progress.done(
            f"serving {problem.username}@{target}:{problem.repo_path} "
            f"(listening on {server.host}:{server.port}, host key {server.host_key_fingerprint})"
        )
        if public_port != SSH_PORT and not local:
            context.logger.warning(
                "hackattic pushes to port 22 only; %s may not be accepted", target
            )

        answer = await self._trigger(context, problem.push_token, target, settings.trigger_timeout)
        try:
            pushed = await read_solution(repo, home, max_bytes=settings.max_secret_bytes)
        except (NothingPushed, CommandFailed) as exc:
            refusals = "; ".join(server.stats.refusals[-3:])
            raise SolverError(
                f"hackattic's push did not arrive: {exc} (the trigger answered {answer}"
                + (f"; the server refused: {refusals}" if refusals else "")
                + ")"
            ) from None
        secret = pushed.content.decode("utf-8", "replace").strip()
        context.progress.done(
            f"read solution.txt from branch {pushed.branch} ({len(pushed.content)} bytes)"
        )
        return HostingGitSolution(secret=secret)

    async def _trigger(
        self, context: Context[HostingGitSettings], token: str, target: str, seconds: float
    ) -> str:
        """POST the push trigger; a short description of its answer (which waits for the push)."""
        import httpx

        url = f"{context.settings.base_url}/_/git/{token}"
        context.progress.update(f"asking hackattic to push to {target}")
        try:
            response = await context.http.post(url, json={"repo_host": target}, timeout=seconds)
        except httpx.TimeoutException:
            raise SolverError(
                f"POST /_/git/<push_token> got no answer within {seconds:g} s "
                "(HACKATTIC_HOSTING_GIT_TRIGGER_TIMEOUT)"
            ) from None
        except (httpx.HTTPError, ServiceError) as exc:
            raise SolverError(
                f"POST /_/git/<push_token> failed: {type(exc).__name__}: {exc}"
            ) from None
        text = response.text.strip().replace("\n", " ")
        summary = (
            f"HTTP {response.status_code}: {text[:200]}" if text else f"HTTP {response.status_code}"
        )
        context.logger.info("push trigger answered %s", summary)
        if response.status_code >= 400:
            raise SolverError(f"POST /_/git/<push_token> was refused: {summary}")
        return summary

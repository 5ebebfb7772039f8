"""The challenge dockerized_solutions: a registry hackattic pushes to, and the right image run.

The problem gives registry credentials, an ``ignition_key`` and a ``trigger_token``. The
solver starts :mod:`.registry` (kept open by the runner), asks hackattic to push with
``POST /_/push/<trigger_token>`` and ``{"registry_host"}``, and once that answers runs
every pushed tag of ``hack`` confined in bwrap (:mod:`.image`) with ``IGNITION_KEY`` set:
one prints ``oops, wrong image!``, the other the secret that is submitted.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator

from hackattic_core import (
    Challenge,
    ChallengeSettings,
    ConfigError,
    Context,
    Problem,
    SolverError,
)
from hackattic_core import Solution as BaseSolution

if TYPE_CHECKING:
    from .confine import Outcome
    from .storage import Store

DECOY = "oops, wrong image!"
MAX_FIELD_CHARS = 256


class Credentials(BaseModel):
    user: str = Field(min_length=1, max_length=MAX_FIELD_CHARS)
    password: str = Field(min_length=1, max_length=MAX_FIELD_CHARS)

    @field_validator("user", "password")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not value.isprintable():
            raise ValueError("holds control characters")
        return value

    @field_validator("user")
    @classmethod
    def _no_colon(cls, value: str) -> str:
        if ":" in value:
            raise ValueError("a Basic auth user name cannot hold ':'")
        return value


class DockerizedSolutionsProblem(Problem):
    """``{"credentials": {"user", "password"}, "ignition_key", "trigger_token"}``."""

    credentials: Credentials
    ignition_key: str = Field(min_length=1, max_length=MAX_FIELD_CHARS)
    trigger_token: str = Field(pattern=r"^[A-Za-z0-9._-]{1,128}$")

    @field_validator("ignition_key")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not value.isprintable():
            raise ValueError("holds control characters")
        return value


class DockerizedSolutionsSolution(BaseSolution):
    """``{"secret": "<the right image's output, trimmed>"}``."""

    secret: str


class DockerizedSolutionsSettings(ChallengeSettings):
    """``HACKATTIC_DOCKERIZED_SOLUTIONS_*``."""

    port: int = Field(
        default=0, ge=0, le=65535, description="TCP port of the registry; 0: a free one."
    )
    push_timeout: float = Field(
        default=600.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Seconds to wait for hackattic's answer to the push trigger.",
    )
    max_blob_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="Largest blob (layer) accepted."
    )
    max_total_bytes: int = Field(
        default=2 * 1024 * 1024 * 1024, ge=1024, description="All blobs and manifests together."
    )
    max_manifest_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="Largest manifest."
    )
    max_uploads: int = Field(default=32, ge=1, le=10_000, description="Uploads open at once.")
    max_images: int = Field(default=8, ge=1, le=1000, description="Pushed tags run at most.")
    max_unpacked_bytes: int = Field(
        default=4 * 1024 * 1024 * 1024, ge=1024, description="An image's unpacked size."
    )
    max_files: int = Field(
        default=200_000, ge=10, le=100_000_000, description="An image's entries, all layers."
    )
    run_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Time limit of one image's program.",
    )
    max_output_bytes: int = Field(
        default=64 * 1024, ge=64, le=64 * 1024 * 1024, description="Output kept per image."
    )
    tmp_bytes: int = Field(
        default=64 * 1024 * 1024, ge=4096, description="Size of the tmpfs /tmp an image gets."
    )
    bwrap: str = Field(default="bwrap", min_length=1, description="The bubblewrap executable.")


def url_host(host: str) -> str:
    """``host`` as the authority of a URL (IPv6 in brackets)."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host
    return f"[{address}]" if address.version == 6 else str(address)


def registry_host(public_url: str | None, public_host: str | None, port: int) -> str:
    """What hackattic pushes to: the public URL's host[:port] (a TLS tunnel), else
    ``PUBLIC_HOST:PORT``."""
    if public_url:
        parts = urlsplit(public_url)
        if parts.path not in ("", "/") or not parts.hostname:
            raise ConfigError(
                "HACKATTIC_PUBLIC_URL must be a bare https://host[:port] for a registry "
                "(hackattic pushes to host[:port]/v2/…, no path)"
            )
        return url_host(parts.hostname) + (f":{parts.port}" if parts.port else "")
    if public_host is None:
        raise ConfigError("set HACKATTIC_PUBLIC_HOST or HACKATTIC_PUBLIC_URL")
    return f"{url_host(public_host)}:{port}"


@contextlib.asynccontextmanager
async def opened_store(store: Store) -> AsyncIterator[Store]:
    """Removes the store's folder when the runner closes what the solver kept open."""
    try:
        yield store
    finally:
        store.close()


class _TlsProbeFilter(logging.Filter):
    """Drops uvicorn's warning for a TLS handshake reaching the plain-http registry: clients
    told the registry is insecure (skopeo, docker with insecure-registries) try https first,
    then fall back to http. Harmless, and expected on every sandbox push."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "Invalid HTTP request received."


@contextlib.contextmanager
def quiet_tls_probes() -> Iterator[None]:
    logger, probe_filter = logging.getLogger("uvicorn.error"), _TlsProbeFilter()
    logger.addFilter(probe_filter)
    try:
        yield
    finally:
        logger.removeFilter(probe_filter)


def choose_secret(outcomes: list[tuple[str, Outcome]]) -> str:
    """The output of the one image that is not the decoy (trimmed)."""

    def usable(outcome: Outcome, strict: bool) -> bool:
        if not outcome.text or DECOY in outcome.text:
            return False
        return not strict or (outcome.exit_code == 0 and not outcome.truncated)

    for strict in (True, False):
        found = {o.text for _, o in outcomes if usable(o, strict)}
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            tags = ", ".join(tag for tag, o in outcomes if usable(o, strict))
            raise SolverError(f"more than one image printed something else than the decoy: {tags}")
    summary = "; ".join(f"hack:{tag}: {_describe(o)}" for tag, o in outcomes)
    raise SolverError(f"no image printed a secret ({summary})")


def _describe(outcome: Outcome) -> str:
    if outcome.timed_out:
        return "timed out"
    if outcome.truncated:
        return "too much output"
    if DECOY in outcome.text:
        return "the decoy"
    stderr = outcome.stderr.decode("utf-8", errors="replace").strip()[-200:]
    return f"exit {outcome.exit_code}, printed {len(outcome.text)} chars" + (
        f", stderr {stderr!r}" if stderr else ""
    )


class DockerizedSolutionsChallenge(
    Challenge[DockerizedSolutionsProblem, DockerizedSolutionsSolution, DockerizedSolutionsSettings]
):
    name = "dockerized_solutions"
    title = "Dockerized solutions: a registry hackattic pushes to, the right image run in bwrap"
    problem_model = DockerizedSolutionsProblem
    solution_model = DockerizedSolutionsSolution
    settings_model = DockerizedSolutionsSettings
    emulation_class = "hackattic_dockerized_solutions.emulation:DockerizedSolutionsEmulation"
    serves = True

    async def solve(
        self,
        problem: DockerizedSolutionsProblem,
        context: Context[DockerizedSolutionsSettings],
    ) -> DockerizedSolutionsSolution:
        # Imported here: `hackattic list` must not load Starlette and uvicorn.
        import shutil

        from hackattic_core import serve_asgi

        from .confine import RunLimits
        from .image import ImageError, RunSettings, resolve, run_image
        from .registry import Credentials as RegistryCredentials
        from .registry import Registry
        from .storage import Limits, Store
        from .unpack import UnpackError, UnpackLimits

        settings = context.plugin_settings
        bwrap = shutil.which(settings.bwrap)
        if bwrap is None:
            raise ConfigError(
                f"{settings.bwrap!r} not found: install bubblewrap (Debian: apt-get install "
                "bubblewrap), or set HACKATTIC_DOCKERIZED_SOLUTIONS_BWRAP"
            )
        if context.public_url is None:
            context.require_public_host()
        registry_host(context.public_url, context.public_host, 0)  # refuse a bad URL up front

        def report(event: str) -> None:
            context.progress.update(
                f"registry: {event} — {len(store.blobs)} blobs, {len(store.manifests)} manifests"
            )
            context.logger.info("registry: %s", event)

        limits = Limits(
            max_blob_bytes=settings.max_blob_bytes,
            max_total_bytes=settings.max_total_bytes,
            max_manifest_bytes=settings.max_manifest_bytes,
            max_uploads=settings.max_uploads,
        )
        store = await context.keep_open(opened_store(Store(limits, report)))
        credentials = RegistryCredentials(problem.credentials.user, problem.credentials.password)
        registry = Registry(store, credentials)
        context.resources.enter_context(quiet_tls_probes())
        bound = await context.keep_open(
            serve_asgi(
                registry.app(), context.listen_host, settings.port, name="hackattic-registry"
            )
        )
        host = registry_host(context.public_url, context.public_host, bound.port)
        context.progress.update(
            f"registry listening on {url_host(bound.host)}:{bound.port}; asking hackattic to "
            f"push to {host}"
        )
        logs = await self._trigger(context, problem.trigger_token, host)
        context.logger.info("hackattic's push logs: %s", logs[-4000:])
        tags = list(store.tags)
        context.progress.done(
            f"push done: {len(store.blobs)} blobs, {len(store.manifests)} manifests, tags "
            f"{', '.join(tags) or 'none'}"
            + (
                f" ({registry.unauthorized} unauthenticated requests refused)"
                if registry.unauthorized
                else ""
            )
        )
        if not tags:
            raise SolverError(f"hackattic pushed no tag of 'hack'; its logs end: {logs[-300:]!r}")
        run_settings = RunSettings(
            bwrap=bwrap,
            unpack=UnpackLimits(settings.max_unpacked_bytes, settings.max_files),
            limits=RunLimits(settings.run_seconds, settings.max_output_bytes, settings.tmp_bytes),
        )
        if len(tags) > settings.max_images:
            context.progress.done(
                f"{len(tags)} tags pushed: running the first {settings.max_images} "
                "(HACKATTIC_DOCKERIZED_SOLUTIONS_MAX_IMAGES)"
            )
        outcomes: list[tuple[str, Outcome]] = []
        for tag in tags[: settings.max_images]:
            context.progress.update(f"running hack:{tag} in bwrap")
            try:
                outcome = await run_image(resolve(store, tag), problem.ignition_key, run_settings)
            except (ImageError, UnpackError) as exc:
                context.progress.done(f"hack:{tag}: not run: {exc}")
                continue
            outcomes.append((tag, outcome))
            context.progress.done(f"hack:{tag}: {_describe(outcome)}")
        return DockerizedSolutionsSolution(secret=choose_secret(outcomes))

    async def _trigger(
        self, context: Context[DockerizedSolutionsSettings], token: str, host: str
    ) -> str:
        """``POST /_/push/<token>``: hackattic pushes, then answers ``{"logs": …}``."""
        import httpx

        url = f"{context.settings.base_url}/_/push/{token}"
        try:
            response = await context.http.post(
                url,
                json={"registry_host": host},
                timeout=context.plugin_settings.push_timeout,
            )
        except httpx.HTTPError as exc:
            raise SolverError(f"the push trigger failed: {type(exc).__name__}: {exc}") from None
        text = response.text
        if response.status_code != 200:
            raise SolverError(
                f"the push trigger answered HTTP {response.status_code}: {text[:300]!r}"
            )
        try:
            body = json.loads(text)
        except ValueError:
            return text  # the logs are only shown: a non-JSON answer is kept as it is
        logs = body.get("logs", body) if isinstance(body, dict) else body
        return logs if isinstance(logs, str) else json.dumps(logs)

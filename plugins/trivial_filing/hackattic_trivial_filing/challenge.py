"""The challenge trivial_filing: serve the problem's files read-only over TFTP.

The problem is ``{"files": {"<name>": "<text>", …}}``. The solver serves them
(:mod:`.server`) on ``HACKATTIC_LISTEN_HOST``:``HACKATTIC_TRIVIAL_FILING_PORT`` (UDP) and
answers ``{"tftp_host", "tftp_port"}`` with ``HACKATTIC_PUBLIC_HOST``. hackattic reads each
file while the submit is pending; the runner keeps the server up until the submit's answer
and closes it after, on every path. Texts are served as their UTF-8 bytes.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from hackattic_core import (
    Challenge,
    ChallengeSettings,
    Context,
    CostLimitExceeded,
    Problem,
    Solution,
)

from .server import Event, Limits, TftpServer, serve_tftp

MAX_NAME_CHARS = 255
HARD_MAX_FILES = 100_000


class TrivialFilingProblem(Problem):
    files: dict[str, str] = Field(min_length=1, max_length=HARD_MAX_FILES)

    @field_validator("files")
    @classmethod
    def _names(cls, files: dict[str, str]) -> dict[str, str]:
        for name in files:
            # A name travels in a request as NUL-terminated ASCII: another cannot be asked for.
            if not name or len(name) > MAX_NAME_CHARS:
                raise ValueError(f"a file name of {len(name)} characters (1 to {MAX_NAME_CHARS})")
            if not name.isascii() or not name.isprintable():
                raise ValueError(f"file name {name!r} is not printable ASCII")
        return files


class TrivialFilingSolution(Solution):
    tftp_host: str
    tftp_port: int


class TrivialFilingSettings(ChallengeSettings):
    """``HACKATTIC_TRIVIAL_FILING_*``."""

    port: int = Field(
        default=0, ge=0, le=65535, description="UDP port of the server; 0: a free one."
    )
    transfer_ports: str = Field(
        default="",
        pattern=r"^(\d{1,5}-\d{1,5})?$",
        description="Port range for transfers, e.g. 50000-50100 (to open in a firewall); "
        "empty: any free port.",
    )
    timeout_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        allow_inf_nan=False,
        description="Wait for an ACK before resending.",
    )
    retries: int = Field(
        default=5, ge=0, le=100, description="Resends of a block before giving up."
    )
    max_transfers: int = Field(default=32, ge=1, le=10_000, description="Transfers at once.")
    max_blksize: int = Field(
        default=1468, ge=8, le=65464, description="Largest block size granted (RFC 2348)."
    )
    max_files: int = Field(default=1000, ge=1, le=HARD_MAX_FILES, description="Files per problem.")
    max_total_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1, le=2**31, description="Bytes of all files together."
    )

    @model_validator(mode="after")
    def _range(self) -> TrivialFilingSettings:
        if self.transfer_ports:
            low, high = (int(part) for part in self.transfer_ports.split("-"))
            if not 1 <= low <= high <= 65535:
                raise ValueError("transfer_ports must be LOW-HIGH within 1-65535")
        return self

    def port_range(self) -> tuple[int, int] | None:
        if not self.transfer_ports:
            return None
        low, high = (int(part) for part in self.transfer_ports.split("-"))
        return low, high


class TrivialFilingChallenge(
    Challenge[TrivialFilingProblem, TrivialFilingSolution, TrivialFilingSettings]
):
    name = "trivial_filing"
    title = "Trivial filing: a read-only TFTP server for the given files"
    problem_model = TrivialFilingProblem
    solution_model = TrivialFilingSolution
    settings_model = TrivialFilingSettings
    emulation_class = "hackattic_trivial_filing.emulation:TrivialFilingEmulation"
    serves = True

    def check_cost(self, problem: TrivialFilingProblem, settings: TrivialFilingSettings) -> None:
        if len(problem.files) > settings.max_files:
            raise CostLimitExceeded(
                field="files",
                value=len(problem.files),
                limit=settings.max_files,
                setting="HACKATTIC_TRIVIAL_FILING_MAX_FILES",
            )
        total = sum(len(text.encode()) for text in problem.files.values())
        if total > settings.max_total_bytes:
            raise CostLimitExceeded(
                field="files",
                value=total,
                limit=settings.max_total_bytes,
                setting="HACKATTIC_TRIVIAL_FILING_MAX_TOTAL_BYTES",
            )

    async def solve(
        self, problem: TrivialFilingProblem, context: Context[TrivialFilingSettings]
    ) -> TrivialFilingSolution:
        settings = context.plugin_settings
        host = context.require_public_host()
        files = {name: text.encode() for name, text in problem.files.items()}
        sent: set[str] = set()

        def report(event: Event) -> None:
            if event.kind == "done":
                sent.add(event.filename)
            context.progress.update(
                f"TFTP: {len(sent)}/{len(files)} files sent; {event.kind} "
                f"{event.filename!r} for {event.client}: {event.detail}",
                completed=len(sent),
                total=len(files),
            )
            context.logger.info(
                "%s %r %s: %s", event.kind, event.filename, event.client, event.detail
            )

        limits = Limits(
            timeout=settings.timeout_seconds,
            retries=settings.retries,
            max_transfers=settings.max_transfers,
            max_blksize=settings.max_blksize,
            port_range=settings.port_range(),
        )
        server = TftpServer(files, context.listen_host, limits, report)
        # Said when the runner closes what was kept open: registered before the server,
        # it runs after the server has closed.
        context.resources.callback(
            lambda: context.progress.done(
                f"TFTP server closed: {len(sent)} of {len(files)} files sent "
                f"({server.completed} transfers completed)"
            )
        )
        bound = await context.keep_open(serve_tftp(server, settings.port))
        context.progress.update(f"serving {len(files)} files on {bound.host} UDP port {bound.port}")
        return TrivialFilingSolution(tftp_host=host, tftp_port=bound.port)

"""The offline sandbox's stand-in for trivial_filing: it plays hackattic's side over TFTP.

A problem is a few text files (``files`` of them; one exactly 512·k bytes long so that
its transfer must end with an empty block, one spanning several blocks). On the solve
request the emulation downloads every file from ``tftp_host``:``tftp_port`` with a real
client, in octet mode as hackattic was seen to (``-o mode=netascii`` for the other):
tftp-hpa's ``tftp`` if installed, else tftpy's client (``-o client=`` to choose), and
compares the bytes with the text's UTF-8. Faults probe what a TFTP server must survive:
``duplicate_ack``, ``lost_ack``, ``unknown_file``, ``write_request``, ``traversal``,
``blksize``. It connects only to loopback unless ``allow_remote``.
"""

from __future__ import annotations

import ipaddress
import string
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import Field

from hackattic_core import Emulation, EmulationConditions, Issued

from .client import TftpFailure, download_tftp_hpa, download_tftpy, probe, tftp_hpa

_WORDS = (
    "anchor", "beacon", "cobalt", "drift", "ember", "falcon", "glacier", "harbor", "inlet",
    "juniper", "kestrel", "lantern", "meadow", "nectar", "onyx", "prairie", "quill", "raven",
)  # fmt: skip
_TEXT = string.ascii_letters + string.digits + "     .,"


class TrivialFilingConditions(EmulationConditions):
    """``-o KEY=VALUE`` or ``HACKATTIC_SANDBOX_TRIVIAL_FILING_<KEY>``."""

    files: int = Field(default=4, ge=1, le=100, description="Files in a problem.")
    max_size: int = Field(
        default=4096, ge=600, le=4 * 1024 * 1024, description="Largest file, in bytes."
    )
    client: Literal["auto", "tftp-hpa", "tftpy"] = Field(
        default="auto", description="Client that downloads (auto: tftp-hpa if installed)."
    )
    mode: Literal["octet", "netascii"] = Field(default="octet", description="Transfer mode.")
    timeout: float = Field(
        default=20.0, gt=0, le=600, allow_inf_nan=False, description="Seconds per download."
    )
    allow_remote: bool = Field(
        default=False, description="Download from a tftp_host off loopback (default: refuse)."
    )


@dataclass
class FilesState:
    files: dict[str, bytes]


class TrivialFilingEmulation(Emulation[TrivialFilingConditions, FilesState]):
    conditions_model = TrivialFilingConditions
    faults: ClassVar[dict[str, str]] = {
        "duplicate_ack": "also reads a file acknowledging every block twice",
        "lost_ack": "also reads a file losing the ACK of block 2 (expects it sent again)",
        "unknown_file": "also asks a name that is not served (expects error 1)",
        "write_request": "also sends a write request (expects an error)",
        "traversal": "also asks ../../etc/passwd and /etc/passwd (expects errors)",
        "blksize": "also reads a file with blksize=1024 and tsize (RFC 2348/2349)",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.downloads = 0

    async def new_problem(self) -> Issued[FilesState]:
        rng = self.env.rng
        c: TrivialFilingConditions = self.env.conditions
        sizes = [512 * rng.randint(1, max(1, c.max_size // 512))]  # ends with an empty block
        sizes += [rng.randint(513, c.max_size) for _ in range(min(1, c.files - 1))]
        sizes += [rng.randint(1, c.max_size) for _ in range(c.files - len(sizes))]
        rng.shuffle(sizes)
        files: dict[str, str] = {}
        for index, size in enumerate(sizes):
            name = f"{rng.choice(_WORDS)}_{index}.txt"
            words: list[str] = []
            length = 0
            while length < size:
                line = "".join(rng.choice(_TEXT) for _ in range(rng.randint(10, 70))) + "\n"
                words.append(line)
                length += len(line)
            files[name] = "".join(words)[:size]
        state = FilesState({name: text.encode() for name, text in files.items()})
        return Issued(problem={"files": files}, state=state)

    async def check(self, issued: Issued[FilesState], solution: dict[str, Any]) -> str | None:
        c: TrivialFilingConditions = self.env.conditions
        host, port = solution.get("tftp_host"), solution.get("tftp_port")
        if not isinstance(host, str) or not host:
            return "missing field 'tftp_host' (a string)"
        if type(port) is not int or not 0 < port < 65536:
            return f"tftp_port {port!r} is not a port number"
        if not c.allow_remote and not _is_loopback(host):
            return (
                f"tftp_host {host} is not on loopback: the sandbox connects only to this "
                "machine (-o allow_remote=true to allow it)"
            )
        if host == "localhost":
            host = "127.0.0.1"  # the raw probes speak IPv4
        files = issued.state.files
        for name in sorted(files, key=lambda _: self.env.rng.random()):
            expected = files[name]
            try:
                got = await self._download(host, port, name)
            except TftpFailure as exc:
                return f"reading {name!r}: {exc}"
            self.downloads += 1
            if got != expected:
                return (
                    f"{name!r}: received {len(got)} bytes that differ from the file's "
                    f"{len(expected)} (first difference at byte {_first_difference(got, expected)})"
                )
        return await self._faults(host, port, files)

    async def _download(self, host: str, port: int, name: str) -> bytes:
        c: TrivialFilingConditions = self.env.conditions
        limit = 2 * c.max_size + 1024
        use_hpa = c.client == "tftp-hpa" or (c.client == "auto" and tftp_hpa() is not None)
        if use_hpa or c.mode == "netascii":
            return await download_tftp_hpa(
                host, port, name, mode=c.mode, seconds=c.timeout, max_bytes=limit
            )
        return await download_tftpy(host, port, name, seconds=c.timeout, max_bytes=limit)

    async def _faults(self, host: str, port: int, files: dict[str, bytes]) -> str | None:
        largest = max(files, key=lambda name: len(files[name]))
        wait = min(self.env.conditions.timeout, 8.0)  # for one packet
        content = files[largest]
        if self.env.has_fault("duplicate_ack"):
            try:
                got = await probe(host, port, largest, duplicate_acks=True, seconds=wait)
            except TftpFailure as exc:
                return f"reading {largest!r} with every ACK sent twice: {exc}"
            if got.content != content:
                return f"reading {largest!r} with every ACK sent twice: wrong content"
            if got.blocks >= 3 and got.data_packets >= 2 * got.blocks - 1:
                return (
                    f"every ACK sent twice made the server send {got.data_packets} DATA "
                    f"packets for {got.blocks} blocks (it must ignore duplicate ACKs)"
                )
        if self.env.has_fault("lost_ack"):
            try:
                got = await probe(host, port, largest, lose_ack_of=2, seconds=wait)
            except TftpFailure as exc:
                return f"reading {largest!r} with the ACK of block 2 lost: {exc}"
            if not got.resent_after_lost_ack or got.content != content:
                return f"the server did not send block 2 of {largest!r} again after a lost ACK"
        if self.env.has_fault("blksize"):
            try:
                got = await probe(
                    host, port, largest, options={"blksize": "1024", "tsize": "0"}, seconds=wait
                )
            except TftpFailure as exc:
                return f"reading {largest!r} with blksize=1024: {exc}"
            if got.content != content:
                return f"reading {largest!r} with blksize=1024: wrong content"
            if "tsize" in got.oack and got.oack["tsize"] != str(len(content)):
                return f"tsize {got.oack['tsize']} for {largest!r}, expected {len(content)}"
        refusals: list[tuple[str, bool, set[int] | None]] = []
        if self.env.has_fault("unknown_file"):
            refusals.append(("no-such-file.txt", False, {1}))
        if self.env.has_fault("write_request"):
            refusals.append((largest, True, None))
        if self.env.has_fault("traversal"):
            refusals += [("../../../../etc/passwd", False, {1, 2}), ("/etc/passwd", False, {1, 2})]
        for name, write, codes in refusals:
            what = f"{'writing' if write else 'reading'} {name!r}"
            try:
                await probe(host, port, name, write=write, seconds=wait)
            except TftpFailure as exc:
                if exc.code is None:
                    return f"{what}: expected an ERROR packet, got {exc}"
                if codes is not None and exc.code not in codes:
                    return (
                        f"{what}: error {exc.code}, expected {' or '.join(map(str, sorted(codes)))}"
                    )
                continue
            return f"{what}: the server sent data, expected an error"
        return None

    def stats(self) -> dict[str, Any]:
        return {"downloads": self.downloads}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _first_difference(a: bytes, b: bytes) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )

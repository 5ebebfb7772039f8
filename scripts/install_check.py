"""``make install-check``: the wheels in dist/ work on their own, away from the source tree.

Installs the core's and every plugin's wheel (with pytest, dependencies pinned by uv.lock)
into a fresh virtual environment in a temporary directory, then runs from there, with no
access to this checkout: ``hackattic --version`` (and ``-v``), ``hackattic list`` (every
challenge ok, one line each at 80 columns), ``hackattic run SLUG --sandbox`` for every
challenge (with small sandbox options where a challenge offers them), and ``hackattic new``
whose project is installed editable and passes its own tests. A file left out of a wheel
(a module, a template) fails one of these. Exit 0 when everything passed, 1 otherwise.

    python scripts/install_check.py --dist dist --uv .venv/bin/uv
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Small sandbox options per challenge, so that every run takes a second or two (the
# defaults are realistic: seconds of PBKDF2 and scrypt, 20 s of chit chat). Only the
# options a challenge still declares (hackattic list --json) are passed.
FAST_OPTIONS: dict[str, dict[str, str]] = {
    "websocket_chit_chat": {"rounds": "3"},
    "mini_miner": {"difficulty": "8"},
    "password_hashing": {"rounds": "1000", "scrypt_n": "1024"},
    "hosting_git": {"key_type": "ed25519"},  # not RSA 4096: seconds of key generation
}
# The sandbox's own time scale, for a challenge whose run is mostly waiting.
FAST_TIME_SCALE: dict[str, str] = {"websocket_chit_chat": "0.1"}
SEED = "1"
NEW_SLUG = "install_check_probe"
GENERATED_TESTS = 5
"""The tests ``hackattic new`` writes (its template's)."""
RUN_TIMEOUT = 300.0


class CheckFailed(Exception):
    """One check failed: the message says which and shows what the command printed."""


@dataclass(frozen=True)
class Distribution:
    name: str
    version: str

    @property
    def stem(self) -> str:
        """The file name's prefix of its wheel and sdist: ``hackattic_mini_miner-0.1.0``."""
        return f"{re.sub(r'[-_.]+', '_', self.name).lower()}-{self.version}"


def _pyproject(directory: Path) -> dict[str, Any]:
    return tomllib.loads((directory / "pyproject.toml").read_text(encoding="utf-8"))


def workspace_distributions() -> list[Distribution]:
    """The core and every workspace member, as their pyproject.toml files name them."""
    root = _pyproject(ROOT)
    members: list[str] = root["tool"]["uv"]["workspace"]["members"]
    directories = sorted({d for pattern in members for d in ROOT.glob(pattern) if d.is_dir()})
    found = [Distribution(root["project"]["name"], root["project"]["version"])]
    for directory in directories:
        if (directory / "pyproject.toml").is_file():
            project = _pyproject(directory)["project"]
            found.append(Distribution(project["name"], project["version"]))
    return found


class Checker:
    """Runs each step in the fresh environment and reports it on one line."""

    def __init__(self, workdir: Path, uv: Path) -> None:
        self.workdir = workdir
        self.uv = uv
        self.venv = workdir / "venv"
        self.bin = self.venv / ("Scripts" if os.name == "nt" else "bin")
        # Nothing from this checkout or its .venv: no PYTHONPATH, no settings, no project.
        blocked = ("PYTHON", "HACKATTIC_", "VIRTUAL_ENV", "UV_PROJECT", "CONDA_")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(blocked)}
        self.env["PATH"] = os.pathsep.join([str(self.bin), self.env.get("PATH", "")])
        self.env["VIRTUAL_ENV"] = str(self.venv)

    def run(
        self,
        *args: str | Path,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        expect: int = 0,
    ) -> str:
        command = [str(a) for a in args]
        try:
            done = subprocess.run(
                command,
                cwd=cwd or self.workdir,
                env={**self.env, **(env or {})},
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise CheckFailed(f"{' '.join(command)}: no answer in {RUN_TIMEOUT:.0f} s") from None
        if done.returncode != expect:
            raise CheckFailed(
                f"{' '.join(command)}: exit {done.returncode}, expected {expect}\n"
                f"--- stdout\n{done.stdout}--- stderr\n{done.stderr}"
            )
        return done.stdout

    def hackattic(self, *args: str, **kwargs: Any) -> str:
        return self.run(self.bin / "hackattic", *args, **kwargs)


def ok(message: str) -> None:
    print(f"  ok  {message}", flush=True)


def check_dist(dist: Path, expected: list[Distribution]) -> list[Path]:
    """A wheel and an sdist for every distribution; returns the wheels."""
    wheels = []
    for distribution in expected:
        # Pure Python (py3-none-any), or built for this platform (a C extension).
        found = sorted(dist.glob(f"{distribution.stem}-*.whl"))
        sdist = dist / f"{distribution.stem}.tar.gz"
        if not found:
            raise CheckFailed(f"no wheel of {distribution.name} in {dist}: run make dist")
        if not sdist.is_file():
            raise CheckFailed(f"{sdist} is missing: run make dist")
        wheels.append(found[-1])
    ok(f"{len(wheels)} wheels and sdists in {dist}: {', '.join(d.name for d in expected)}")
    return wheels


def install(checker: Checker, wheels: list[Path]) -> None:
    constraints = checker.workdir / "constraints.txt"
    checker.run(
        checker.uv, "export", "--frozen", "--no-hashes", "--no-emit-workspace",
        "--all-packages", "--all-groups", "--no-header", "--no-annotate",
        "--format", "requirements-txt", "--output-file", constraints, "--quiet",
        cwd=ROOT,
    )  # fmt: skip
    checker.run(checker.uv, "venv", "--quiet", "--python", sys.executable, checker.venv)
    checker.run(
        checker.uv, "pip", "install", "--quiet", "--python", checker.bin / "python",
        "--constraints", constraints, *wheels, "pytest",
    )  # fmt: skip
    where = checker.run(
        checker.bin / "python", "-c", "import hackattic_core; print(hackattic_core.__file__)"
    ).strip()
    if not Path(where).resolve().is_relative_to(checker.venv.resolve()):
        raise CheckFailed(f"hackattic_core was imported from {where}, not from the new venv")
    ok(f"installed the wheels and pytest into a fresh venv ({checker.venv})")


def check_version(checker: Checker, expected: list[Distribution]) -> None:
    core, plugins = expected[0], expected[1:]
    shown = checker.hackattic("--version").strip()
    if shown != f"hackattic {core.version}":
        raise CheckFailed(f"hackattic --version printed {shown!r}, not 'hackattic {core.version}'")
    verbose = checker.hackattic("--version", "-v")
    missing = [p.name for p in plugins if f"{p.name} {p.version}" not in verbose]
    if missing:
        raise CheckFailed(f"hackattic --version -v does not show {missing}:\n{verbose}")
    ok(f"hackattic --version: {shown}; -v shows {len(plugins)} plugins")


def check_list(checker: Checker) -> dict[str, Any]:
    listed = json.loads(checker.hackattic("list", "--json"))
    challenges = {c["slug"]: c for c in listed["challenges"]}
    broken = {slug: c["status"] for slug, c in challenges.items() if c["status"] != "ok"}
    if not challenges or broken:
        raise CheckFailed(f"hackattic list --json: no challenges, or broken ones: {broken}")
    table = checker.hackattic("list", env={"COLUMNS": "80"}).splitlines()
    if len(table) != len(challenges) + 1 or any(len(line) > 80 for line in table):
        raise CheckFailed(
            "hackattic list at 80 columns is not one line per challenge plus a header:\n"
            + "\n".join(table)
        )
    ok(f"hackattic list: {len(challenges)} challenges, all ok, one line each at 80 columns")
    return challenges


def sandbox_arguments(challenge: dict[str, Any]) -> list[str]:
    declared = (challenge.get("sandbox") or {}).get("options", {})
    options = FAST_OPTIONS.get(challenge["slug"], {})
    arguments = ["--seed", SEED]
    if challenge["slug"] in FAST_TIME_SCALE:
        arguments += ["--time-scale", FAST_TIME_SCALE[challenge["slug"]]]
    for key, value in options.items():
        if key in declared:
            arguments += ["-o", f"{key}={value}"]
    return arguments


def check_runs(checker: Checker, challenges: dict[str, Any]) -> None:
    for slug, challenge in sorted(challenges.items()):
        arguments = sandbox_arguments(challenge)
        started = time.monotonic()
        output = checker.hackattic("run", slug, "--sandbox", "--json", *arguments)
        result = json.loads(output)
        if result.get("status") != "passed":
            raise CheckFailed(f"hackattic run {slug} --sandbox did not pass:\n{output}")
        ok(f"hackattic run {slug} --sandbox {' '.join(arguments)}: passed "
           f"in {time.monotonic() - started:.1f} s")  # fmt: skip


def check_new_plugin(checker: Checker) -> None:
    """``hackattic new`` outside a checkout: a standalone project whose tests pass."""
    projects = checker.workdir / "projects"
    projects.mkdir()
    checker.hackattic("new", NEW_SLUG, cwd=projects)
    project = projects / f"hackattic-{NEW_SLUG.replace('_', '-')}"
    pyproject = _pyproject(project)
    if "uv" in pyproject.get("tool", {}):
        raise CheckFailed(f"{project}/pyproject.toml has uv workspace settings")
    checker.run(
        checker.uv, "pip", "install", "--quiet", "--python", checker.bin / "python",
        "--editable", project,
    )  # fmt: skip
    # Only what the venv holds: the installed hackattic, its pytest plugin and pytest.
    tests = checker.run(checker.bin / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        cwd=project)  # fmt: skip
    if f"{GENERATED_TESTS} passed" not in tests:
        raise CheckFailed(f"the generated tests did not pass as generated:\n{tests}")
    listed = json.loads(checker.hackattic("list", "--json"))
    statuses = {c["slug"]: c["status"] for c in listed["challenges"]}
    if statuses.get(NEW_SLUG) != "ok":
        raise CheckFailed(f"hackattic list does not show {NEW_SLUG} as ok: {statuses}")
    result = json.loads(checker.hackattic("run", NEW_SLUG, "--sandbox", "--json"))
    if result.get("status") != "passed":
        raise CheckFailed(f"hackattic run {NEW_SLUG} --sandbox did not pass: {result}")
    ok(
        f"hackattic new {NEW_SLUG}: installed editable, its {GENERATED_TESTS} tests pass, "
        "listed, runs"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="the built files")
    parser.add_argument("--uv", type=Path, default=Path(sys.executable).parent / "uv")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="hackattic-install-check-"))
    print(f"install check in {workdir}", flush=True)
    try:
        checker = Checker(workdir, args.uv.resolve())
        expected = workspace_distributions()
        wheels = check_dist(args.dist.resolve(), expected)
        install(checker, wheels)
        check_version(checker, expected)
        challenges = check_list(checker)
        check_runs(checker, challenges)
        check_new_plugin(checker)
    except CheckFailed as exc:
        print(f"install check FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"install check passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

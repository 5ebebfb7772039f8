"""Finding and loading challenge plugins.

Plugins declare themselves under the ``hackattic`` entry-point group. Entry points are
loaded one at a time, and each plugin's hook is called on its own, so one broken plugin is
recorded (and shown by ``hackattic list``) while every other plugin still works.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, cast

import pluggy

from hackattic_core import hookspecs
from hackattic_core.challenge import Challenge
from hackattic_core.errors import ConfigError, PluginError

ENTRY_POINT_GROUP = "hackattic"
SLUG_PATTERN = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class PluginInfo:
    """One plugin: its entry-point name and the distribution that provides it."""

    name: str
    distribution: str = ""
    version: str = ""


@dataclass(frozen=True)
class ChallengeEntry:
    """A challenge as found: its class, or the error that kept it from loading."""

    slug: str
    plugin: PluginInfo
    challenge: type[Challenge] | None = None
    error: str | None = None

    @property
    def title(self) -> str:
        return self.challenge.title if self.challenge is not None else ""

    @property
    def status(self) -> str:
        return "ok" if self.error is None else f"error: {self.error}"


@dataclass
class Registry:
    """Every challenge found, usable or not."""

    entries: list[ChallengeEntry] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)

    @property
    def challenges(self) -> dict[str, type[Challenge]]:
        """The usable challenges by slug."""
        return {
            e.slug: e.challenge for e in self.entries if e.challenge is not None and not e.error
        }

    def get(self, slug: str) -> type[Challenge]:
        """The challenge for ``slug``, or a :class:`ConfigError` that says why not."""
        matching = [e for e in self.entries if e.slug == slug]
        usable = [e for e in matching if e.error is None and e.challenge is not None]
        if usable:
            return usable[0].challenge  # type: ignore[return-value]
        if matching:
            raise PluginError(f"challenge {slug!r} is unavailable: {matching[0].error}")
        known = ", ".join(sorted(self.challenges)) or "none installed"
        raise ConfigError(
            f"unknown challenge {slug!r}: known challenges are {known} (see: hackattic list)"
        )


def _one_line(exc: BaseException) -> str:
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def _plugin_info(entry_point: EntryPoint) -> PluginInfo:
    dist = entry_point.dist
    return PluginInfo(
        name=entry_point.name,
        distribution=dist.metadata["Name"] if dist is not None else "",
        version=dist.version if dist is not None else "",
    )


def _check_challenge(item: Any) -> str | None:
    """Why ``item`` is not a usable challenge class, or None."""
    if not (isinstance(item, type) and issubclass(item, Challenge)):
        return f"{item!r} is not a Challenge subclass"
    name = getattr(item, "name", None)
    if not isinstance(name, str) or not SLUG_PATTERN.fullmatch(name):
        return (
            f"{item.__qualname__}.name must be a lowercase slug like 'help_me_unpack', got {name!r}"
        )
    for attribute in ("title", "problem_model", "solution_model"):
        if not hasattr(item, attribute):
            return f"{item.__qualname__} has no {attribute}"
    return None


def _collect(pm: pluggy.PluginManager, infos: dict[str, PluginInfo]) -> list[ChallengeEntry]:
    entries: list[ChallengeEntry] = []
    for impl in pm.hook.hackattic_register_challenges.get_hookimpls():
        info = infos.get(impl.plugin_name, PluginInfo(name=impl.plugin_name))
        try:
            returned = list(cast(Iterable[Any], impl.function() or []))
        except Exception as exc:
            entries.append(ChallengeEntry(slug=info.name, plugin=info, error=_one_line(exc)))
            continue
        for item in returned:
            problem = _check_challenge(item)
            slug = getattr(item, "name", None) or info.name
            entries.append(
                ChallengeEntry(
                    slug=str(slug),
                    plugin=info,
                    challenge=item if problem is None else None,
                    error=problem,
                )
            )
    return _mark_duplicates(entries)


def _mark_duplicates(entries: list[ChallengeEntry]) -> list[ChallengeEntry]:
    """Two plugins claiming one slug: both become errors that name each other."""
    by_slug: dict[str, list[ChallengeEntry]] = {}
    for entry in entries:
        if entry.error is None:
            by_slug.setdefault(entry.slug, []).append(entry)
    result = []
    for entry in entries:
        clash = [e for e in by_slug.get(entry.slug, []) if e is not entry]
        if entry.error is None and clash:
            names = ", ".join(
                sorted(f"{e.plugin.distribution or e.plugin.name}" for e in [entry, *clash])
            )
            entry = ChallengeEntry(
                slug=entry.slug,
                plugin=entry.plugin,
                error=f"slug {entry.slug!r} is provided by more than one plugin: {names}; "
                "uninstall one or disable it with HACKATTIC_DISABLE_PLUGINS",
            )
        result.append(entry)
    return result


def load_registry(
    *,
    disabled: Sequence[str] = (),
    extra_plugins: Iterable[tuple[str, object]] = (),
    use_entry_points: bool = True,
) -> Registry:
    """Load every plugin: installed entry points (minus ``disabled``) and ``extra_plugins``."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    infos: dict[str, PluginInfo] = {}
    failed: list[ChallengeEntry] = []
    blocked = set(disabled)
    if use_entry_points:
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            info = _plugin_info(entry_point)
            if entry_point.name in blocked or info.distribution in blocked:
                continue
            try:
                module = entry_point.load()
                pm.register(module, name=entry_point.name)
            except Exception as exc:
                failed.append(
                    ChallengeEntry(slug=entry_point.name, plugin=info, error=_one_line(exc))
                )
                continue
            infos[entry_point.name] = info
    for name, plugin in extra_plugins:
        if name in blocked:
            continue
        try:
            pm.register(plugin, name=name)
        except Exception as exc:
            failed.append(ChallengeEntry(slug=name, plugin=PluginInfo(name), error=_one_line(exc)))
            continue
        infos[name] = PluginInfo(name=name)
    entries = failed + _collect(pm, infos)
    entries.sort(key=lambda e: (e.slug, e.plugin.name))
    return Registry(entries=entries, disabled=sorted(blocked))

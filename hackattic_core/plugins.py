"""Finding and loading challenge plugins.

Plugins declare themselves under the ``hackattic`` entry-point group. Entry points are
loaded one at a time, and each plugin's hook is called on its own, so one broken plugin is
recorded (and shown by ``hackattic list``) while every other plugin still works: one that
raises, calls ``sys.exit`` or registers something that is not a usable challenge.

An entry-point name belongs to one distribution. When several use the same name, the one
named after it (``hackattic-<name>``, as ``hackattic new`` makes them) keeps it and the
others are errors that name it, without being imported; with no such owner, all of them
are errors. Two plugins that register the same slug under different names are errors too.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, cast

import pluggy
from pydantic import BaseModel

from hackattic_core import hookspecs
from hackattic_core.challenge import AnyChallenge, Challenge, Problem, Solution
from hackattic_core.errors import ConfigError, PluginError, describe_exception
from hackattic_core.terminal import shown, visible

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
    challenge: type[AnyChallenge] | None = None
    error: str | None = None

    @property
    def title(self) -> str:
        if self.challenge is None or not isinstance(self.challenge.title, str):
            return ""
        return visible(self.challenge.title, one_line=True)

    @property
    def status(self) -> str:
        return "ok" if self.error is None else f"error: {self.error}"


@dataclass
class Registry:
    """Every challenge found, usable or not."""

    entries: list[ChallengeEntry] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)

    @property
    def challenges(self) -> dict[str, type[AnyChallenge]]:
        """The usable challenges by slug."""
        return {
            e.slug: e.challenge for e in self.entries if e.challenge is not None and not e.error
        }

    def get(self, slug: str) -> type[AnyChallenge]:
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


PLUGIN_FAILURES = (Exception, SystemExit)
"""What a plugin's import or hook may raise without ending ``hackattic`` (Ctrl-C still does)."""


def _one_line(exc: BaseException, info: PluginInfo | None = None) -> str:
    """The failure as shown in ``hackattic list``: one line, token masked, no control
    characters."""
    if isinstance(exc, SystemExit):
        who = info.distribution if info is not None and info.distribution else "the plugin"
        text = f"{who} called sys.exit({exc.code!r})"
    else:
        text = describe_exception(exc)
    return shown(text)


def _plugin_info(entry_point: EntryPoint) -> PluginInfo:
    dist = entry_point.dist
    return PluginInfo(
        name=entry_point.name,
        distribution=visible(str(dist.metadata["Name"] or ""), one_line=True) if dist else "",
        version=visible(str(dist.version or ""), one_line=True) if dist is not None else "",
    )


def _normalized(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _name_owners(points: list[tuple[EntryPoint, PluginInfo]]) -> dict[str, str | None]:
    """For each entry-point name used by more than one distribution, the one that keeps
    it (named ``hackattic-<name>``), or None when no single one is."""
    users: dict[str, set[str]] = defaultdict(set)
    for entry_point, info in points:
        users[entry_point.name].add(info.distribution)
    owners: dict[str, str | None] = {}
    for name, distributions in users.items():
        if len(distributions) > 1:
            expected = _normalized(f"hackattic-{name}")
            named = [d for d in distributions if _normalized(d) == expected]
            owners[name] = named[0] if len(named) == 1 else None
    return owners


def _name_clash(name: str, info: PluginInfo, others: list[str], owner: str | None) -> str:
    if owner is not None:
        return (
            f"entry-point name {name!r} belongs to {owner}; {info.distribution or 'this plugin'}"
            " must register under a name of its own (it was not loaded)"
        )
    return (
        f"entry-point name {name!r} is used by more than one distribution: "
        f"{', '.join(sorted(others))}; none was loaded: uninstall all but one, or disable "
        "the others with HACKATTIC_DISABLE_PLUGINS"
    )


def _is_subclass(value: Any, base: type) -> bool:
    return isinstance(value, type) and issubclass(value, base)


def _check_challenge(item: Any) -> str | None:
    """Why ``item`` is not a usable challenge class, or None."""
    if not _is_subclass(item, Challenge):
        return f"{item!r} is not a Challenge subclass"
    name = getattr(item, "name", None)
    if not isinstance(name, str) or not SLUG_PATTERN.fullmatch(name):
        return (
            f"{item.__qualname__}.name must be a lowercase slug like 'my_challenge', got {name!r}"
        )
    for attribute in ("title", "problem_model", "solution_model"):
        if not hasattr(item, attribute):
            return f"{item.__qualname__} has no {attribute}"
    if not isinstance(item.title, str):
        return f"{item.__qualname__}.title must be a string, got {type(item.title).__name__}"
    for attribute, base in (("problem_model", Problem), ("solution_model", Solution)):
        if not _is_subclass(getattr(item, attribute), base):
            return f"{item.__qualname__}.{attribute} must be a {base.__name__} subclass"
    settings_model = getattr(item, "settings_model", None)
    if settings_model is not None and not _is_subclass(settings_model, BaseModel):
        return f"{item.__qualname__}.settings_model must be a pydantic model class or None"
    return None


def _collect(pm: pluggy.PluginManager, infos: dict[str, PluginInfo]) -> list[ChallengeEntry]:
    entries: list[ChallengeEntry] = []
    for impl in pm.hook.hackattic_register_challenges.get_hookimpls():
        info = infos.get(impl.plugin_name, PluginInfo(name=impl.plugin_name))
        try:
            returned = list(cast(Iterable[Any], impl.function() or []))
        except PLUGIN_FAILURES as exc:
            entries.append(ChallengeEntry(slug=info.name, plugin=info, error=_one_line(exc, info)))
            continue
        for item in returned:
            try:
                problem = _check_challenge(item)
            except PLUGIN_FAILURES as exc:  # a class whose attributes raise when read
                problem = _one_line(exc)
            if problem is not None:
                problem = shown(problem)
            try:
                slug = getattr(item, "name", None)
            except PLUGIN_FAILURES:
                slug = None
            if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
                slug = info.name
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
        points: list[tuple[EntryPoint, PluginInfo]] = []
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            info = _plugin_info(entry_point)
            if entry_point.name not in blocked and info.distribution not in blocked:
                points.append((entry_point, info))
        owners = _name_owners(points)
        for entry_point, info in points:
            name = entry_point.name
            if name in owners and info.distribution != owners[name]:
                others = [i.distribution for p, i in points if p.name == name]
                error = _name_clash(name, info, others, owners[name])
                failed.append(ChallengeEntry(slug=name, plugin=info, error=error))
                continue
            # Keyed by distribution too: pluggy refuses a second plugin of the same name.
            key = f"{info.distribution}:{name}" if info.distribution else name
            try:
                module = entry_point.load()
                pm.register(module, name=key)
            except PLUGIN_FAILURES as exc:
                failed.append(ChallengeEntry(slug=name, plugin=info, error=_one_line(exc, info)))
                continue
            infos[key] = info
    for name, plugin in extra_plugins:
        if name in blocked:
            continue
        try:
            pm.register(plugin, name=name)
        except PLUGIN_FAILURES as exc:
            failed.append(ChallengeEntry(slug=name, plugin=PluginInfo(name), error=_one_line(exc)))
            continue
        infos[name] = PluginInfo(name=name)
    entries = failed + _collect(pm, infos)
    entries.sort(key=lambda e: (e.slug, e.plugin.name))
    return Registry(entries=entries, disabled=sorted(blocked))

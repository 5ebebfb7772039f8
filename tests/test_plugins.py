"""Loading plugins: one broken plugin is recorded, never breaks the others."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint
from importlib.metadata import entry_points as real_entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hackattic_core import plugins as plugins_module
from hackattic_core.challenge import Challenge, Problem, Solution
from hackattic_core.errors import EXIT_CONFIG, ConfigError, PluginError
from hackattic_core.hookspecs import hookimpl
from hackattic_core.plugins import ENTRY_POINT_GROUP, Registry, load_registry

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], ModuleType]:
    """Imports ``tests.plugins.<name>``: the repository root is put on sys.path first, so
    the modules are importable by name (as an entry point needs) whatever the install."""
    monkeypatch.syspath_prepend(str(REPO_ROOT))

    def load(name: str) -> ModuleType:
        return importlib.import_module(f"tests.plugins.{name}")

    return load


def registry_of(sample: Callable[[str], ModuleType], *names: str, **options: Any) -> Registry:
    return load_registry(
        extra_plugins=[(name, sample(name)) for name in names],
        use_entry_points=False,
        **options,
    )


def entry_by_slug(registry: Registry, slug: str) -> plugins_module.ChallengeEntry:
    (entry,) = [e for e in registry.entries if e.slug == slug]
    return entry


# -- extra plugins -------------------------------------------------------------------------


def test_a_good_plugin_provides_its_challenge(sample: Callable[[str], ModuleType]) -> None:
    good = sample("good")
    registry = registry_of(sample, "good")
    assert registry.challenges == {"doubler": good.Doubler}
    entry = entry_by_slug(registry, "doubler")
    assert entry.status == "ok"
    assert entry.error is None
    assert entry.title == "Double a number (test plugin)"
    assert entry.plugin.name == "good"
    assert registry.get("doubler") is good.Doubler


def test_a_plugin_whose_hook_raises_is_recorded_and_the_others_work(
    sample: Callable[[str], ModuleType],
) -> None:
    broken = sample("broken")
    registry = registry_of(sample, "broken", "good")
    entry = entry_by_slug(registry, "broken")
    assert entry.challenge is None
    assert entry.error == f"RuntimeError: {broken.ERROR_TEXT}"
    assert entry.status == f"error: RuntimeError: {broken.ERROR_TEXT}"
    assert entry.title == ""
    assert set(registry.challenges) == {"doubler"}
    assert registry.get("doubler").name == "doubler"
    with pytest.raises(PluginError) as caught:
        registry.get("broken")
    assert "unavailable" in str(caught.value)
    assert broken.ERROR_TEXT in str(caught.value)
    assert caught.value.exit_code == EXIT_CONFIG


def test_two_plugins_with_one_slug_are_both_errors_naming_each_other(
    sample: Callable[[str], ModuleType],
) -> None:
    registry = registry_of(sample, "dup_a", "dup_b", "good")
    duplicates = [e for e in registry.entries if e.slug == "dup_slug"]
    assert {e.plugin.name for e in duplicates} == {"dup_a", "dup_b"}
    for entry in duplicates:
        assert entry.challenge is None
        assert entry.error is not None
        assert "dup_a" in entry.error
        assert "dup_b" in entry.error
        assert "HACKATTIC_DISABLE_PLUGINS" in entry.error
    assert "dup_slug" not in registry.challenges
    assert "doubler" in registry.challenges
    with pytest.raises(PluginError, match=r"more than one plugin: dup_a, dup_b"):
        registry.get("dup_slug")


def test_disabling_one_duplicate_resolves_the_clash(
    sample: Callable[[str], ModuleType],
) -> None:
    dup_a = sample("dup_a")
    registry = registry_of(sample, "dup_a", "dup_b", disabled=["dup_b"])
    assert registry.get("dup_slug") is dup_a.DupA
    assert registry.disabled == ["dup_b"]
    assert {e.plugin.name for e in registry.entries} == {"dup_a"}


def test_disabled_plugins_are_not_loaded(sample: Callable[[str], ModuleType]) -> None:
    registry = registry_of(sample, "good", "broken", disabled=["broken", "zzz", "aaa"])
    assert [e.slug for e in registry.entries] == ["doubler"]
    assert registry.disabled == ["aaa", "broken", "zzz"]


def test_a_plugin_returning_a_non_challenge_is_an_error(
    sample: Callable[[str], ModuleType],
) -> None:
    registry = registry_of(sample, "bad_class", "good")
    entry = entry_by_slug(registry, "not_a_challenge")
    assert entry.challenge is None
    assert entry.error is not None
    assert "is not a Challenge subclass" in entry.error
    assert "NotAChallenge" in entry.error
    assert entry.plugin.name == "bad_class"
    assert set(registry.challenges) == {"doubler"}
    with pytest.raises(PluginError, match="not a Challenge subclass"):
        registry.get("not_a_challenge")


# -- plugins defined inline: every way a hook can go wrong -------------------------------


def make_challenge(**attributes: Any) -> type[Challenge]:
    defaults: dict[str, Any] = {
        "name": "inline",
        "title": "an inline challenge",
        "problem_model": Problem,
        "solution_model": Solution,
    }
    defaults.update(attributes)
    return type("Inline", (Challenge,), {k: v for k, v in defaults.items() if v is not ...})


class ReturnsThis:
    """A plugin object whose hook returns ``value``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    @hookimpl
    def hackattic_register_challenges(self) -> Any:
        return self.value


def inline_registry(**plugins: Any) -> Registry:
    return load_registry(
        extra_plugins=[(name, ReturnsThis(value)) for name, value in plugins.items()],
        use_entry_points=False,
    )


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"name": "Bad-Slug"}, "must be a lowercase slug"),
        ({"name": "has space"}, "must be a lowercase slug"),
        ({"name": "trailing\n"}, "must be a lowercase slug"),
        ({"name": ""}, "must be a lowercase slug"),
        ({"name": 42}, "must be a lowercase slug"),
        ({"title": ...}, "has no title"),
        ({"problem_model": ...}, "has no problem_model"),
        ({"solution_model": ...}, "has no solution_model"),
    ],
)
def test_an_incomplete_challenge_class_is_an_error(
    attributes: dict[str, Any], expected: str
) -> None:
    challenge = make_challenge(**attributes)
    registry = inline_registry(incomplete=[challenge], fine=[make_challenge(name="fine")])
    (entry,) = [e for e in registry.entries if e.plugin.name == "incomplete"]
    assert entry.challenge is None
    assert entry.error is not None
    assert expected in entry.error
    assert set(registry.challenges) == {"fine"}


def test_a_challenge_without_a_name_is_listed_under_its_plugin() -> None:
    registry = inline_registry(nameless=[make_challenge(name=...)])
    (entry,) = registry.entries
    assert entry.slug == "nameless"
    assert entry.error is not None
    assert "lowercase slug" in entry.error


@pytest.mark.parametrize("value", [None, []])
def test_a_plugin_may_provide_nothing(value: Any) -> None:
    registry = inline_registry(empty=value, fine=[make_challenge(name="fine")])
    assert [e.slug for e in registry.entries] == ["fine"]


def test_a_hook_returning_a_non_iterable_is_an_error() -> None:
    registry = inline_registry(careless=make_challenge(name="careless_one"))
    (entry,) = registry.entries
    assert entry.slug == "careless"
    assert entry.error is not None
    assert entry.error.startswith("TypeError")


def test_a_plugin_that_pluggy_refuses_is_recorded() -> None:
    class WrongSignature:
        @hookimpl
        def hackattic_register_challenges(self, unexpected_argument: Any) -> Any:
            return []

    registry = load_registry(
        extra_plugins=[("wrong", WrongSignature()), ("fine", ReturnsThis([make_challenge()]))],
        use_entry_points=False,
    )
    entry = entry_by_slug(registry, "wrong")
    assert entry.challenge is None
    assert entry.error is not None
    assert "unexpected_argument" in entry.error
    assert set(registry.challenges) == {"inline"}


def test_one_plugin_may_provide_several_challenges() -> None:
    first, second = make_challenge(name="zeta"), make_challenge(name="alpha")
    registry = inline_registry(pair=[first, second])
    assert registry.challenges == {"zeta": first, "alpha": second}
    # Listed by slug.
    assert [e.slug for e in registry.entries] == ["alpha", "zeta"]


# -- Registry.get --------------------------------------------------------------------------


def test_an_unknown_slug_lists_the_known_ones(sample: Callable[[str], ModuleType]) -> None:
    registry = registry_of(sample, "good", "broken", "dup_a")
    with pytest.raises(ConfigError) as caught:
        registry.get("nope")
    assert type(caught.value) is ConfigError
    message = str(caught.value)
    assert "unknown challenge 'nope'" in message
    assert "doubler, dup_slug" in message
    assert "broken" not in message  # only usable challenges are offered
    assert "hackattic list" in message
    assert caught.value.exit_code == EXIT_CONFIG


def test_an_unknown_slug_with_nothing_installed() -> None:
    with pytest.raises(ConfigError, match="none installed"):
        Registry().get("anything")


# -- entry points --------------------------------------------------------------------------


def fake_entry_points(monkeypatch: pytest.MonkeyPatch, points: list[Any]) -> list[dict[str, Any]]:
    """Makes ``load_registry`` see ``points`` as the installed entry points."""
    calls: list[dict[str, Any]] = []

    def entry_points(**kwargs: Any) -> list[Any]:
        calls.append(kwargs)
        return [p for p in points if kwargs.get("group") in (None, getattr(p, "group", None))]

    monkeypatch.setattr(plugins_module, "entry_points", entry_points)
    return calls


def test_an_entry_point_that_fails_to_import_is_recorded(
    monkeypatch: pytest.MonkeyPatch, sample: Callable[[str], ModuleType]
) -> None:
    good = sample("good")
    calls = fake_entry_points(
        monkeypatch,
        [
            EntryPoint("ghost", "nonexistent_module_xyz:thing", ENTRY_POINT_GROUP),
            EntryPoint("good", "tests.plugins.good", ENTRY_POINT_GROUP),
            EntryPoint("no_attr", "tests.plugins.good:no_such_attribute", ENTRY_POINT_GROUP),
            EntryPoint("broken", "tests.plugins.broken", ENTRY_POINT_GROUP),
        ],
    )
    registry = load_registry()
    assert calls == [{"group": ENTRY_POINT_GROUP}]

    ghost = entry_by_slug(registry, "ghost")
    assert ghost.challenge is None
    assert ghost.error == "ModuleNotFoundError: No module named 'nonexistent_module_xyz'"
    assert ghost.plugin.name == "ghost"

    no_attr = entry_by_slug(registry, "no_attr")
    assert no_attr.error is not None
    assert no_attr.error.startswith("AttributeError")

    broken = entry_by_slug(registry, "broken")
    assert broken.error is not None
    assert "broken plugin exploded" in broken.error

    assert registry.challenges == {"doubler": good.Doubler}
    assert entry_by_slug(registry, "doubler").plugin.name == "good"
    with pytest.raises(PluginError, match="nonexistent_module_xyz"):
        registry.get("ghost")


def test_entry_points_and_extra_plugins_combine(
    monkeypatch: pytest.MonkeyPatch, sample: Callable[[str], ModuleType]
) -> None:
    fake_entry_points(monkeypatch, [EntryPoint("dup_a", "tests.plugins.dup_a", "hackattic")])
    registry = load_registry(extra_plugins=[("dup_b", sample("dup_b"))])
    with pytest.raises(PluginError, match="dup_a, dup_b"):
        registry.get("dup_slug")


def test_use_entry_points_false_does_not_look_them_up(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_entry_points(monkeypatch, [])
    load_registry(use_entry_points=False)
    assert calls == []


@dataclass
class FakeDistribution:
    metadata: dict[str, str]
    version: str


@dataclass
class CountingEntryPoint:
    """Duck-types an EntryPoint (name, dist, load) and counts its loads."""

    name: str
    value: str
    dist: FakeDistribution | None = None
    group: str = ENTRY_POINT_GROUP
    loads: list[str] = field(default_factory=list)

    def load(self) -> Any:
        self.loads.append(self.name)
        return EntryPoint(self.name, self.value, self.group).load()


def test_entry_points_are_disabled_by_name_or_distribution_without_loading(
    monkeypatch: pytest.MonkeyPatch, sample: Callable[[str], ModuleType]
) -> None:
    sample("good")
    by_name = CountingEntryPoint("ghost", "nonexistent_module_xyz")
    by_dist = CountingEntryPoint(
        "broken", "tests.plugins.broken", FakeDistribution({"Name": "hackattic-broken"}, "9.9")
    )
    kept = CountingEntryPoint(
        "good", "tests.plugins.good", FakeDistribution({"Name": "hackattic-good"}, "1.2.3")
    )
    fake_entry_points(monkeypatch, [by_name, by_dist, kept])
    registry = load_registry(disabled=["ghost", "hackattic-broken"])
    assert by_name.loads == []
    assert by_dist.loads == []
    assert kept.loads == ["good"]
    (entry,) = registry.entries
    assert entry.slug == "doubler"
    assert entry.plugin.distribution == "hackattic-good"
    assert entry.plugin.version == "1.2.3"
    assert registry.disabled == ["ghost", "hackattic-broken"]


def test_the_installed_entry_points_each_give_an_entry() -> None:
    """Whatever is installed (do not depend on a particular plugin): each installed entry
    point shows up, usable or with its error, and nothing is both."""
    installed = list(real_entry_points(group=ENTRY_POINT_GROUP))
    registry = load_registry()
    for entry in registry.entries:
        assert (entry.challenge is None) != (entry.error is None), entry
    for point in installed:
        mine = [e for e in registry.entries if e.plugin.name == point.name]
        assert mine, f"entry point {point.name} is missing from the registry"
        if point.dist is not None:
            assert all(e.plugin.distribution == point.dist.metadata["Name"] for e in mine)
    names = [e.plugin.name for e in registry.entries]
    assert set(names) <= {p.name for p in installed}


def test_an_installed_distribution_is_found_by_its_entry_point(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A distribution installed as pip installs one (a dist-info on sys.path, its entry
    point in the ``hackattic`` group): found, loaded, and named with its version."""
    site = tmp_path / "site"
    info = site / "hackattic_doubler-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hackattic-doubler\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[hackattic]\ndoubler = tests.plugins.good\n")
    monkeypatch.syspath_prepend(str(REPO_ROOT))
    monkeypatch.syspath_prepend(str(site))
    installed = {p.name for p in real_entry_points(group=ENTRY_POINT_GROUP)}
    assert "doubler" in installed

    registry = load_registry(disabled=sorted(installed - {"doubler"}))
    (entry,) = registry.entries
    assert (entry.slug, entry.status) == ("doubler", "ok")
    assert entry.plugin.name == "doubler"
    assert (entry.plugin.distribution, entry.plugin.version) == ("hackattic-doubler", "1.0")
    assert registry.get("doubler").title == "Double a number (test plugin)"


def test_the_registry_can_be_disabled_wholesale() -> None:
    installed = [p.name for p in real_entry_points(group=ENTRY_POINT_GROUP)]
    registry = load_registry(disabled=installed)
    assert registry.entries == []
    assert registry.challenges == {}


# -- plugins that misbehave (issue 14) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"title": 42}, "Inline.title must be a string, got int"),
        ({"problem_model": dict}, "Inline.problem_model must be a Problem subclass"),
        ({"problem_model": Solution}, "Inline.problem_model must be a Problem subclass"),
        ({"solution_model": "x"}, "Inline.solution_model must be a Solution subclass"),
        ({"settings_model": 3}, "Inline.settings_model must be a pydantic model class or None"),
    ],
)
def test_a_challenge_with_attributes_of_the_wrong_kind_is_an_error(
    attributes: dict[str, Any], expected: str
) -> None:
    registry = inline_registry(wrong=[make_challenge(**attributes)])
    (entry,) = registry.entries
    assert entry.error == expected
    with pytest.raises(PluginError, match="is unavailable"):
        registry.get("inline")


class ExitsInHook:
    @hookimpl
    def hackattic_register_challenges(self) -> Any:
        raise SystemExit(3)


def test_a_hook_that_calls_sys_exit_is_an_error_and_the_others_load() -> None:
    registry = load_registry(
        extra_plugins=[("exits", ExitsInHook()), ("fine", ReturnsThis([make_challenge()]))],
        use_entry_points=False,
    )
    assert entry_by_slug(registry, "exits").error == "the plugin called sys.exit(3)"
    assert set(registry.challenges) == {"inline"}


def test_an_import_that_calls_sys_exit_is_an_error_naming_the_distribution(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "exits_on_import.py").write_text("import sys\nsys.exit(5)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    point = CountingEntryPoint(
        "exits", "exits_on_import", FakeDistribution({"Name": "hackattic-exits"}, "0.1")
    )
    fake_entry_points(monkeypatch, [point])
    (entry,) = load_registry().entries
    assert entry.error == "hackattic-exits called sys.exit(5)"


def test_a_plugins_error_text_is_masked_and_made_visible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hackattic_core.redaction import register_secret

    register_secret("tok-PLUGIN-LEAK-777")

    class Leaks:
        @hookimpl
        def hackattic_register_challenges(self) -> Any:
            raise RuntimeError("tok-PLUGIN-LEAK-777 \x1b[2J")

    registry = load_registry(extra_plugins=[("leaks", Leaks())], use_entry_points=False)
    (entry,) = registry.entries
    assert entry.error == "RuntimeError: *** \\x1b[2J"


def doubler_points(*distributions: str) -> list[CountingEntryPoint]:
    """An entry point named ``doubler`` per distribution, each loading ``good``."""
    return [
        CountingEntryPoint("doubler", "tests.plugins.good", FakeDistribution({"Name": d}, "1"))
        for d in distributions
    ]


def test_an_entry_point_name_stays_with_the_distribution_named_after_it(
    monkeypatch: pytest.MonkeyPatch, sample: Callable[[str], ModuleType]
) -> None:
    sample("good")
    impostor, real = doubler_points("impostor", "hackattic-doubler")
    fake_entry_points(monkeypatch, [impostor, real])
    registry = load_registry()
    assert impostor.loads == []  # never imported
    assert real.loads == ["doubler"]
    (refused,) = [e for e in registry.entries if e.plugin.distribution == "impostor"]
    assert refused.error is not None
    assert refused.error.startswith(
        "entry-point name 'doubler' belongs to hackattic-doubler; "
        "impostor must register under a name of its own"
    )
    (kept,) = [e for e in registry.entries if e.plugin.distribution != "impostor"]
    assert kept.status == "ok"


def test_an_entry_point_name_with_no_owner_is_refused_for_all(
    monkeypatch: pytest.MonkeyPatch, sample: Callable[[str], ModuleType]
) -> None:
    sample("good")
    points = doubler_points("one", "two")
    fake_entry_points(monkeypatch, points)
    registry = load_registry()
    assert [p.loads for p in points] == [[], []]
    assert len(registry.entries) == 2
    for entry in registry.entries:
        assert entry.error is not None
        assert "is used by more than one distribution: one, two" in entry.error

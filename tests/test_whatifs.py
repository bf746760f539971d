"""Every shipped what-if and batch option does what its ``[intent]`` says (issue 24).

Each file (and batch option) declares the levers it moves and which way. Three checks hold it
to that: the levers it changes are exactly the declared ones (so a new change cannot slip in
unexplained), each moves the declared way against its base (2,175 beds on a 2,200 baseline is
"down", not the "up" a winter plan means), and each, applied alone to its base, changes some
KPI on a short small run with the same seed (a key the model does not read, such as
``acute.other_support_wait_days`` with discharge to assess on, changes nothing).
"""

from __future__ import annotations

import functools
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from helpers import small_scenario

from sim.experiment.batch import _read_spec, expand
from sim.experiment.task import run_replication
from sim.scenario import Scenario, load_scenario
from sim.scenario.fields import flatten
from sim.scenario.relative import read_intent
from sim.scenario.scale import CAPACITY_KEYS

SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"
BATCHES = sorted((SCENARIOS / "batches").glob("*.toml"))
# a short small run: enough for any lever the model reads to change some KPI
SHORT = ["run.warmup_days=14", "run.measurement_days=42"]
SCALE = 0.05
SEED = 7
NOT_LEVERS = ("name", "description", "run.", "targets", "schedules")


def _what_ifs() -> list[tuple[str, Path, Path, list[str], dict[str, str]]]:
    """(id, base file, what-if file, its overrides, intent) for every shipped what-if file
    (against the file it extends) and batch option (against the batch's base)."""
    out = []
    for path in sorted(SCENARIOS.glob("*.toml")):
        if path.name != "baseline.toml":
            parent = path.parent / tomllib.loads(path.read_text())["extends"]
            out.append((path.stem, parent, path, [], read_intent(path)))
    for path in BATCHES:
        spec = _read_spec(path, str(path))
        base = path.parent / spec.base
        intents = {option.name: dict(option.intent) for option in spec.scenarios}
        for name, _description, sets in expand(spec):  # the overrides as the batch applies them
            if name in intents:  # an option (sweep points are levels, not changes)
                out.append((f"{path.stem}.{name}", base, base, sets, intents[name]))
    return out


WHAT_IFS = _what_ifs()
CHANGES = WHAT_IFS


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def _loaded(base: Path, path: Path, sets: list[str]) -> tuple[Scenario, Scenario]:
    return load_scenario(base), load_scenario(path, sets)


def _value(scenario: Scenario, key: str) -> Any:
    if key in scenario.schedules:  # the level the plan reaches
        levels = scenario.schedules[key]
        return levels[max(levels)]
    node: Any = scenario
    for part in key.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def _size(value: Any) -> float:
    """A number to compare: a list (rota, profile) or a table of numbers by its sum."""
    if isinstance(value, dict):
        return sum(_size(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(_size(v) for v in value)
    return float(value)


def _changed(base: Scenario, what_if: Scenario) -> set[str]:
    """Dotted keys whose values differ (levers only: not the run window, names or targets)."""
    a = dict(flatten(base.model_dump(mode="json")))
    b = dict(flatten(what_if.model_dump(mode="json")))
    keys = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)
            and not k.startswith(NOT_LEVERS)}
    return keys | {k for k in base.schedules.keys() | what_if.schedules.keys()
                   if base.schedules.get(k) != what_if.schedules.get(k)}


def _covered(key: str, levers: set[str]) -> bool:
    return any(key == lever or key.startswith(lever + ".") for lever in levers)


@pytest.mark.parametrize(("wid", "base_file", "path", "sets", "intent"), CHANGES,
                         ids=[w[0] for w in CHANGES])
def test_every_change_is_declared_and_goes_the_declared_way(wid, base_file, path, sets,
                                                            intent) -> None:
    base, what_if = _loaded(base_file, path, sets)
    changed = _changed(base, what_if)
    if wid.endswith("do_nothing"):
        assert changed == set() and intent == {}
        return
    assert intent, f"{wid}: declare its [intent] (lever = \"up\" / \"down\")"
    levers = set(intent)
    undeclared = sorted(k for k in changed if not _covered(k, levers))
    assert undeclared == [], f"{wid}: changes not in its [intent]: {undeclared}"
    unchanged = sorted(k for k in levers if not any(_covered(c, {k}) for c in changed))
    assert unchanged == [], f"{wid}: [intent] names levers it does not change: {unchanged}"
    for key, direction in intent.items():
        before, after = _size(_value(base, key)), _size(_value(what_if, key))
        moved = "up" if after > before else "down"
        assert moved == direction, (f"{wid}: {key} goes {moved} ({before:g} -> {after:g}) but "
                                    f"its intent says {direction}")


def _scaled_change(key: str, before: Any, after: Any, base_small: Scenario) -> str:
    """The change ``before -> after`` as a --set on the small run: a capacity moves by the
    scaled difference (at least one whole unit, so that scaling cannot round it away); any
    other lever (a rate, a length of stay) takes its value as it is."""
    if key not in CAPACITY_KEYS or not isinstance(after, int | float):
        return f"{key}={_toml(after)}"
    small = _value(base_small, key)
    step = (after - before) * SCALE
    if isinstance(small, int):
        step = round(step) or int(math.copysign(1, step))
        return f"{key}={max(0, small + step)}"
    return f"{key}={small + step:.6g}"


@functools.cache
def _small_kpis(path: Path, sets: tuple[str, ...]) -> dict[str, float]:
    return run_replication(_small(path, sets), SEED, 0).kpis


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


EACH_LEVER = [(wid, base_file, path, sets, key) for wid, base_file, path, sets, intent in CHANGES
              for key in intent]


@pytest.mark.parametrize(("wid", "base_file", "path", "sets", "key"), EACH_LEVER,
                         ids=[f"{w[0]}:{w[4]}" for w in EACH_LEVER])
def test_every_declared_change_has_an_effect_on_a_short_run(wid, base_file, path, sets,
                                                            key) -> None:
    """Each lever alone, on its base (the file it extends, or the batch's base with the
    option's other overrides left out), must change some KPI: an inert key changes none."""
    base, what_if = _loaded(base_file, path, sets)
    change = _scaled_change(key, _value(base, key), _value(what_if, key), _small(base_file))
    assert _has_effect(base_file, change), f"{wid}: {change} changes no KPI on a short run"


def _small(base_file: Path, sets: tuple[str, ...] = ()) -> Scenario:
    return small_scenario(SCALE, None, scaled=[*SHORT, *sets], file=base_file)


def _has_effect(base_file: Path, change: str) -> bool:
    """Whether ``change`` on the small short run of ``base_file`` moves any KPI (same seed)."""
    small = small_scenario(SCALE, None, change, scaled=SHORT, file=base_file)
    return not _same(_small_kpis(base_file, ()), run_replication(small, SEED, 0).kpis)


def test_the_checks_catch_the_mistakes_issue_24_found() -> None:
    """The checks can fail: the old winter options (2,175 beds on a base of 2,200, an absolute
    count 25 under its base; a discharge key that discharge to assess does not read) are
    caught. The count is taken from the base, so a recalibrated baseline keeps it under."""
    winter = SCENARIOS / "winter_surge.toml"
    beds = load_scenario(winter).acute.beds
    base, old = _loaded(winter, winter, [f"acute.beds={beds - 25}"])
    assert _size(_value(old, "acute.beds")) < _size(_value(base, "acute.beds"))
    assert not _has_effect(winter, "acute.other_support_wait_days.mean=9.6")
    assert _has_effect(winter, "d2a.enabled=false")  # ... whereas the switch it waits on acts


def test_the_shipped_winter_options_do_what_the_issue_asked() -> None:
    """Issue 24's cases by value: escalation adds beds, UCR gets 3 more a shift, the
    discharge option moves what discharge to assess reads, the surge lengthens stays and
    admits more of the same attendances (a hard winter as England's: sicker, not more)."""
    winter = load_scenario(SCENARIOS / "winter_surge.toml")
    base = load_scenario(BASELINE)
    assert winter.acute.emergency_los_days.mean == pytest.approx(
        base.acute.emergency_los_days.mean * 1.05)
    assert winter.ed.admission_share == pytest.approx(base.ed.admission_share * 1.04)
    assert winter.ed.attendances_per_1000_per_year == base.ed.attendances_per_1000_per_year
    options = {w[0].rpartition(".")[2]: w for w in WHAT_IFS if w[0].startswith("winter_planning")}
    _, _, path, sets, _ = options["escalation_beds"]
    assert load_scenario(path, sets).acute.beds == winter.acute.beds + 95
    _, _, path, sets, _ = options["ucr_plus_3"]
    assert load_scenario(path, sets).ucr.clinicians_per_shift == base.ucr.clinicians_per_shift + 3
    _, _, path, sets, _ = options["discharge_to_assess"]
    assert not any("other_support_wait_days" in s for s in sets)
    found: list = []
    load_scenario(path, sets, warnings=found)
    assert found == []

"""Every shipped scenario is valid, explained, and built on the baseline."""

from __future__ import annotations

import tomllib

import pytest
from conftest import ROOT

from sim.scenario import Scenario, load_scenario
from sim.scenario.fields import capacity_keys, flatten
from sim.scenario.scale import CAPACITY_KEYS, scale_overrides

FILES = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_scenario_validates_and_explains_itself(path) -> None:
    sc = load_scenario(path)
    assert len(sc.description) > 80, "say why this scenario exists"
    if path.name != "baseline.toml":
        assert tomllib.loads(path.read_text())["extends"] == "baseline.toml"
        assert sc.name == path.stem


def test_at_least_five_what_ifs() -> None:
    assert len([p for p in FILES if p.name != "baseline.toml"]) >= 5


def test_baseline_values_carry_a_source_tag() -> None:
    """Every value line in the baseline says where it comes from ([V], [V2], [D] or [E])."""
    untagged = []
    lines = (ROOT / "scenarios" / "baseline.toml").read_text().splitlines()
    for n, line in enumerate(lines, 1):
        code = line.split("#")[0].strip()
        if "=" in code and not code.startswith(("[", "id", "kpi", "op", "source", "name",
                                                "enabled", "description", "deadline",
                                                "threshold", "currency", "price_year",
                                                "order", "acute_first", "out_of_hours")):
            comments_above = []
            for prev in reversed(lines[: n - 1]):
                if not prev.strip().startswith("#"):
                    break
                comments_above.append(prev)
            tagged = any(t in text for text in (line, *comments_above)
                         for t in ("[V]", "[V2]", "[D]", "[E]"))
            continued = code.endswith(("[", ",")) or not code.split("=", 1)[1].strip()
            if not tagged and not continued:
                untagged.append(f"{n}: {line.strip()}")
    assert untagged == []


def _at(dump: dict, key: str):
    for part in key.split("."):
        dump = dump[part]
    return dump


def _halved(value, base) -> bool:
    """``value`` is ``base`` x 0.5: whole numbers to the nearest (a positive one at least 1),
    others to six significant figures; lists element by element."""
    if isinstance(base, list):
        return len(value) == len(base) and all(map(_halved, value, base))
    if isinstance(base, int):
        return value == (max(1, round(base * 0.5)) if base > 0 else 0)
    return value == pytest.approx(base * 0.5, rel=1e-5)


def test_scaling_covers_every_capacity_and_nothing_else() -> None:
    """Every field tagged capacity in the schema is halved at --scale 0.5; besides them only
    the population and the number of acute wards (and their outlier limit) change."""
    keys = capacity_keys(Scenario)
    assert len(keys) == len(set(keys)) and set(keys) == set(CAPACITY_KEYS)
    on = ["ed.corridor_spaces_by_level=[10, 20, 40, 60]"]  # off (empty) in the baseline
    base = load_scenario(ROOT / "scenarios" / "baseline.toml", on)
    half = load_scenario(ROOT / "scenarios" / "baseline.toml", [*on, *scale_overrides(base, 0.5)])
    b, h = base.model_dump(mode="json"), half.model_dump(mode="json")
    for key in keys:
        assert _at(b, key), f"{key} is 0 in the baseline: halving it proves nothing"
        assert _halved(_at(h, key), _at(b, key)), (key, _at(b, key), _at(h, key))
    assert half.population.size == base.population.size // 2
    assert half.acute.wards == round(base.acute.wards * 0.5)
    moved = {k for k, v in flatten(h) if _at(b, k) != v}
    assert moved == {*keys, "population.size", "acute.wards", "acute.outlying_max_patients"}

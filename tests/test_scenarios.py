"""Every shipped scenario is valid, explained, and built on the baseline."""

from __future__ import annotations

import tomllib

import pytest
from conftest import ROOT

from sim.scenario import load_scenario
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


def test_scaling_covers_every_capacity() -> None:
    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    half = load_scenario(ROOT / "scenarios" / "baseline.toml", scale_overrides(base, 0.5))
    assert half.population.size == base.population.size // 2
    assert half.acute.beds == base.acute.beds // 2
    assert len(CAPACITY_KEYS) == len(set(CAPACITY_KEYS))

"""Levers users rely on keep working: stable --set keys, renamed keys, capacity tags, and the
baseline shipped inside the package."""

from __future__ import annotations

import re
import zipfile

import pytest
from conftest import BASELINE, ROOT

from sim.scenario import baseline_path, load_scenario
from sim.scenario.fields import capacity_keys, iter_fields, lever_keys
from sim.scenario.scale import CAPACITY_KEYS
from sim.scenario.schema import RENAMED_KEYS, Scenario

# The README's levers table as users have it in their scenario files (never remove a key:
# rename it through RENAMED_KEYS instead).
STABLE_KEYS = {
    "population.size": 1_000_000,
    "demand.growth_pct_per_year": 2.0,
    "primary_care.gp_slots_per_weekday": [1, 2, 3, 4, 5, 6, 7],
    "ucr.clinicians_per_shift": 11,
    "reablement.packages": 400,
    "virtual_ward.beds": 480,
    "virtual_ward.accept_below_pct": 90.0,
    "ed.clinicians_per_shift": 64,
    "ed.handover_staff": 9,
    "acute.beds": 2140,
    "acute.elective_ring_fenced_beds": 300,
    "elective.theatre_sessions_per_week": 280,
    "elective.outpatient_slots_per_week": 7500,
    "elective.diagnostic_slots_per_week": 3000,
}


@pytest.mark.parametrize("key", list(STABLE_KEYS))
def test_stable_set_keys_still_work(key: str) -> None:
    value = STABLE_KEYS[key]
    text = str(value).replace("'", '"')
    sc = load_scenario(BASELINE, [f"{key}={text}"])
    node = sc
    for part in key.split("."):
        node = getattr(node, part)
    assert node == value
    assert key in lever_keys(Scenario), "a stable key left the README's levers table"


@pytest.mark.parametrize("old", list(RENAMED_KEYS))
def test_renamed_keys_are_still_accepted(old: str, tmp_path) -> None:
    new = RENAMED_KEYS[old]
    by_set = load_scenario(BASELINE, [f"{old}=0.07"]) if "share" in old else None
    if by_set is not None:
        section, key = new.split(".")
        assert getattr(getattr(by_set, section), key) == 0.07
    section, key = old.split(".")
    child = tmp_path / "old.toml"
    value = "0.07" if "share" in old else '{ dist = "fixed", mean = 2.0 }'
    child.write_text(f'extends = "{BASELINE}"\n[{section}]\n{key} = {value}\n')
    sc = load_scenario(child)
    new_section, new_key = new.split(".")
    got = getattr(getattr(sc, new_section), new_key)
    assert (got == 0.07) if "share" in old else (got.mean == 2.0)


def test_every_capacity_is_tagged() -> None:
    """A whole-number field that counts beds, staff, packages, slots or sessions is capacity:
    it must carry the tag so --scale, --capacity-factor and costs see it."""
    looks_like = re.compile(r"(beds|clinicians|staff|packages|slots|sessions)(_per_\w+)?$")
    untagged = [k for k, _ in iter_fields(Scenario)
                if looks_like.search(k.split(".")[-1]) and k not in CAPACITY_KEYS
                and not k.startswith(("costs.", "targets."))]
    assert untagged == []
    assert set(CAPACITY_KEYS) == set(capacity_keys(Scenario))
    assert "acute.beds" in CAPACITY_KEYS and "population.size" not in CAPACITY_KEYS


def test_the_baseline_is_package_data() -> None:
    assert baseline_path().read_text() == (ROOT / "scenarios" / "baseline.toml").read_text()
    assert load_scenario(baseline_path()).name == "baseline"


@pytest.mark.slow
def test_a_built_wheel_carries_the_baseline(tmp_path) -> None:
    """setuptools copies the link's target into the wheel, so an installed package has it."""
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("ics_sim-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        text = z.read("sim/scenario/baseline.toml").decode()
    assert text == (ROOT / "scenarios" / "baseline.toml").read_text()

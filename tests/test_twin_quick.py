"""Quick tier: the salabim twin runs on a small configuration and reports what the SimPy model
reports. Whether the two agree is tests/test_twin.py (slow: 8 replications at quarter size)."""

from __future__ import annotations

import math

from conftest import BASELINE

from sim.checks.twin import TWIN_KPIS, run_twin
from sim.experiment.runner import run_replications
from sim.scenario import load_scenario
from sim.scenario.scale import scale_overrides


def test_twin_runs_and_reports_the_models_kpis() -> None:
    sets = [*scale_overrides(load_scenario(BASELINE), 0.05),
            "primary_care.enabled=false", "ucr.enabled=false", "virtual_ward.enabled=false",
            "d2a.enabled=false",
            "elective.enabled=false", "run.measurement_days=21",
            "acute.wards=1", "acute.outlying_max_patients=0"]  # the twin models no cap above 0
    scenario = load_scenario(BASELINE, sets)
    twin = run_twin(scenario, 2026, 0)
    simpy = run_replications(scenario, 2026, 1)[0].kpis
    assert set(twin) == set(TWIN_KPIS) and set(TWIN_KPIS) <= set(simpy)
    for k in TWIN_KPIS:
        assert math.isfinite(twin[k]) and twin[k] >= 0, (k, twin[k])
        if k.endswith("_pct"):
            assert twin[k] <= 100, (k, twin[k])
    assert twin["delayed_discharge_bed_days"] > 0 and twin["acute_occupancy_pct"] > 0

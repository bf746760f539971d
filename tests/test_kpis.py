"""KPIs have values where they should, in the window and in every month."""

from __future__ import annotations

import math

import pytest
from conftest import BASELINE

from sim.experiment.task import run_replication
from sim.outputs.kpis import KPIS
from sim.scenario import load_scenario
from sim.scenario.scale import scale_overrides


@pytest.fixture(scope="module")
def result():
    sets = [*scale_overrides(load_scenario(BASELINE), 0.1), "run.warmup_days=20",
            "run.measurement_days=61"]
    return run_replication(load_scenario(BASELINE, sets), 3, 0)


def test_every_kpi_has_a_value_over_the_window(result) -> None:
    missing = [k for k in KPIS if not math.isfinite(result.kpis[k])]
    assert missing == []


def test_month_end_kpis_exist_for_the_last_month(result) -> None:
    """The last month ends when the run ends, where SimPy runs no more events."""
    last = list(result.monthly)[-1]
    assert math.isfinite(result.monthly[last]["rtt_18w_pct"])
    assert math.isfinite(result.monthly[last]["waiting_list_size"])


def test_percentages_are_percentages(result) -> None:
    for k, spec in KPIS.items():
        if spec.unit == "%" and k not in ("waiting_list_change_pct", "elective_activity_pct",
                                           "diagnostic_activity_vs_ref_pct",
                                           "outpatient_followups_vs_ref_pct"):
            assert 0 <= result.kpis[k] <= 100, k

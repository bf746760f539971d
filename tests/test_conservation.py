"""Every patient who arrives is accounted for: finished, still in a service, or redirected."""

from __future__ import annotations

import math

import pytest
from conftest import BASELINE

from sim.experiment.task import run_replication
from sim.model.conservation import ConservationError
from sim.model.registry import REGISTRY
from sim.scenario import load_scenario
from sim.scenario.scale import scale_overrides

SHORT = ["run.warmup_days=5", "run.measurement_days=20"]


@pytest.fixture(scope="module")
def small() -> list[str]:
    return [*scale_overrides(load_scenario(BASELINE), 0.1), *SHORT]


@pytest.mark.parametrize("alone", list(REGISTRY))
def test_each_service_alone_balances(small, alone) -> None:
    off = [f"{s}.enabled=false" for s in REGISTRY if s != alone]
    result = run_replication(load_scenario(BASELINE, [*small, *off]), 1, 0)
    row = result.flows[alone]
    assert row["entered"] > 0
    assert row["entered"] == (row["finished"] + row["transferred"] + row["redirected"]
                              + row["in_system"])
    assert row["transferred"] == 0  # nobody to transfer to


def test_whole_system_balances_and_transfers_match(small) -> None:
    flows = run_replication(load_scenario(BASELINE, small), 1, 0).flows
    total = flows["all"]
    assert total["external"] == total["finished"] + total["redirected"] + total["in_system"]
    assert total["transferred"] == total["entered"] - total["external"] > 0


def test_a_lost_patient_stops_the_run(small, monkeypatch) -> None:
    from sim.model.services.virtual_ward import VirtualWard

    real = VirtualWard.in_system
    monkeypatch.setattr(VirtualWard, "in_system", lambda self: real(self) - 1)
    with pytest.raises(ConservationError, match="virtual_ward"):
        run_replication(load_scenario(BASELINE, small), 1, 0)


def test_zero_demand_runs_and_reports_no_data(small) -> None:
    zero = [*small, "ed.attendances_per_1000_per_year=0", "ucr.referrals_per_100k_per_month=0",
            "primary_care.appointments_per_person_per_year=0",
            "reablement.community_referrals_per_100k_per_year=0",
            "virtual_ward.direct_referrals_per_100k_per_year=0",
            "d2a.community_referrals_per_100k_per_year=0",
            "acute.direct_admissions_per_100k_per_year=0",
            "elective.referrals_per_100k_per_month=0",
            "elective.initial_list.pathways_per_100k=0",
            "elective.cancer.referrals_per_100k_per_month=0"]
    result = run_replication(load_scenario(BASELINE, zero), 1, 0)
    assert result.flows["all"]["external"] == 0
    assert math.isnan(result.kpis["ed_4h_pct"]) and result.kpis["acute_occupancy_pct"] == 0

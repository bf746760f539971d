"""Virtual wards by pathway and the step-down queue: wards share the beds as the scenario says;
eligible inpatients wait for a bed and give up when medically fit; GP step-ups refused for want
of a bed are admitted, not sent to ED. (The step-down queue against Erlang A is a ``verify``
row: tests/test_isolation.py.)"""

from __future__ import annotations

import pytest
from helpers import small_scenario

from sim.core.errors import InputError
from sim.experiment.task import run_replication
from sim.model.services.acute import AcuteBeds
from sim.model.services.ed import EmergencyDepartment
from sim.outputs.result import ReplicationResult
from sim.outputs.soundness import OUTSIDE_CAPACITY, outside_capacity_warnings
from sim.scenario import Scenario, baseline_path, load_scenario

BASELINE = baseline_path()
THREE = ("virtual_ward.wards={a={bed_share=0.5, demand_share=0.6}, "
         "b={bed_share=0.3, demand_share=0.3}, c={bed_share=0.2, demand_share=0.1}}")


@pytest.mark.parametrize("beds", [0, 1, 7, 130, 261])
def test_ward_places_add_up_to_the_beds(beds: int) -> None:
    vw = load_scenario(BASELINE, [THREE, f"virtual_ward.beds={beds}"]).virtual_ward
    places = vw.ward_places()
    assert sum(places.values()) == beds
    assert all(abs(places[k] - beds * w.bed_share) < 1 for k, w in vw.wards.items())


def test_headroom_lever_and_staffing_limit_the_places() -> None:
    vw = load_scenario(BASELINE, [THREE, "virtual_ward.beds=100",
                                  "virtual_ward.accept_below_pct=80"]).virtual_ward
    assert sum(vw.ward_places().values()) == 80
    vw = load_scenario(BASELINE, [THREE, "virtual_ward.beds=100", "virtual_ward.clinicians=10",
                                  "virtual_ward.caseload_per_clinician=5"]).virtual_ward
    assert vw.ward_places() == {"a": 25, "b": 15, "c": 10}


def test_ward_shares_must_sum_to_one() -> None:
    with pytest.raises(InputError, match="wards"):
        load_scenario(BASELINE, ["virtual_ward.wards={a={bed_share=0.5, demand_share=1.0}}"])


def _small(sets: list[str]) -> Scenario:
    return small_scenario(0.1, 60, *sets)


def test_refused_gp_step_ups_are_admitted_not_sent_to_ed(monkeypatch) -> None:
    """No virtual ward beds: every GP step-up is refused and becomes a direct admission held
    by the practice until the bed is reached; none walks in to ED as a step-up would have.
    (Every refused step-up is admitted: share 1, pinned since the issue 25 baseline's 0.4.)"""
    sources: list[str] = []
    ed_kinds: list[str] = []
    take_bed, attend = AcuteBeds._take_emergency, EmergencyDepartment.offers

    def spy_bed(self, r):
        sources.append(r.source)
        return take_bed(self, r)

    monkeypatch.setattr(AcuteBeds, "_take_emergency", spy_bed)

    def spy_offers(self):
        ports = attend(self)
        inner = ports["attendance"]

        def attendance(r):
            ed_kinds.append(r.source)
            return inner(r)

        return {**ports, "attendance": attendance}

    monkeypatch.setattr(EmergencyDepartment, "offers", spy_offers)
    every = "virtual_ward.admissions_avoided_per_step_up=1.0"
    sc = _small(["virtual_ward.beds=0", every])
    run_replication(sc, 7, 0)
    assert sources.count("gp") > 20  # ~0.3 a day at a tenth of the size, over 120+ days
    with_step_ups = ed_kinds.count("primary_care")
    sources.clear()
    ed_kinds.clear()
    none = _small(["virtual_ward.beds=0", every,
                   "primary_care.vw_step_up_per_1000_appointments=0"])
    run_replication(none, 7, 0)
    assert sources.count("gp") == 0
    # GP walk-ins to ED are the same need either way (step-ups add none): equal within noise
    assert abs(with_step_ups - ed_kinds.count("primary_care")) < 0.1 * with_step_ups + 30
    # none is lost either: run_replication raises ConservationError if one is


def test_eligible_step_downs_give_up_only_when_the_ward_is_short() -> None:
    """Same replication, common random numbers: with ample virtual ward beds no eligible
    inpatient waits until fit; with few, many do, and fewer are cared for on the wards."""
    warm = "run.warmup_days=14"  # not 59: gave up 45% against the floor of 10 (measured)
    ample = run_replication(_small([warm, "virtual_ward.beds=200"]), 3, 0)
    few = run_replication(_small([warm, "virtual_ward.beds=8"]), 3, 0)
    assert ample.kpis["vw_step_down_gave_up_pct"] == 0.0
    assert few.kpis["vw_step_down_gave_up_pct"] > 10
    assert few.kpis["vw_patients"] < ample.kpis["vw_patients"]
    assert few.kpis["vw_occupancy_pct"] > 80  # 8 beds in three wards (3, 3, 2)


def _result(pct: float) -> ReplicationResult:
    return ReplicationResult("s", 0, {"d2a_arranged_elsewhere_pct": pct}, {})


def test_a_run_warns_when_many_leave_the_d2a_queue_for_support_elsewhere() -> None:
    assert outside_capacity_warnings([_result(1.0), _result(2.0)]) == []
    (w,) = outside_capacity_warnings([_result(8.0), _result(12.0)])
    assert w.kind == OUTSIDE_CAPACITY and "10.0%" in w.message


def test_the_step_down_check_can_fail() -> None:
    """Negative control for the Erlang A rows of ``verify``: theory with a virtual ward stay
    10% too long is rejected on the beds occupied."""
    from sim.checks import verify as v
    from sim.checks.theory import erlang_a

    runs = v.step_down_runs(v.SEED)
    wrong = erlang_a(v.SD_BEDS, v.SD_PER_DAY, 1 / (1.1 * v.SD_LOS_DAYS), 1 / v.SD_PATIENCE_DAYS)
    assert not v.in_ci("wrong stay", "vw", wrong["busy"], runs["busy"]).passed
    assert not v.in_ci("wrong stay", "vw", wrong["gave_up"], runs["gave_up"]).passed

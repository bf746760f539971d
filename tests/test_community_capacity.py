"""UCR locality teams split the clinicians on duty; conveyance to ED rises with the wait; a
refused step-up is admitted; virtual ward staffing caps the caseload."""

from __future__ import annotations

from sim.checks.verify import alone
from sim.experiment.task import run_replication
from sim.scenario import baseline_path, load_scenario

BASELINE = baseline_path()


def test_team_sizes_follow_clinician_shares_and_sum_to_the_total() -> None:
    base = load_scenario(BASELINE)
    for total in (1, 3, 9, 36):
        sc = load_scenario(BASELINE, [f"ucr.clinicians_per_shift={total}"])
        sizes = sc.ucr.team_sizes(total)
        assert sum(sizes) == total and len(sizes) == len(base.ucr.localities)
        if total >= len(sizes):
            assert min(sizes) >= 1
    assert base.ucr.team_sizes(9) == [4, 3, 2]
    assert load_scenario(BASELINE, ["ucr.localities=[]"]).ucr.team_sizes(9) == [9]


def test_a_locality_without_clinicians_is_served_by_the_largest_team() -> None:
    """One clinician for three localities: every in-scope referral is still reached."""
    sc = alone("ucr", ["ucr.clinicians_per_shift=1", "ucr.referrals_per_100k_per_month=20",
                       "ucr.localities=[{name='a', referral_share=0.5, clinician_share=0.5, "
                       "travel_mins={dist='fixed', mean=10.0}}, {name='b', referral_share=0.5, "
                       "clinician_share=0.5, travel_mins={dist='fixed', mean=40.0}}]"], 5, 60)
    assert sc.ucr.team_sizes(1) == [1, 0]
    result = run_replication(sc, 11, 0)
    assert result.flows["ucr"]["in_system"] <= 3  # only those referred in the last hours
    assert result.kpis["ucr_2h_pct"] > 50


def _escalated_share(clinicians: int) -> float:
    """UCR with ED switched on (so escalations are transfers); share of referrals sent on."""
    sc = alone("ucr", [f"ucr.clinicians_per_shift={clinicians}",
                       "ucr.outcomes={home=1.0, virtual_ward=0.0, reablement=0.0, ed=0.0}",
                       "ucr.conveyance_per_hour_waited=0.2"], 5, 60)
    flows = run_replication(sc, 7, 0).flows["ucr"]
    return (flows["transferred"] + flows["redirected"]) / flows["entered"]


def test_conveyance_rises_when_patients_wait_longer() -> None:
    """Everyone would be treated at home; only waiting sends them to ED. Fewer clinicians ->
    longer waits -> more conveyed (same random numbers)."""
    few, many = _escalated_share(1), _escalated_share(6)
    assert few > many > 0


def test_refused_step_up_is_admitted_not_sent_to_ed() -> None:
    """No virtual ward bed free: a UCR step-up is admitted to an acute bed directly (every
    refused step-up: share 1, as the baseline's 0.4 since issue 25 sends most home)."""
    from sim.model import registry

    on = {"ucr", "virtual_ward", "acute"}
    sets = [f"{s}.enabled=false" for s in registry.REGISTRY if s not in on]
    sets += ["virtual_ward.beds=0", "virtual_ward.admissions_avoided_per_step_up=1.0",
             "virtual_ward.direct_referrals_per_100k_per_year=0",
             "acute.direct_admissions_per_100k_per_year=0", "acute.vw_step_down_share=0",
             "ucr.outcomes={home=0.0, virtual_ward=1.0, reablement=0.0, ed=0.0}",
             "ucr.conveyance_per_hour_waited=0.0", "population.size=50000",
             "run.warmup_days=5", "run.measurement_days=20"]
    flows = run_replication(load_scenario(BASELINE, sets), 3, 0).flows
    assert flows["acute"]["entered"] > 0 and flows["acute"]["external"] == 0
    assert flows["ucr"]["redirected"] == 0
    assert flows["ucr"]["transferred"] == flows["acute"]["entered"]


def test_virtual_ward_staffing_caps_the_caseload() -> None:
    """Half the caseload clinicians: the ward holds at most half its beds (a loss system on
    clinicians x caseload places), whatever the beds."""
    def occupancy(clinicians: int) -> float:
        sets = [f"virtual_ward.clinicians={clinicians}", "virtual_ward.beds=40",
                "virtual_ward.caseload_per_clinician=2",
                "virtual_ward.direct_referrals_per_100k_per_year=4000"]
        sc = alone("virtual_ward", sets, 20, 100)
        return run_replication(sc, 5, 0).kpis["vw_occupancy_pct"]

    full, half = occupancy(20), occupancy(10)
    assert half <= 50.0 + 1e-9 < full

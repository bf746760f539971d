"""Hourly rotas (sim/core/rota.py), ED treatment spaces and the bed levers of issue 17."""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from conftest import BASELINE

from sim.checks.verify import alone, simulate
from sim.core.clock import MIN_PER_HOUR
from sim.core.errors import InputError
from sim.core.rota import mean_on_duty, run_rota, week_of
from sim.core.station import Pool
from sim.scenario import load_scenario
from sim.scenario.scale import load_resized

DAY = [2] * 8 + [5] * 12 + [3] * 4


def test_a_rota_is_a_number_24_values_or_a_week() -> None:
    assert week_of(4) == [4] * 168
    assert week_of(DAY) == DAY * 7
    week = [[d] * 24 for d in range(7)]
    assert week_of(week)[24 * 3 + 5] == 3
    with pytest.raises(ValueError):
        week_of([1, 2, 3])
    assert mean_on_duty(DAY) == pytest.approx((2 * 8 + 5 * 12 + 3 * 4) / 24)
    assert mean_on_duty(4, lambda h: 8 <= h < 20) == pytest.approx(2.0)


def test_the_pool_follows_the_rota_hour_by_hour_and_week_by_week() -> None:
    env = simpy.Environment()
    pool = Pool(env, 0)
    week = [[d + 1] * 24 for d in range(7)]  # Mon 1 .. Sun 7
    run_rota(env, pool, week, first_weekday=2)  # minute 0 is a Wednesday
    seen = []
    for hour in (0, 23, 24, 24 * 5, 24 * 7 + 1):
        env.run(until=hour * MIN_PER_HOUR + 1)
        seen.append(pool.capacity)
    assert seen == [3, 3, 4, 1, 3]
    env2 = simpy.Environment()
    pool2 = Pool(env2, 0)
    run_rota(env2, pool2, DAY, first_weekday=0)
    caps = []
    for hour in range(48):
        env2.run(until=hour * MIN_PER_HOUR + 1)
        caps.append(pool2.capacity)
    assert caps == DAY * 2


def test_capacity_factor_scales_each_hour_and_keeps_whole_staff() -> None:
    base = load_scenario(BASELINE)
    doubled = load_resized(BASELINE, capacity_factor=2)
    assert doubled.ed.clinicians_per_shift == [2 * v for v in base.ed.clinicians_per_shift]
    half = load_resized(BASELINE, capacity_factor=0.5)
    assert all(isinstance(v, int) for v in half.ed.handover_staff)


def test_a_bad_rota_names_the_key_and_the_shapes() -> None:
    with pytest.raises(InputError) as err:
        load_scenario(BASELINE, ["ed.clinicians_per_shift=[1, 2, 3]"])
    text = str(err.value)
    assert "ed.clinicians_per_shift" in text and "24 hourly values" in text


def test_rota_costs_follow_the_hours_staffed() -> None:
    from sim.scenario.costs import years
    sc = load_scenario(BASELINE)
    flat = load_scenario(BASELINE, ["ed.clinicians_per_shift=20", "ed.handover_staff=8"])
    c = sc.costs
    expected = (mean_on_duty(sc.ed.clinicians_per_shift) * c.ed_clinician_wte_per_year_gbp
                + mean_on_duty(sc.ed.handover_staff) * c.ed_handover_wte_per_year_gbp) \
        * c.wte_per_post_24x7 * years(365)
    cubicles = sc.ed.cubicles * 365 * c.ed_cubicle_day_gbp  # spaces: corridor places free
    assert c.ed_cubicle_day_gbp > 0
    assert sc.ed.capacity_cost(c, 365) == pytest.approx(expected + cubicles)
    assert flat.ed.capacity_cost(c, 365) == pytest.approx(
        (20 * c.ed_clinician_wte_per_year_gbp + 8 * c.ed_handover_wte_per_year_gbp)
        * c.wte_per_post_24x7 * years(365) + cubicles)


def _ed_alone(*sets: str):
    """ED alone with ample staff; corridor places by level pinned off (the baseline opens them
    since issue 25), so ``ed.corridor_spaces`` is the corridor in use."""
    return alone("ed", ["ed.handover_staff=50", "ed.clinicians_per_shift=50",
                        "ed.corridor_spaces_by_level=[]", *sets],
                 warmup_days=2, measurement_days=10, population=100_000)


def test_no_more_patients_hold_spaces_than_there_are_and_handover_waits_for_one() -> None:
    few = simulate(_ed_alone("ed.cubicles=4", "ed.corridor_spaces=1"), 0)
    many = simulate(_ed_alone("ed.cubicles=400"), 0)
    assert max(few.level("ed.spaces_in_use").v) == 5
    h_few = np.asarray(few.tally("ed.handover").v)
    h_many = np.asarray(many.tally("ed.handover").v)
    assert h_few.mean() > 3 * h_many.mean()  # crews wait for a space, not for staff
    assert max(many.level("ed.spaces_in_use").v) < 400  # never full: nobody queued


def _acute_alone(*sets: str):
    """Acute alone; escalation by the ward-by-ward trigger these tests are about (the baseline
    opens escalation beds by OPEL level since issue 25: acute.opel_review pinned off)."""
    return alone("acute", ["acute.beds=120", "acute.elective_ring_fenced_beds=40",
                           "acute.direct_admissions_per_100k_per_year=8000",
                           "acute.escalation_beds=0", "acute.opel_review=false", *sets],
                 warmup_days=20, measurement_days=40, population=100_000)


def test_emergencies_outlie_into_free_elective_beds_only_when_allowed() -> None:
    on = simulate(_acute_alone("acute.outlying=true"), 0)
    off = simulate(_acute_alone("acute.outlying=false"), 0)
    assert max(on.level("acute.outliers").v) > 0
    assert max(off.level("acute.outliers").v) == 0
    assert max(on.level("acute.general_occupied").v) <= 80


def test_escalation_beds_open_above_the_trigger_and_stay_within_the_lever() -> None:
    sc = _acute_alone("acute.escalation_beds=10", "acute.escalation_trigger_pct=90",
                      "acute.outlying=false")
    mon = simulate(sc, 0)
    available = np.asarray(mon.level("acute.general_available").v)
    assert available.max() == 90 and available.min() == 80
    assert max(mon.level("acute.general_occupied").v) <= 90


def test_zero_day_patients_use_sdec_and_leave_at_any_hour() -> None:
    mon = simulate(_acute_alone("acute.zero_day_share=1.0", "acute.sdec_spaces=200"), 0)
    assert max(mon.level("acute.occupied").v) == 0  # no G&A bed needed
    assert max(mon.level("acute.sdec_in_use").v) > 0
    stays = np.asarray(mon.tally("acute.stay_days").v) * 24
    assert stays.max() < 48  # no one held for the morning or for Monday


def test_outlying_is_bounded_by_its_lever() -> None:
    capped = simulate(_acute_alone("acute.outlying=true", "acute.outlying_max_patients=3"), 0)
    outliers = np.asarray(capped.level("acute.outliers").v)
    assert outliers.max() == 3  # full at times (40 free elective beds), never above the cap
    none = simulate(_acute_alone("acute.outlying=true", "acute.outlying_max_patients=0"), 0)
    assert max(none.level("acute.outliers").v) == 0


def test_a_free_bed_in_another_ward_does_not_help() -> None:
    """Same patients (common random numbers), same beds: split into wards, patients wait longer
    for a bed while fewer beds are in use on average (beds fill unevenly)."""
    sets = ("acute.outlying=false", "acute.beds=160",  # 120 general beds: queues form, drain
            "acute.ward_outlying_after_hours=1e5")
    one = simulate(_acute_alone(*sets, "acute.wards=1"), 0)
    four = simulate(_acute_alone(*sets, "acute.wards=4"), 0)
    wait_one = np.asarray(one.tally("acute.bed_wait").v).mean()
    wait_four = np.asarray(four.tally("acute.bed_wait").v).mean()
    assert wait_four > 5 * wait_one  # measured: 309 vs 7 min
    assert max(four.level("acute.general_occupied").v) <= 120


def test_escalation_beds_open_ward_by_ward_and_are_costed_by_the_bed_days_open() -> None:
    from sim.model.replication import simulate as replicate
    from sim.outputs.kpis import RunData, evaluate

    sc = _acute_alone("acute.escalation_beds=10", "acute.escalation_trigger_pct=90",
                      "acute.outlying=false", "acute.wards=2", "acute.beds=160",
                      "costs.acute_bed_day_gbp=100")
    rep = replicate(sc, 2026, 0)
    available = np.asarray(rep.monitor.level("acute.general_available").v)
    assert set(np.unique(available)) <= {120, 125, 130}  # each ward opens its own 5
    assert available.max() > 120
    window = rep.calendar.measurement
    k = evaluate(RunData(rep.monitor, sc, rep.calendar), window)
    bed_days = k["escalation_bed_days"]
    assert 0 < bed_days < 10 * window.days
    assert bed_days == pytest.approx(k["escalation_beds_open"] * window.days)
    static = (sc.acute.beds + sc.acute.sdec_spaces) * window.days * 100
    assert k["cost_acute_gbp"] == pytest.approx(static + 100 * bed_days)


def test_a_long_wait_for_a_ward_ends_in_any_ward_with_a_free_bed() -> None:
    """ward_outlying_after_hours: after that wait the first bed free in any ward is taken, so
    with wards the wait's tail shrinks (same patients)."""
    sets = ("acute.outlying=false", "acute.beds=160", "acute.wards=4")
    never = simulate(_acute_alone(*sets, "acute.ward_outlying_after_hours=1e5"), 0)
    after_2h = simulate(_acute_alone(*sets, "acute.ward_outlying_after_hours=2"), 0)
    w_never = np.asarray(never.tally("acute.bed_wait").v)
    w_after = np.asarray(after_2h.tally("acute.bed_wait").v)
    assert np.percentile(w_after, 99) < 0.5 * np.percentile(w_never, 99)
    assert max(after_2h.level("acute.general_occupied").v) <= 120

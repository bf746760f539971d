"""Verdicts with stated confidence: the joined rule, what a target is judged on, targets.csv."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from conftest import BASELINE

from sim.model.replication import calendar_of
from sim.outputs.kpis import KPIS
from sim.outputs.result import ReplicationResult
from sim.outputs.store import TARGET_COLUMNS, judge_targets, targets_table
from sim.outputs.targets import (
    MET,
    NO_DATA,
    NOT_MET,
    UNCERTAIN,
    judge,
    judged_on,
    rule_text,
)
from sim.scenario import Target, load_scenario

AT_LEAST_70 = Target(id="t", kpi="ed_4h_pct", op=">=", threshold=70.0)
AT_MOST_10 = Target(id="t", kpi="ed_12h_pct", op="<=", threshold=10.0)


def test_every_replication_meeting_is_not_met_with_too_few_replications() -> None:
    """10 of 10 meeting gives a Wilson lower bound of 0.72 < 0.8: uncertain, and says 16."""
    j = judge(AT_LEAST_70, np.linspace(75, 76, 10), "window", 0.8)
    assert j.verdict == UNCERTAIN and (j.n, j.n_met, j.p_met) == (10, 10, 1.0)
    assert j.p_met_low == pytest.approx(0.7225, abs=1e-4) and j.p_met_high == 1.0
    assert j.reason == "P(met) >= 0.72 with 10 of 10 replications meeting; 0.80 needs 16"


def test_met_needs_the_ci_and_enough_replications_meeting() -> None:
    j = judge(AT_LEAST_70, np.linspace(75, 76, 16), "window", 0.8)
    assert j.verdict == MET and j.p_met_low >= 0.8
    assert j.reason.startswith("95% CI 75.") and "16 of 16" in j.reason


def test_a_mean_above_the_line_that_many_replications_miss_is_uncertain() -> None:
    """The CI of the mean is above 70 but 4 of 30 replications miss: P(met) low bound 0.70."""
    values = np.r_[np.full(26, 74.0), np.full(4, 69.5)]
    j = judge(AT_LEAST_70, values, "window", 0.8)
    assert j.ci_low > 70 and j.verdict == UNCERTAIN
    assert "26 of 30" in j.reason and "needs more replications meeting" in j.reason
    assert judge(AT_LEAST_70, values, "window", 0.5).verdict == MET  # a laxer scenario


def test_not_met_straddles_and_no_data() -> None:
    assert judge(AT_LEAST_70, np.linspace(60, 62, 10), "window").verdict == NOT_MET
    straddle = judge(AT_LEAST_70, np.array([68.0, 72.0, 69.0, 71.0]), "window")
    assert straddle.verdict == UNCERTAIN and "straddles 70" in straddle.reason
    low = judge(AT_MOST_10, np.linspace(4, 6, 20), "window")
    assert low.verdict == MET
    assert judge(AT_MOST_10, np.linspace(12, 13, 5), "window").verdict == NOT_MET
    none = judge(AT_LEAST_70, np.array([np.nan, np.nan]), "window")
    assert none.verdict == NO_DATA and math.isnan(none.p_met_low)
    one = judge(AT_LEAST_70, np.array([80.0]), "window")
    assert one.verdict == UNCERTAIN and "no confidence interval" in one.reason


def test_rule_text_says_how_many_replications_make_met_reachable() -> None:
    assert "not reachable with 10 replications: needs at least 16" in rule_text(0.8, 10)
    assert "reachable with 20 replications" in rule_text(0.8, 20)
    assert "needs at least 35" in rule_text(0.9, 10)


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


def _target(baseline, tid: str) -> Target:
    return next(t for t in baseline.targets if t.id == tid)


def test_judged_on_month_window_and_in_force_since(baseline) -> None:
    cal = calendar_of(baseline)  # measurement April 2025 .. March 2026
    ed = judged_on(_target(baseline, "ed_4h"), cal)
    assert (ed.on, ed.label, ed.in_force_since) == ("2026-03", "March 2026", "")
    old = judged_on(_target(baseline, "rtt_104w"), cal)
    assert old.on == "window" and old.in_force_since == "2022-07"
    assert old.label == "2025-04..2026-03 mean (in force since July 2022)"
    plain = judged_on(_target(baseline, "ed_12h"), cal)
    assert (plain.on, plain.label) == ("window", "2025-04..2026-03 mean")
    later = judged_on(Target(id="x", kpi="rtt_18w_pct", op=">=", threshold=92,
                             deadline="2029-03"), cal)
    assert later.on == "window" and "deadline March 2029 is after the window" in later.label


def test_a_month_judged_target_shows_that_months_mean_not_the_windows(baseline) -> None:
    """ED 4-hour is judged on March 2026: targets.csv's mean is March's, window_mean beside."""
    months = [m.label for m in calendar_of(baseline).months()]
    results = []
    for rep in range(4):
        monthly = {m: {"ed_4h_pct": 90.0 + rep} for m in months}
        monthly["2026-03"] = {"ed_4h_pct": 60.0 + rep}
        kpis = {"ed_4h_pct": 85.0 + rep, "ed_12h_pct": 5.0 + rep / 10}
        results.append(ReplicationResult("b", rep, kpis, monthly))
    judged = {j.target.id: j for j in judge_targets(baseline, results)}
    ed = judged["ed_4h"]
    assert ed.judged_on == "2026-03" and ed.mean == pytest.approx(61.5)
    assert ed.window_mean == pytest.approx(86.5) and ed.verdict == NOT_MET
    assert judged["ed_12h"].mean == pytest.approx(5.15) == judged["ed_12h"].window_mean
    table = targets_table("b", list(judged.values()))
    assert list(table.columns) == TARGET_COLUMNS
    row = table.set_index("target").loc["ed_4h"]
    assert row["judged_label"] == "March 2026" and row["mean"] == pytest.approx(61.5)
    assert row["required_confidence"] == 0.8 and row["p_met_low"] == 0.0
    assert table.set_index("target").loc["rtt_104w", "in_force_since"] == "2022-07"


def test_required_confidence_is_a_validated_scenario_setting() -> None:
    from sim.core.errors import InputError

    sc = load_scenario(BASELINE, ["judgement.required_confidence=0.9"])
    assert sc.judgement.required_confidence == 0.9
    for bad in ("0.4", "1.0", '"high"'):
        with pytest.raises(InputError) as exc:
            load_scenario(BASELINE, [f"judgement.required_confidence={bad}"])
        assert "judgement.required_confidence" in str(exc.value.problems[0])


def test_handover_targets_are_the_published_ones_and_reachable(baseline) -> None:
    """65% within 15 min, 95% within 30 min, and the 45-minute maximum as a share over 45
    minutes with a tolerance above what the handover work alone gives (about 0.86%)."""
    from scipy.stats import lognorm

    rules = {t.id: (t.kpi, t.op, t.threshold) for t in baseline.targets}
    assert rules["handover_15m"] == ("handover_15m_pct", ">=", 65.0)
    assert rules["handover_30m"] == ("handover_30m_pct", ">=", 95.0)
    assert "handover_60m" not in rules
    kpi, op, tolerance = rules["handover_45m_max"]
    assert (kpi, op) == ("handover_over_45m_pct", "<=")
    h = baseline.ed.handover_mins
    s2 = math.log(1 + h.cv**2)
    floor = 100 * lognorm(s=math.sqrt(s2), scale=math.exp(math.log(h.mean) - s2 / 2)).sf(45)
    assert floor < tolerance <= 5


def test_an_input_kpi_is_judged_on_its_value_a_saturated_random_one_is_not() -> None:
    vw = Target(id="vw", kpi="vw_beds_per_100k", op=">=", threshold=40.0)
    j = judge(vw, np.full(10, 41.7), "window", exact=True)
    assert j.verdict == MET and (j.p_met_low, j.p_met_high) == (1.0, 1.0)
    assert j.reason.startswith("a scenario input, no sampling doubt: 41.7 >= 40")
    miss = judge(vw, np.full(10, 27.1), "window", exact=True)
    assert miss.verdict == NOT_MET and miss.p_met_high == 0.0
    zero = judge(Target(id="w", kpi="rtt_over_104w", op="<=", threshold=0.0), np.zeros(10),
                 "window")
    assert zero.verdict == UNCERTAIN and "0.80 needs 16" in zero.reason
    assert KPIS["vw_beds_per_100k"].exact and not KPIS["rtt_over_104w"].exact


def test_console_shows_the_rule_the_judged_on_label_beside_the_value_and_why(baseline) -> None:
    from sim.cli import targets_text

    months = [m.label for m in calendar_of(baseline).months()]
    results = [ReplicationResult("b", rep, {"ed_4h_pct": 85.0 + rep}, {
        m: {"ed_4h_pct": 60.0 + rep} for m in months}) for rep in range(3)]
    text = targets_text(judge_targets(baseline, results), 3)
    lines = text.splitlines()
    assert lines[1].startswith("'met' needs the mean's 95% CI on the right side")
    assert "needs at least 16" in lines[1]
    ed = next(line for line in lines if line.startswith("ed_4h "))
    assert re.search(r"March 2026 +61.0 ", ed) and "0.00 [0.00-0.56]" in ed
    assert ed.rstrip().endswith("wholly on the wrong side of 78")
    old = next(line for line in lines if line.startswith("rtt_104w"))
    assert "(in force since July 2022)" in old and "no data" in old

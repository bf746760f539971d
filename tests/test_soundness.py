"""Unsound answers say so: queues that never settle, loose targets, scaled and quick trials."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, ROOT, run_cli

from sim.core.stats import mean_ci
from sim.experiment import orchestrate
from sim.outputs.result import ReplicationResult
from sim.outputs.settling import (
    MIN_WEEKS,
    growth_check,
    growth_of_weeks,
    replications_needed,
    weekly_means,
)
from sim.outputs.soundness import (
    NEVER_SETTLES,
    SCALED,
    UNCHECKED,
    UNDERPOWERED,
    as_scaled,
    batch_warnings,
    manifest_warnings,
    mark_scaled_files,
    precision,
    settle_warnings,
)
from sim.outputs.targets import NO_DATA, judge
from sim.scenario import load_scenario

# 0.1 of the baseline (120,000 people), its own warm-up, 10 weeks measured: quick to run and
# long enough for the growth rule; 170 beds (1,700 before scaling) against the 208 it has, and
# 230 for a control that settles (at 0.1 the baseline's own 208 are near critical: pooling)
SMALL = ["--scale", "0.1", "--set", "run.measurement_days=70", "--quiet", "--workers", "1"]


def result(rep: int, weeks: dict[str, list[float]], **kpis: float) -> ReplicationResult:
    return ReplicationResult("s", rep, dict(kpis), {}, queue_weeks=weeks)


def rising(rep: int, weeks: int = 20) -> list[float]:
    rng = np.random.default_rng(rep)
    return list(50 + 10.0 * np.arange(weeks) + rng.normal(0, 2, weeks))


def steady(rep: int, weeks: int = 20) -> list[float]:
    return list(50 + np.random.default_rng(rep).normal(0, 2, weeks))


# -- settling ---------------------------------------------------------------------------------
def test_the_weekly_rule_is_advises_rule_on_daily_series() -> None:
    """A run's check (weekly means kept per replication) and advise's (daily series) agree."""
    rng = np.random.default_rng(3)
    days = 40 + 0.6 * np.arange(140) + rng.normal(0, 5, 140)
    daily = growth_check(days)
    weekly = growth_of_weeks(weekly_means(days), float(days.mean()))
    assert daily == weekly and daily.never_settles


def test_a_rising_queue_is_named_and_a_steady_one_is_not() -> None:
    results = [result(r, {"acute_bed_queue": rising(r), "ucr_queue": steady(r)})
               for r in range(3)]
    found = settle_warnings(results)
    assert [(w.kind, w.subject) for w in found] == [(NEVER_SETTLES, "acute_bed_queue")]
    text = found[0].message
    assert "patients waiting for an acute bed" in text and "never settles" in text
    last = np.mean([rising(r)[-1] for r in range(3)])
    assert f"{last:,.0f} in the last week" in text


def test_a_small_steady_trend_is_left_to_advise_and_a_short_window_is_unchecked() -> None:
    slow = [result(r, {"rtt_list_size": list(1000 + 0.5 * np.arange(20)
                                             + np.random.default_rng(r).normal(0, 0.3, 20))})
            for r in range(3)]
    assert growth_of_weeks(np.mean([r.queue_weeks["rtt_list_size"] for r in slow], 0)).drifts
    assert settle_warnings(slow) == []
    short = [result(r, {"acute_bed_queue": rising(r, MIN_WEEKS - 1)}) for r in range(3)]
    found = settle_warnings(short)
    assert [w.kind for w in found] == [UNCHECKED] and f"{MIN_WEEKS - 1} whole weeks" in (
        found[0].message)


def test_a_batch_names_the_scenarios_a_queue_warning_concerns() -> None:
    sc = load_scenario(BASELINE)
    runs = {"a": rising, "b": steady, "c": rising, "d": rising}
    results = {n: [result(r, {"acute_bed_queue": f(r)}) for r in range(3)]
               for n, f in runs.items()}
    found = [w for w in batch_warnings(dict.fromkeys(runs, sc), results)
             if w.kind == NEVER_SETTLES]
    assert [(w.subject, w.scenarios) for w in found] == [("acute_bed_queue", ("a", "c", "d"))]
    assert "[in 3 of 4 scenarios (all but b); figures for a]" in found[0].message


# -- precision --------------------------------------------------------------------------------
def test_a_loose_target_says_how_many_replications_it_needs() -> None:
    sc = load_scenario(BASELINE)
    values = [8.0, 12.0, 10.5, 13.0, 9.0]
    results = [result(r, {}, ed_12h_pct=v) for r, v in enumerate(values)]
    found = {p.target: p for p in precision(sc, results)}
    assert set(found) == {"ed_12h"}  # the other targets' KPIs have no data here
    p = found["ed_12h"]
    _mean, sd, lo, hi, _n = mean_ci(np.array(values))
    assert p.half_width == pytest.approx((hi - lo) / 2) and p.underpowered
    assert p.needed == replications_needed(sd, 1.0)
    ws = batch_warnings({"s": sc}, {"s": results})
    w = next(w for w in ws if w.subject == "ed_12h")
    assert w.kind == UNDERPOWERED
    assert w.message == (f"ed_12h: 5 replications give ±{p.half_width:.1f} points; about "
                         f"{p.needed} needed for ±1 point")


def test_a_target_judged_on_a_month_is_measured_on_that_month() -> None:
    sc = load_scenario(BASELINE)  # ed_4h: deadline 2026-03, inside the measurement window
    monthly = [{"2026-03": {"ed_4h_pct": v}} for v in (70.0, 71.0, 72.0)]
    results = [ReplicationResult("s", r, {"ed_4h_pct": 75.0}, m) for r, m in enumerate(monthly)]
    p = next(p for p in precision(sc, results) if p.target == "ed_4h")
    assert p.judged_on == "2026-03" and p.mean == pytest.approx(71.0)
    tight = [ReplicationResult("s", r, {"ed_4h_pct": 75.0}, {"2026-03": {"ed_4h_pct": 71.0}})
             for r in range(3)]
    assert not next(p for p in precision(sc, tight) if p.target == "ed_4h").underpowered


# -- scaled and quick -------------------------------------------------------------------------
def test_scaled_files_keep_every_other_byte(tmp_path: Path) -> None:
    text = ("scenario,target,kpi,verdict,p_met\n"
            "a,ed_4h,ed_4h_pct,met,0.8000000000000002\n"
            "a,vw,vw_occupancy_pct,no data,\n")
    (tmp_path / "targets.csv").write_text(text)
    mark_scaled_files(tmp_path)
    assert (tmp_path / "targets.csv").read_text() == (
        "scenario,target,kpi,verdict,verdict_unscaled,p_met\n"
        "a,ed_4h,ed_4h_pct,scaled,met,0.8000000000000002\n"
        "a,vw,vw_occupancy_pct,no data,no data,\n")
    t = load_scenario(BASELINE).targets[0]
    judged = [judge(t, np.array([80.0, 81.0]), "window"), judge(t, np.array([]), "window")]
    assert [j.verdict for j in as_scaled(judged)] == [SCALED, NO_DATA]


def test_an_old_scaled_folder_still_gets_its_stamp() -> None:
    found = manifest_warnings({"scale": 0.25})
    assert [w.message for w in found] == ["scaled trial (--scale 0.25): not for decisions"]
    assert manifest_warnings({"scale": 1.0}) == []


def test_quick_keeps_capacity_and_warm_up_and_shortens_the_window() -> None:
    sc = load_scenario(BASELINE)
    q = orchestrate.quick_scenario(sc)
    assert q.run.measurement_days == orchestrate.QUICK_MEASUREMENT_DAYS
    assert q.run.warmup_days == sc.run.warmup_days and q.acute.beds == sc.acute.beds
    short = load_scenario(BASELINE, ["run.measurement_days=30"])
    assert orchestrate.quick_scenario(short).run.measurement_days == 30
    winter = load_scenario(ROOT / "scenarios" / "winter_surge.toml")  # from 1 December
    assert orchestrate.quick_scenario(winter).run.measurement_days == 31 + 31 + 28  # not 2 Mar
    mid = load_scenario(BASELINE, ["run.start_date=2025-02-15"])  # measured from 15 April
    assert orchestrate.quick_scenario(mid).run.measurement_days == 16 + 31 + 30  # to 1 July
    from sim import cli

    assert cli.QUICK_REPLICATIONS == orchestrate.QUICK_REPLICATIONS
    assert cli.QUICK_MEASUREMENT_DAYS == orchestrate.QUICK_MEASUREMENT_DAYS


# -- end to end: the done-when checks ----------------------------------------------------
@pytest.mark.slow
def test_too_few_beds_warn_in_console_and_manifest_and_enough_do_not(tmp_path: Path) -> None:
    short = run_cli("run", str(BASELINE), "-n", "2", "--out", str(tmp_path / "short"), *SMALL,
                    "--set", "acute.beds=1700")
    assert short.returncode == 0, short.stderr
    # boarders hold ED spaces (issue 17), so too few beds show as exit block: the queue for
    # ED treatment spaces (ambulances waiting to hand over, walk-ins waiting to be called in)
    assert "never settles" in short.stdout and "ed_space_queue" in short.stdout
    man = json.loads((tmp_path / "short" / "manifest.json").read_text())
    bed = [w for w in man["warnings"] if w["subject"] == "ed_space_queue"]
    assert [w["kind"] for w in bed] == [NEVER_SETTLES]
    assert "patients waiting for an ED treatment space" in bed[0]["message"]
    enough = run_cli("run", str(BASELINE), "-n", "2", "--out", str(tmp_path / "enough"), *SMALL,
                     "--set", "acute.beds=2300")
    assert enough.returncode == 0, enough.stderr
    man = json.loads((tmp_path / "enough" / "manifest.json").read_text())
    assert not [w for w in man["warnings"] if w["kind"] == NEVER_SETTLES]


@pytest.mark.slow  # a few seconds: the full suite runs it, the quick tier need not
def test_a_scaled_run_stamps_console_manifest_report_and_workbook(tmp_path: Path) -> None:
    out = tmp_path / "scaled"
    res = run_cli("run", str(BASELINE), "-n", "2", "--out", str(out), *SMALL)
    assert res.returncode == 0, res.stderr
    stamp = "scaled trial (--scale 0.1): not for decisions"
    assert res.stdout.count(stamp) == 2  # above the verdicts and with the warnings
    man = json.loads((out / "manifest.json").read_text())
    assert man["scaled"] is True and man["quick"] is False
    assert man["warnings"][0] == {"kind": SCALED, "subject": "run", "message": stamp,
                                  "scenarios": []}
    targets = pd.read_csv(out / "targets.csv", keep_default_na=False)
    judged = targets[targets.verdict_unscaled != NO_DATA]
    assert len(judged) and (judged.verdict == SCALED).all()
    assert set(judged.verdict_unscaled) <= {"met", "not met", "uncertain"}
    html = (out / "report.html").read_text()
    assert f'<p id="stamp" class="stamp">{stamp}</p>' in html
    sheets = pd.read_excel(out / "summary.xlsx", sheet_name=None)
    assert next(iter(sheets)) == "Warnings" and stamp in set(sheets["Warnings"]["Warning"])
    assert set(sheets["Targets"]["Verdict"]) <= {SCALED, NO_DATA}


@pytest.mark.slow  # a CLI run and its report (~3 s): the full suite runs it beside the one above
def test_a_full_scale_run_is_not_stamped(tmp_path: Path) -> None:
    out = tmp_path / "whole"
    res = run_cli("run", str(BASELINE), "-n", "2", "--workers", "1", "--out", str(out),
                  "--quiet", "--set", "population.size=30000", "--set", "run.warmup_days=7",
                  "--set", "run.measurement_days=21")
    assert res.returncode == 0, res.stderr
    assert "scaled trial" not in res.stdout and "queues not checked" in res.stdout
    man = json.loads((out / "manifest.json").read_text())
    targets = pd.read_csv(out / "targets.csv", keep_default_na=False)
    assert man["scaled"] is False and SCALED not in set(targets.verdict)
    assert "verdict_unscaled" not in targets.columns


@pytest.mark.slow  # a few seconds: the full suite runs it, the quick tier need not
def test_quick_run_measures_91_days_with_5_replications(tmp_path: Path) -> None:
    out = tmp_path / "quick"
    res = run_cli("run", str(BASELINE), "--quick", "--out", str(out), "--quiet",
                  "--scale", "0.05")  # measured from 1 April: 91 days end on 30 June
    assert res.returncode == 0, res.stderr
    assert "quick trial: 5 replications, 91 days measured" in res.stdout
    man = json.loads((out / "manifest.json").read_text())
    assert man["quick"] is True and man["replications"] == 5
    assert man["scenario"]["run"]["measurement_days"] == 91
    beds = load_scenario(BASELINE).acute.beds
    assert man["scenario"]["acute"]["beds"] == round(beds * 0.05)  # --scale only
    assert "quick trial" in (out / "report.html").read_text()


@pytest.mark.slow
def test_a_batch_names_the_scenarios_whose_queue_never_settles(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text(f'''
name = "b"
base = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"
replications = 2
seed = 3
[[scenarios]]
name = "enough"
set = {{ "acute.beds" = 2300 }}
[[scenarios]]
name = "short"
set = {{ "acute.beds" = 1700 }}
''')
    out = tmp_path / "o"
    res = run_cli("batch", str(path), "--out", str(out), *SMALL)
    assert res.returncode == 0, res.stderr
    man = json.loads((out / "manifest.json").read_text())
    bed = [w for w in man["warnings"] if w["subject"] == "ed_space_queue"]  # exit block
    assert [(w["kind"], w["scenarios"]) for w in bed] == [(NEVER_SETTLES, ["short"])]
    assert "1 of 2 scenarios (short)" in bed[0]["message"] and bed[0]["message"] in res.stdout
    comparison = pd.read_csv(out / "comparison.csv", keep_default_na=False)
    assert set(comparison.scenario_verdict) <= {"", SCALED, NO_DATA} and man["scaled"] is True


def test_gp_2w_target_above_the_patient_choice_ceiling_is_warned() -> None:
    """GP within 2 weeks counts appointments booked for the day the patient chose: with no
    capacity wait at all it is at most same-day share + routine share x P(lead <= 14.5 days)
    (lognormal lead); a threshold above that is unreachable and says so, one below does not."""
    import math

    from sim.outputs.soundness import gp_2w_ceiling, patient_choice_warnings

    sc = load_scenario(BASELINE)
    pc = sc.primary_care
    sigma = math.sqrt(math.log1p(pc.routine_lead_days.cv ** 2))
    mu = math.log(pc.routine_lead_days.mean) - sigma ** 2 / 2
    p14 = 0.5 * (1 + math.erf((math.log(14.5) - mu) / (sigma * math.sqrt(2))))
    assert gp_2w_ceiling(sc) == pytest.approx(100 * (pc.same_day_share
                                                     + (1 - pc.same_day_share) * p14), abs=0.3)
    warned = patient_choice_warnings(sc)
    assert [w.subject for w in warned] == ["gp_2w"] and "patient choice" in warned[0].message
    reachable = load_scenario(BASELINE, ["targets.gp_2w.threshold=80.0"])
    assert patient_choice_warnings(reachable) == []

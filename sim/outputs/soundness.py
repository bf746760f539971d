"""Is this answer sound? Warnings a run or batch writes beside its verdicts.

No answer should be wrong without a warning. After the replications of a run or a batch, four
things can make its verdicts unsafe, and each becomes a :class:`RunWarning` that the console,
``manifest.json`` (``"warnings"``) and the report all show:

* **scaled**: ``--scale`` shrank population and capacities together; small capacities round
  and pool differently, so verdicts can flip (UCR 2-hour 80.9% met at full scale, 40.7% not
  met at 0.25). Every verdict reads ``scaled`` (the one judged on the scaled run is kept
  beside it as ``verdict_unscaled``: what the verdict would read were the run not stamped).
* **quick**: ``--quick`` kept capacities whole but measured fewer days with fewer
  replications.
* **never settles**: a queue still rising at the end of the measurement window (the growth
  rule of :func:`sim.outputs.settling.growth_check`, the one ``advise`` uses, on the weekly
  means each replication keeps, averaged over replications). Its KPIs then depend on the run
  length. ``unchecked`` when the window is too short to tell.
* **outside capacity**: many medically fit patients left the discharge-to-assess queue for
  support arranged elsewhere (``d2a.alternative_arranged_days``, patient choice and other
  routes): delayed discharge is then held down by that input, not by pathway capacity.
* **patient choice**: a target no capacity can meet because what it measures includes the
  patient's own choice: GP within 2 weeks counts routine appointments booked for the day the
  patient chose (``primary_care.routine_lead_days``), so with no wait for capacity at all at
  most :func:`gp_2w_ceiling` % fall within 2 weeks; a threshold above that is unreachable.
* **demand ceiling**: a target no capacity can meet because the activity it counts cannot
  exceed demand: diagnostic activity vs 2019/20 is at most :func:`diagnostic_activity_ceiling`
  % (every test asked for done); a threshold above that is unreachable.
* **underpowered**: a target whose 95% CI is wider than ``advise``'s tolerance (±1 point for a
  % KPI, ±5% of the mean otherwise), with the replications that tolerance needs
  (:func:`sim.outputs.settling.replications_needed`).

Pure functions of results; nothing here prints.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.distributions import draw
from sim.core.errors import RunWarning
from sim.core.rng import stream
from sim.core.stats import mean_ci
from sim.model.replication import calendar_of
from sim.model.services.elective import fluid
from sim.outputs.kpis import KPIS
from sim.outputs.quick import window_text
from sim.outputs.result import ReplicationResult
from sim.outputs.settling import (
    MAX_REPLICATIONS,
    MIN_WEEKS,
    Growth,
    growth_of_weeks,
    replications_needed,
    series_specs,
    tolerance,
)
from sim.outputs.targets import NO_DATA, NOT_JUDGED, TargetResult, judged_on
from sim.scenario import Scenario

SCALED = "scaled"  # the verdict shown for every target of a scaled run
QUICK = "quick"
NEVER_SETTLES, UNCHECKED = "never settles", "unchecked"
UNDERPOWERED = "underpowered"
OUTSIDE_CAPACITY = "outside capacity"
PATIENT_CHOICE = "patient choice"
DEMAND_CEILING = "demand ceiling"
IDENTICAL = "identical"
# above this % of fit patients leaving the D2A queue for support arranged elsewhere, a run says so
ARRANGED_ELSEWHERE_WARN_PCT = 5.0
STAMPS = (SCALED, QUICK)  # kinds that describe the whole run rather than one queue or target


def readable(x: float, sign: str = "") -> str:
    """Without exponents: whole numbers with thousands separators from 100 up, else 3
    significant figures (``sign="+"`` shows the sign)."""
    return f"{x:{sign},.0f}" if abs(x) >= 100 else f"{x:{sign}.3g}"


# -- stamps: scaled and quick trials ---------------------------------------------------------------
def scaled_stamp(scale: float) -> str:
    return f"scaled trial (--scale {scale:g}): not for decisions"


def quick_stamp(replications: int, measurement_days: int, measured: str = "") -> str:
    season = f" ({measured})" if measured else ""
    return (f"quick trial: {replications} replications, {measurement_days} days measured"
            f"{season} (--quick): not for decisions; targets judged on a month or a period "
            "it did not measure are not judged")


def stamp_warnings(scale: float, quick: bool, replications: int, measurement_days: int,
                   measured: str = "") -> list[RunWarning]:
    """The whole-run stamps: a scaled run's verdicts are about a different system, a quick
    run's are loose and its season (``measured``, e.g. "April to June 2025 (spring-summer)")
    is said."""
    out = []
    if scale != 1.0:
        out.append(RunWarning(SCALED, "run", scaled_stamp(scale)))
    if quick:
        out.append(RunWarning(QUICK, "run", quick_stamp(replications, measurement_days,
                                                        measured)))
    return out


def as_scaled(judged: list[TargetResult]) -> list[TargetResult]:
    """Verdicts of a scaled run, as shown: every one ``scaled`` (``no data`` stays: a service
    switched off is off at any scale)."""
    return [j if j.verdict in (NO_DATA, NOT_JUDGED) else replace(j, verdict=SCALED)
            for j in judged]


def mark_scaled_files(out: Path) -> None:
    """Rewrite a scaled run's verdicts on disk: ``targets.csv`` verdict ``scaled`` with the
    judged one in ``verdict_unscaled``; ``comparison.csv`` verdicts ``scaled`` too. Read and
    written as text, so every other cell keeps its exact bytes."""
    targets = out / "targets.csv"
    if targets.exists():
        t = _read_text_csv(targets)
        t.insert(t.columns.get_loc("verdict") + 1, "verdict_unscaled", t["verdict"])
        t["verdict"] = t["verdict"].where(t["verdict"].isin([NO_DATA, NOT_JUDGED]), SCALED)
        _write_text_csv(targets, t)
    comparison = out / "comparison.csv"
    if comparison.exists():
        c = _read_text_csv(comparison)
        for col in ("comparator_verdict", "scenario_verdict"):
            c[col] = c[col].where(c[col].isin(["", NO_DATA, NOT_JUDGED]), SCALED)
        _write_text_csv(comparison, c)


def _read_text_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write_text_csv(path: Path, frame: pd.DataFrame) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(frame.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    tmp.replace(path)


# -- queues that never settle ------------------------------------------------------------------
@dataclass(frozen=True)
class QueueTrend:
    """A queue's weekly means averaged over replications, and the growth rule's finding."""

    name: str
    label: str
    growth: Growth
    last_week: float  # mean over replications of the last week of the window


def queue_trends(results: list[ReplicationResult]) -> list[QueueTrend]:
    """The growth rule on each queue's weekly means, averaged over the replications (the mean
    series, as ``advise`` judges its pilots)."""
    labels = {s.name: s.label for s in series_specs()}
    names = list(dict.fromkeys(n for r in results for n in r.queue_weeks))
    out = []
    for name in names:
        runs = [r.queue_weeks[name] for r in results if name in r.queue_weeks]
        if not runs or len({len(w) for w in runs}) != 1:
            continue  # a folder mixing window lengths: not comparable week by week
        mean = np.mean(np.array(runs, dtype=float), axis=0)
        last = float(mean[-1]) if mean.size else math.nan
        out.append(QueueTrend(name, labels.get(name, name), growth_of_weeks(mean), last))
    return out


def _trend_text(q: QueueTrend) -> str:
    g = q.growth
    return (f"{readable(q.last_week)} in the last week, {readable(g.rise, '+')} over the last "
            f"{g.weeks} weeks (slope t = {g.t_stat:.1f})")


def settle_warnings(results: list[ReplicationResult],
                    warmup_days: int | None = None) -> list[RunWarning]:
    """One warning per queue still rising at the end of the measurement window (the growth
    rule's *never settles*), or one saying the window is too short to check.

    A queue that only *drifts* (a steady trend under 10% of its mean, e.g. a waiting list
    growing a few % a year, or one still easing after the warm-up) is left to ``advise``: on
    the long lists every small trend is significant, and warning about each would bury the
    warnings that matter."""
    trends = queue_trends(results)
    warm = "" if warmup_days is None else f" ({warmup_days} days)"
    out = [RunWarning(NEVER_SETTLES, q.name, (
        f"{q.label} ({q.name}) never settles: {_trend_text(q)}. Either demand on it, or on "
        f"the service it waits for, is at or above capacity, or the warm-up{warm} is too "
        "short (python run_sim.py advise tells which); until then the KPIs it drives depend "
        "on the run length")) for q in trends if q.growth.never_settles]
    if trends and not any(q.growth.checked for q in trends):
        weeks = min(len(r.queue_weeks[trends[0].name]) for r in results
                    if trends[0].name in r.queue_weeks)
        out.append(RunWarning(UNCHECKED, "queues", (
            f"queues not checked for settling: the measurement window holds {weeks} whole "
            f"weeks, under the {MIN_WEEKS} the growth rule needs")))
    return out


# -- targets measured too loosely -----------------------------------------------------------------
@dataclass(frozen=True)
class Precision:
    """How tightly a target's KPI was measured, against the tolerance ``advise`` uses."""

    target: str
    kpi: str
    judged_on: str
    n: int
    mean: float
    half_width: float  # of the 95% CI
    tolerance: float
    rule: str  # "±1 point" or "±5% of mean"
    needed: int  # replications for that tolerance (-1: undefined)

    @property
    def underpowered(self) -> bool:
        return self.n < 2 or self.half_width > self.tolerance


def judged_values(scenario: Scenario, results: list[ReplicationResult]
                  ) -> dict[str, tuple[str, np.ndarray]]:
    """Per target id: what it is judged on (month or "window") and the replications' values
    of its KPI there, as :func:`sim.outputs.store.judge_targets` reads them."""
    cal = calendar_of(scenario)
    out = {}
    for t in scenario.targets:
        on = judged_on(t, cal).on
        values = [r.kpis.get(t.kpi, math.nan) if on == "window"
                  else r.monthly.get(on, {}).get(t.kpi, math.nan) for r in results]
        out[t.id] = (on, np.array(values, dtype=float))
    return out


def precision(scenario: Scenario, results: list[ReplicationResult]) -> list[Precision]:
    """Each target's CI half-width and the replications ``advise``'s tolerance needs."""
    kpis = {t.id: t.kpi for t in scenario.targets}
    out = []
    for tid, (on, values) in judged_values(scenario, results).items():
        mean, sd, lo, hi, n = mean_ci(values[np.isfinite(values)])
        if n == 0:
            continue  # no data: its service is switched off
        tol, rule = tolerance(KPIS[kpis[tid]].unit, mean)
        half = (hi - lo) / 2 if n >= 2 else math.inf
        need = replications_needed(sd, tol) if n >= 2 else -1
        out.append(Precision(tid, kpis[tid], on, n, mean, half, tol, rule, need))
    return out


def _half_text(p: Precision) -> str:
    if KPIS[p.kpi].unit == "%":
        return f"±{p.half_width:.1f} points"
    share = 100 * p.half_width / abs(p.mean) if p.mean else math.inf
    return f"±{readable(p.half_width)} (±{share:.1f}% of the mean)"


def _needed_text(p: Precision) -> str:
    if p.needed < 0:
        return "at least 2 needed for an interval (python run_sim.py advise says how many)"
    many = f"over {MAX_REPLICATIONS:,}" if p.needed >= MAX_REPLICATIONS else str(p.needed)
    return f"about {many} needed for {p.rule.replace(' of mean', ' of the mean')}"


def precision_warning(p: Precision) -> RunWarning:
    on = "" if p.judged_on == "window" else f" (judged on {p.judged_on})"
    gives = ("1 replication gives no confidence interval" if p.n < 2
             else f"{p.n} replications give {_half_text(p)}")
    return RunWarning(UNDERPOWERED, p.target, f"{p.target}{on}: {gives}; {_needed_text(p)}")


def underpowered_warnings(scenario: Scenario,
                          results: list[ReplicationResult]) -> list[RunWarning]:
    return [precision_warning(p) for p in precision(scenario, results) if p.underpowered]


# -- waits bounded by an input rather than capacity ------------------------------------------------
def outside_capacity_warnings(results: list[ReplicationResult]) -> list[RunWarning]:
    """Fit patients leaving the D2A queue for support arranged elsewhere, when more than
    ARRANGED_ELSEWHERE_WARN_PCT % of them do (mean over replications)."""
    values = [r.kpis.get("d2a_arranged_elsewhere_pct", math.nan) for r in results]
    values = [v for v in values if np.isfinite(v)]
    if not values or float(np.mean(values)) <= ARRANGED_ELSEWHERE_WARN_PCT:
        return []
    return [RunWarning(OUTSIDE_CAPACITY, "d2a", (
        f"{np.mean(values):.1f}% of medically fit patients waiting for pathways 1-3 left the "
        "acute bed for support arranged outside discharge to assess "
        "(d2a.alternative_arranged_days): delayed discharge is held down by that input, not by "
        "pathway capacity"))]


# -- targets that measure patient choice ---------------------------------------------------------
TWO_WEEKS_DAYS = 14
CEILING_DRAWS = 200_000  # a fixed-seed sample of the lead-time distribution (exact to ~0.1 pt)


def gp_2w_ceiling(scenario: Scenario) -> float:
    """The most gp_2w_pct can be with no wait for capacity: same-day needs count as within,
    a routine appointment falls within 2 weeks when the lead the patient chose (rounded, at
    least a day, as primary care books it) is 14 days or less."""
    cfg = scenario.primary_care
    sample = stream(0, 0, "check.gp_2w_ceiling")  # fixed: the same ceiling every time
    leads = np.maximum(1, np.rint(draw(cfg.routine_lead_days, sample, CEILING_DRAWS)))
    within = float(np.mean(leads <= TWO_WEEKS_DAYS))
    return 100 * (cfg.same_day_share + (1 - cfg.same_day_share) * within)


def patient_choice_warnings(scenario: Scenario) -> list[RunWarning]:
    """Targets on gp_2w_pct whose threshold lies above what patient-chosen lead times allow."""
    if not scenario.primary_care.enabled:
        return []
    ceiling = gp_2w_ceiling(scenario)
    return [RunWarning(PATIENT_CHOICE, t.id, (
        f"{t.id} ({t.kpi} {t.op} {t.threshold:g}) cannot be met by any capacity: with no wait "
        f"for capacity at all, the leads patients choose (primary_care.routine_lead_days) put "
        f"at most {ceiling:.1f}% of appointments within 2 weeks; the target measures patient "
        "choice"))
        for t in scenario.targets
        if t.kpi == "gp_2w_pct" and t.op == ">=" and t.threshold > ceiling]


def diagnostic_activity_ceiling(scenario: Scenario) -> float:
    """The most diagnostic_activity_vs_ref_pct can be with capacity to spare: every test asked
    for (emergency and inpatient, GP direct access, RTT pathways needing one, every urgent
    suspected cancer referral) done, at the demand of the run's last day (growth included), as
    % of the reference year's tests. No capacity does a test nobody asked for."""
    cfg = scenario.elective
    reference = cfg.reference_tests_per_year_per_100k * scenario.population.size / 1e5
    if not cfg.enabled or reference <= 0:
        return math.inf
    rt = fluid.rates(cfg, scenario.population.size)
    per_day = (sum(rt.unscheduled.values()) + sum(rt.direct.values())
               + sum(rt.cancer_tests.values())
               + sum(rt.rtt[k] * s.diagnostics_share for k, s in cfg.specialties.items()))
    days = scenario.run.warmup_days + scenario.run.measurement_days
    growth = (1 + scenario.demand.growth_for("elective") / 100) ** (days / 365.25)
    return 100 * per_day * growth * 365.25 / reference


def demand_ceiling_warnings(scenario: Scenario) -> list[RunWarning]:
    """Targets on diagnostic_activity_vs_ref_pct above what the tests asked for allow."""
    targets = [t for t in scenario.targets
               if t.kpi == "diagnostic_activity_vs_ref_pct" and t.op == ">="]
    if not targets:
        return []
    ceiling = diagnostic_activity_ceiling(scenario)
    return [RunWarning(DEMAND_CEILING, t.id, (
        f"{t.id} ({t.kpi} {t.op} {t.threshold:g}) cannot be met by any capacity: every test "
        f"asked for comes to at most {ceiling:.1f}% of the reference year's tests "
        "(elective.reference_tests_per_year_per_100k); activity cannot exceed demand"))
        for t in targets if t.threshold > ceiling]


# -- a run, a batch ------------------------------------------------------------------------------
def run_warnings(scenario: Scenario, results: list[ReplicationResult], scale: float = 1.0,
                 quick: bool = False) -> list[RunWarning]:
    """Everything that makes this run's answer unsafe, stamps first."""
    return [*stamp_warnings(scale, quick, len(results), scenario.run.measurement_days,
                            window_text(calendar_of(scenario))),
            *settle_warnings(results, scenario.run.warmup_days),
            *outside_capacity_warnings(results),
            *patient_choice_warnings(scenario), *demand_ceiling_warnings(scenario),
            *underpowered_warnings(scenario, results)]


def batch_warnings(scenarios: Mapping[str, Scenario],
                   results: Mapping[str, list[ReplicationResult]], scale: float = 1.0,
                   quick: bool = False) -> list[RunWarning]:
    """A batch's warnings, one per queue and one per target however many scenarios share it
    (each names the scenarios concerned), stamps first."""
    names = list(scenarios)
    first = scenarios[names[0]]
    reps = len(results[names[0]])
    per = {n: [*settle_warnings(results[n], scenarios[n].run.warmup_days),
               *outside_capacity_warnings(results[n]),
               *patient_choice_warnings(scenarios[n]),
               *demand_ceiling_warnings(scenarios[n])] for n in names}
    out = stamp_warnings(scale, quick, reps, first.run.measurement_days,
                         window_text(calendar_of(first)))
    out += _merge_settling(per, len(names))
    out += _merge_precision({n: precision(scenarios[n], results[n]) for n in names},
                            len(names))
    return out + identical_warnings(scenarios, scale)


def identical_warnings(scenarios: Mapping[str, Scenario], scale: float = 1.0
                       ) -> list[RunWarning]:
    """Options that are the same system as another (names and descriptions aside): their
    differences are zero by construction, not a finding. A trial scale can do it (9 and 12
    clinicians both round to 1 at --scale 0.1)."""
    groups: dict[str, list[str]] = {}
    for name, sc in scenarios.items():
        key = sc.model_dump_json(exclude={"name", "description"})
        groups.setdefault(key, []).append(name)
    why = f" after --scale {scale:g} rounded their capacities" if scale != 1.0 else ""
    return [RunWarning(IDENTICAL, ", ".join(same), f"{' and '.join(same)} are the same "
                       f"scenario{why}: their differences are zero by construction")
            for same in groups.values() if len(same) > 1]


def _merge_settling(per: Mapping[str, list[RunWarning]], total: int) -> list[RunWarning]:
    """Same kind and queue across scenarios: one warning listing them (the first's figures)."""
    groups: dict[tuple[str, str], list[tuple[str, RunWarning]]] = {}
    for name, found in per.items():
        for w in found:
            groups.setdefault((w.kind, w.subject), []).append((name, w))
    out = []
    for (kind, subject), hits in groups.items():
        if len(hits) == 1 and total == 1:
            out.append(replace(hits[0][1], scenarios=(hits[0][0],)))
            continue
        names = tuple(n for n, _ in hits)
        head = hits[0][1].message
        where = _which(names, list(per), total)
        out.append(RunWarning(kind, subject, f"{head} [in {where}; figures for {names[0]}]",
                              names))
    return out


def _which(names: tuple[str, ...], every: list[str], total: int) -> str:
    """'all 12 scenarios', '11 of 12 scenarios (all but winter_plan)' or '2 of 12 (a, b)'."""
    if len(names) == total:
        return f"all {total} scenarios"
    if len(names) > total / 2:
        return (f"{len(names)} of {total} scenarios (all but "
                f"{', '.join(n for n in every if n not in names)})")
    return f"{len(names)} of {total} scenarios ({', '.join(names)})"


def _merge_precision(per: Mapping[str, list[Precision]], total: int) -> list[RunWarning]:
    """Per target: the widest interval over the scenarios and the most replications needed."""
    groups: dict[str, list[tuple[str, Precision]]] = {}
    for name, found in per.items():
        for p in found:
            if p.underpowered:
                groups.setdefault(p.target, []).append((name, p))
    out = []
    for tid, hits in groups.items():
        worst_name, worst = max(hits, key=lambda h: (h[1].half_width, h[1].needed))
        needed = max(p.needed for _, p in hits)
        w = precision_warning(replace(worst, needed=needed))
        names = tuple(n for n, _ in hits)
        where = "" if total == 1 else (
            f" (widest in {worst_name}; {len(names)} of {total} scenarios too wide)")
        out.append(RunWarning(UNDERPOWERED, tid, w.message + where, names))
    return out


# -- reading them back -----------------------------------------------------------------------------
def manifest_warnings(manifest: Mapping[str, Any]) -> list[RunWarning]:
    """The warnings a results folder carries; a scaled folder written before warnings existed
    still gets its stamp (from ``scale`` in the manifest)."""
    found = [RunWarning(w.get("kind", ""), w.get("subject", ""), w.get("message", ""),
                        tuple(w.get("scenarios", ()))) for w in manifest.get("warnings", [])]
    scale = float(manifest.get("scale", 1.0) or 1.0)
    if scale != 1.0 and not any(w.kind == SCALED for w in found):
        found.insert(0, RunWarning(SCALED, "run", scaled_stamp(scale)))
    return found


def stamp_text(warnings: Iterable[RunWarning]) -> str:
    """The whole-run stamps in one line ('' when the run is neither scaled nor quick)."""
    return "; ".join(w.message for w in warnings if w.kind in STAMPS)


def format_stamp(warnings: Iterable[RunWarning]) -> str:
    """The stamps as a banner line for the terminal ('' when there are none)."""
    stamp = stamp_text(warnings)
    return f"*** {stamp} ***" if stamp else ""


def format_warnings(warnings: list[RunWarning]) -> str:
    """Plain text for the terminal: the stamps as a banner, then one line per warning."""
    rest = [w for w in warnings if w.kind not in STAMPS]
    lines = [format_stamp(warnings)] if stamp_text(warnings) else []
    if rest:
        lines.append(f"Warnings ({len(rest)}):")
        lines += [f"  - {w.kind}: {w.message}" for w in rest]
    return "\n".join(lines)

"""Warm-up and run length: how long to warm up, how many replications, and does it settle?

Three questions a modeller asks before trusting a scenario's KPIs, answered from pilot
replications of that scenario:

* **Warm-up.** Each pilot replication is rerun from an empty-and-idle start with no warm-up
  (``run.warmup_days = 0``) over the scenario's warm-up plus measurement days, and a few key
  outputs are read from its monitor as *daily* series (:data:`SERIES`). The series are averaged
  over the pilot replications and MSER-5 (:func:`mser5`) picks, for each, the day after which
  the mean is least uncertain. The suggested warm-up is the longest of these over the series
  that settle, rounded up to whole weeks.
* **Replications.** The pilot replications are also run as the scenario stands (its own warm-up,
  exactly as ``run`` would, so they are the first replications of a real run) and for each main
  KPI (:data:`MAIN_KPIS`) the confidence-interval width method (:func:`replications_needed`)
  gives the number of replications whose 95% CI half-width is within a tolerance.
* **Settling.** A queue or waiting list whose demand is at or above its capacity (load >= 1)
  never reaches a steady state: no warm-up is long enough and its KPIs depend on the run length.
  :func:`growth_check` flags a queue that is still rising after the warm-up.

The daily series, the growth rule and the replications rule live in
:mod:`sim.outputs.settling` (re-exported here), because every ``run`` and ``batch`` applies
them again to its own replications (:mod:`sim.outputs.soundness`).

Pure library code: nothing here prints; :func:`format_advice` returns the report the CLI prints.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from sim.core.monitor import SeriesSpec
from sim.core.stats import mean_ci
from sim.experiment.runner import default_workers, run_calls, run_task
from sim.model.replication import simulate
from sim.outputs.kpis import KPIS
from sim.outputs.result import ReplicationResult
from sim.outputs.settling import (  # noqa: F401  (re-exported: advise's public names)
    DAYS_PER_WEEK,
    GROWTH_FIRST_T,
    GROWTH_MIN_RISE,
    GROWTH_RISE_SHARE,
    GROWTH_T,
    MAX_REPLICATIONS,
    MIN_WEEKS,
    REL_PRECISION,
    TOLERANCE_POINTS,
    Growth,
    filled,
    growth_check,
    level_daily_means,
    replications_needed,
    series_specs,
    spec_daily,
    tally_daily_share,
    tolerance,
)
from sim.scenario import Scenario

BATCH = 5  # MSER-5: batch means of five days


# -- daily series -----------------------------------------------------------------------------
# Each service declares its key daily series (``SERIES`` in its module, listed in the registry).
SERIES: tuple[SeriesSpec, ...] = series_specs()
SPECS = {s.name: s for s in SERIES}


def unwarmed(scenario: Scenario) -> Scenario:
    """The scenario with no warm-up and the same horizon: measurement covers every day."""
    r = scenario.run
    run = r.model_copy(update={"warmup_days": 0,
                               "measurement_days": r.warmup_days + r.measurement_days})
    return scenario.model_copy(update={"run": run})


def daily_series(scenario: Scenario, seed: int, replication: int) -> dict[str, np.ndarray]:
    """Daily series of the key outputs (:data:`SERIES`) of one replication run with no warm-up.

    The run covers the scenario's warm-up plus measurement days from its start date, with the
    same seed and replication streams as :func:`sim.model.replication.run_replication`.
    Element ``d`` of each series is day ``d`` of the run (day 0 = ``run.start_date``). Series
    of services that are switched off are left out.
    """
    sc = unwarmed(scenario)
    rep = simulate(sc, seed, replication)  # closed: censored waits count
    return {spec.name: spec_daily(rep.monitor, spec, rep.calendar.measurement)
            for spec in SERIES if getattr(sc, spec.needs).enabled}


# -- MSER-5 -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mser:
    warmup_days: int  # batch * d*, d* the best truncation over the first half of the batches
    batches: int  # k, whole batches in the series
    at_limit: bool  # d* = k/2: still falling at the limit, so the warm-up is a lower bound
    statistic: np.ndarray  # MSER(d) for d = 0..k/2


def mser(series: Sequence[float] | np.ndarray, batch: int = BATCH) -> Mser:
    """MSER-``batch`` with its details; see :func:`mser5` for the definition."""
    y = filled(np.asarray(series, dtype=float))
    k = y.size // batch
    if k < 4 or not np.isfinite(y).all():
        return Mser(0, k, False, np.array([]))
    z = y[: k * batch].reshape(k, batch).mean(axis=1)
    # tail sums over j >= d, for the mean and variance of the batches kept
    s1 = np.cumsum(z[::-1])[::-1]
    s2 = np.cumsum((z * z)[::-1])[::-1]
    m = np.arange(k, 0, -1, dtype=float)  # k - d batches kept
    sse = np.maximum(s2 - s1 * s1 / m, 0.0)
    half = k // 2
    stat = (sse / (m * m))[: half + 1]
    best = int(np.argmin(stat))
    return Mser(batch * best, k, best == half, stat)


def mser5(series: Sequence[float] | np.ndarray) -> int:
    """MSER-5 truncation point of a daily series: the warm-up in days.

    Definition (White 1997; White, Cobb & Spratt 2000; Hoad, Robinson & Davies 2010, who found
    it the best automatic warm-up method in their comparison and apply it to the mean of
    several replications' series): split the series into ``k`` batch means of five
    observations, ``Z_1..Z_k`` (a last incomplete batch is dropped). For each truncation
    ``d`` (batches deleted from the start) the MSER statistic is

        MSER(d) = 1 / (k - d)^2 * sum_{j=d+1..k} (Z_j - Zbar_d)^2,

    with ``Zbar_d`` the mean of the batches kept: the squared standard error of the truncated
    mean, which falls while deleting initial bias and rises once deleting only shortens the
    sample. ``d*`` minimises it over the first half of the batches, ``d <= k/2`` (the statistic
    is erratic when few batches are left; a minimum at ``k/2`` itself means the run is too short
    to say or the series trends, see :class:`Mser`), and the warm-up is ``5 d*`` days.
    Missing days (NaN) are interpolated; a series of under four batches gives 0. MSER-5
    assumes a series that would be stationary but for the start: a seasonal swing (demand by
    month) early in the run looks like initial bias and lengthens the warm-up.

    References: K. P. White (1997) An effective truncation heuristic for bias reduction in
    simulation output, Simulation 69(6); K. Hoad, S. Robinson, R. Davies (2010) Automating
    warm-up length estimation, J. Oper. Res. Soc. 61(9).
    """
    return mser(series).warmup_days


# -- growth and replications: sim.outputs.settling (every run checks them too) ---------------
MAIN_KPIS = ("ed_4h_pct", "ed_12h_pct", "acute_occupancy_pct", "rtt_18w_pct", "ucr_2h_pct",
             "vw_occupancy_pct", "reablement_2d_pct")


# -- advice -----------------------------------------------------------------------------------
SETTLES, NEVER_SETTLES, DRIFTS, TOO_SHORT = "settles", "never settles", "drifts", "too short"


@dataclass(frozen=True)
class SeriesAdvice:
    name: str
    label: str
    warmup_days: int  # MSER-5 on the mean of the pilot replications' series
    at_limit: bool  # MSER-5 minimum at half the run: a lower bound
    growth: Growth  # trends after that warm-up
    status: str  # SETTLES, NEVER_SETTLES (queues only), DRIFTS or TOO_SHORT
    mean: float  # after its own warm-up

    @property
    def counts(self) -> bool:
        """Whether its warm-up enters the suggestion (a trend is not a warm-up)."""
        return self.status in (SETTLES, TOO_SHORT)


@dataclass(frozen=True)
class KpiAdvice:
    kpi: str
    unit: str
    mean: float
    sd: float  # over the pilot replications
    pilot_half_width: float  # their 95% CI half-width
    tolerance: float  # target half-width, in the KPI's unit
    tolerance_rule: str  # "±1 point" or "±5% of mean"
    replications: int  # -1: undefined (a single value)
    unsettled: bool = False  # its service has a queue that never settles


@dataclass
class Advice:
    scenario: str
    seed: int
    pilot: int
    days: int  # days simulated by the pilot series (scenario warm-up + measurement)
    scenario_warmup_days: int
    measurement_days: int
    series: list[SeriesAdvice]
    warmup_days: int  # suggested: max over series that settle, rounded up to whole weeks
    kpis: list[KpiAdvice]
    replications: int  # suggested: max over KPIs, at least 2
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def never_settles(self) -> list[str]:
        return [s.name for s in self.series if s.status == NEVER_SETTLES]


def _run_pilot(kind: str, scenario: Scenario, seed: int, rep: int):
    if kind == "kpis":
        return run_task(scenario, seed, rep)
    return daily_series(scenario, seed, rep)


def run_pilots(scenario: Scenario, seed: int, pilot: int, workers: int = 1,
               progress: Callable[[str, int], None] | None = None,
               ) -> tuple[list[ReplicationResult], list[dict[str, np.ndarray]]]:
    """Pilot replications 0..pilot-1, twice: as the scenario stands (KPIs, identical to those of
    ``run``) and with no warm-up (daily series); one process pool for both."""
    tasks = [(kind, r) for r in range(pilot) for kind in ("daily", "kpis")]
    results: dict[tuple[str, int], object] = {}
    if workers <= 1:
        for kind, r in tasks:
            results[kind, r] = _run_pilot(kind, scenario, seed, r)
            if progress is not None:
                progress(kind, r)
    else:
        calls = [(kind, scenario, seed, r) for kind, r in tasks]
        for index, result in run_calls(_run_pilot, calls, workers):
            results[tasks[index]] = result
            if progress is not None:
                progress(*tasks[index])
    kpis = [results["kpis", r] for r in range(pilot)]
    daily = [results["daily", r] for r in range(pilot)]
    return kpis, daily  # type: ignore[return-value]


def _weeks_up(days: int) -> int:
    return DAYS_PER_WEEK * math.ceil(days / DAYS_PER_WEEK)


def _status(spec: SeriesSpec, g: Growth) -> str:
    if not g.checked:
        return TOO_SHORT
    if spec.queue and g.never_settles:
        return NEVER_SETTLES
    return DRIFTS if g.drifts else SETTLES


def _series_advice(spec: SeriesSpec, runs: list[np.ndarray]) -> SeriesAdvice:
    with warnings.catch_warnings():  # a day without observations in any pilot stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        mean_series = np.nanmean(np.vstack(runs), axis=0)
    m = mser(mean_series)
    g = growth_check(mean_series, m.warmup_days)
    rest = filled(mean_series)[m.warmup_days:]
    return SeriesAdvice(spec.name, spec.label, m.warmup_days, m.at_limit, g, _status(spec, g),
                        float(np.mean(rest)) if rest.size else math.nan)


def _num(x: float, sign: str = "") -> str:
    """Readable without exponents: whole numbers from 100 up, else 3 significant figures."""
    return f"{x:{sign},.0f}" if abs(x) >= 100 else f"{x:{sign}.3g}"


def _series_warning(s: SeriesAdvice, days: int) -> str | None:
    g = s.growth
    trend = (f"{_num(g.rise, '+')} ({g.rise_pct:+.1f}% of its mean {_num(g.level)}) over the last "
             f"{g.weeks} weeks, slope t = {g.t_stat:.1f}")
    if s.status == NEVER_SETTLES:
        return (f"{s.label} ({s.name}) never settles: still rising after the warm-up, {trend}. "
                "Demand on it, or on the service it waits for, is at or above capacity "
                "(load >= 1): no warm-up reaches a steady state and its KPIs depend on the run "
                "length.")
    if s.status == DRIFTS:
        return (f"{s.label} ({s.name}) drifts: {trend}, the same way in the first half. A "
                "steady trend is not a warm-up, so it is left out of the suggested warm-up; "
                "its KPIs describe this period, not a steady state.")
    if s.at_limit:
        return (f"{s.label} ({s.name}): MSER-5 is still falling at half the {days}-day run, "
                f"so its warm-up ({s.warmup_days} d) is a lower bound: a slow start-up, or a "
                "seasonal swing that MSER-5 cannot tell from one; more measurement days would "
                "tell.")
    return None


def _kpi_advice(kid: str, values: np.ndarray, level: float, tolerance_points: float | None,
                rel_precision: float) -> KpiAdvice | None:
    mean, sd, lo, hi, n = mean_ci(values, level)
    if n == 0:
        return None  # service switched off
    unit = KPIS[kid].unit
    tol, rule = tolerance(unit, mean, tolerance_points, rel_precision)
    need = replications_needed(sd, tol, level) if n >= 2 else -1
    return KpiAdvice(kid, unit, mean, sd, (hi - lo) / 2, tol, rule, need)


def advise(scenario: Scenario, seed: int, pilot: int = 5, workers: int | None = None,
           tolerance_points: float | None = TOLERANCE_POINTS,
           rel_precision: float = REL_PRECISION, level: float = 0.95,
           kpis: Sequence[str] = MAIN_KPIS,
           progress: Callable[[str, int], None] | None = None) -> Advice:
    """Suggested warm-up and replications for a scenario, with warnings, from pilot runs.

    * Warm-up per series (:data:`SERIES`): MSER-5 (:func:`mser5`) on the daily series averaged
      over the pilot replications, each run with no warm-up over the scenario's warm-up plus
      measurement days. Overall: the longest over the series that settle, rounded up to whole
      weeks (series that never settle or drift are left out: a trend is not a warm-up).
    * Settling: :func:`growth_check` on each series after its own MSER-5 warm-up; a queue that
      grows is reported as never settling (load >= 1), any other steady trend as a drift.
    * Replications per KPI (default :data:`MAIN_KPIS`): :func:`replications_needed` with the
      sd over the pilot replications (run as the scenario stands, as ``run`` would) and a
      target 95% CI half-width of ``tolerance_points`` percentage points for % KPIs (default
      1 point: 5% of the mean would be about 4 points on the 4-hour KPI, too coarse to judge a
      78% target, but under a point on a 10% 12-hour share), or ``rel_precision`` of the mean
      for other KPIs, and for all when ``tolerance_points`` is None. Overall: the largest,
      at least 2.

    ``workers`` processes (default: all cores) run the 2 x ``pilot`` simulations.
    """
    if pilot < 2:
        raise ValueError("pilot needs at least 2 replications to estimate a variance")
    started = time.perf_counter()
    kpi_runs, daily = run_pilots(scenario, seed, pilot, workers or default_workers(), progress)
    r = scenario.run
    days = r.warmup_days + r.measurement_days

    series = [_series_advice(spec, [d[spec.name] for d in daily])
              for spec in SERIES if spec.name in daily[0]]
    notes = [w for w in (_series_warning(s, days) for s in series) if w is not None]
    counted = [s for s in series if s.counts]
    warmup = _weeks_up(max((s.warmup_days for s in counted), default=0))
    if warmup > r.warmup_days:
        longest = max(counted, key=lambda s: s.warmup_days)
        notes.append(
            f"suggested warm-up {warmup} d is longer than the scenario's warmup_days = "
            f"{r.warmup_days} (longest: {longest.label}, {longest.warmup_days} d): "
            f"--set run.warmup_days={warmup}")

    found = [_kpi_advice(k, np.array([run.kpis.get(k, math.nan) for run in kpi_runs]), level,
                         tolerance_points, rel_precision) for k in kpis]
    unsettled = {SPECS[s.name].needs for s in series if s.status == NEVER_SETTLES}
    advice = [replace(k, unsettled=KPIS[k.kpi].needs in unsettled) for k in found
              if k is not None]
    reps = max([2, *(k.replications for k in advice)])
    if any(k.replications >= MAX_REPLICATIONS for k in advice):
        notes.append(f"some KPIs need {MAX_REPLICATIONS}+ replications: loosen the tolerance")
    if any(k.unsettled for k in advice):
        names = ", ".join(k.kpi for k in advice if k.unsettled)
        notes.append(f"{names}: measured on a service that never settles (*), so more "
                     "replications give a precise value for this run length only; fix the "
                     "capacity first")
    return Advice(scenario.name, seed, pilot, days, r.warmup_days, r.measurement_days, series,
                  warmup, advice, reps, notes, time.perf_counter() - started)


def format_advice(advice: Advice) -> str:
    """Plain-text report of :func:`advise`, for the terminal."""
    a = advice
    lines = [
        f"Scenario {a.scenario}: {a.pilot} pilot replications (seed {a.seed}) of "
        f"{a.days} days ({a.scenario_warmup_days} warm-up + {a.measurement_days} measured), "
        f"{a.seconds:.0f} s",
        "",
        "Warm-up: MSER-5 on daily series (mean of the pilot replications, run without warm-up)",
        f"  {'series':<36} {'warm-up':>8} {'mean after':>11}  trend after the warm-up",
    ]
    for s in a.series:
        g = s.growth
        trend = s.status
        if g.checked:
            trend += f" ({g.rise_pct:+.1f}% over last {g.weeks} wk, t = {g.t_stat:+.1f})"
        mark = "+" if s.at_limit else " "
        lines.append(f"  {s.label:<36} {s.warmup_days:>6} d{mark} {_num(s.mean):>10}  {trend}")
    lines += [
        f"  suggested warm-up: {a.warmup_days} days (longest over series that settle, in whole "
        f"weeks); the scenario has {a.scenario_warmup_days}",
        "",
        "Replications: 95% CI half-width within tolerance e, n >= (t[n-1] * sd / e)^2",
        f"  {'KPI':<20} {'mean':>8} {'sd':>7} {'pilot ±':>8} {'tolerance':>20} {'needed':>8}",
    ]
    for k in a.kpis:
        need = (str(k.replications) if k.replications >= 0 else "n/a") + (
            "*" if k.unsettled else "")
        tol = f"{k.tolerance_rule} ({k.tolerance:.3g})"
        lines.append(f"  {k.kpi:<20} {k.mean:>8.2f} {k.sd:>7.3f} {k.pilot_half_width:>8.3f} "
                     f"{tol:>20} {need:>8}")
    lines.append(f"  suggested replications: {a.replications}")
    if any(s.at_limit for s in a.series):
        lines += ["", "+ MSER-5 still falling at half the run: that warm-up is a lower bound"]
    if a.warnings:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in a.warnings]
    return "\n".join(lines)

"""A batch's statistics against its comparator: per KPI the paired mean difference with its
95% CI (common random numbers; Welch for unpaired runs), verdict changes, and for per-patient
targets the extra patients meeting them and the incremental cost per extra patient."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.core.stats import mean_ci, t_ppf
from sim.outputs.kpis import KPIS
from sim.outputs.result import ReplicationResult
from sim.outputs.targets import TargetResult

Values = dict[str, dict[int, float]]  # kpi -> replication -> value
Monthly = dict[str, Values]  # month label -> kpi -> replication -> value
Verdicts = list[tuple[str, str, str]]  # (target id, kpi, verdict)


def kpi_values(results: list[ReplicationResult]) -> Values:
    return {k: {r.replication: r.kpis.get(k, np.nan) for r in results} for k in KPIS}


def monthly_values(results: list[ReplicationResult]) -> Monthly:
    out: Monthly = {}
    for r in results:
        for month, kpis in r.monthly.items():
            for k, v in kpis.items():
                out.setdefault(month, {}).setdefault(k, {})[r.replication] = v
    return out


def judged_months(judged: list[TargetResult]) -> dict[str, str]:
    """Target id -> what its verdict was judged on: a month (YYYY-MM) or "window"."""
    return {j.target.id: j.judged_on for j in judged}


def verdicts_of(judged: list[TargetResult]) -> Verdicts:
    return [(j.target.id, j.target.kpi, j.verdict) for j in judged]


# A per-patient % KPI and the count it is a share of, for "cost per extra patient meeting it".
SHARE_OF = {"ed_4h_pct": "ed_attendances", "ed_12h_pct": "ed_type1_attendances",
            "ucr_2h_pct": "ucr_referrals_in_scope", "reablement_2d_pct": "reablement_referrals",
            "rtt_18w_pct": "waiting_list_size"}


def _mean_paired(base: Values, other: Values, f) -> float:
    """Mean over common replications of f(base row, other row), rows being kpi -> value."""
    reps = sorted(set(base.get("cost_total_gbp", {})) & set(other.get("cost_total_gbp", {})))
    vals = [f({k: v.get(r, np.nan) for k, v in base.items()},
              {k: v.get(r, np.nan) for k, v in other.items()}) for r in reps]
    vals = [v for v in vals if np.isfinite(v)]
    return float(np.mean(vals)) if vals else np.nan


def extra_meeting(kpi: str, base: Values, other: Values) -> float:
    """Extra patients meeting the standard (option - comparator), on the better side."""
    count = SHARE_OF[kpi]
    if not all(k in v for k in (kpi, count) for v in (base, other)):
        return np.nan  # a folder without these KPIs
    sign = -1.0 if KPIS[kpi].better == "lower" else 1.0
    return _mean_paired(base, other, lambda a, b: sign * (b[kpi] * b[count]
                                                          - a[kpi] * a[count]) / 100)


NOT_COSTED = "not costed: no costed capacity changed"
NOT_SIGNIFICANT = "difference not significant"
NO_EXTRA = "no extra patients meeting the target"
UNPAIRED = "unpaired runs: not computed"
DOMINANT = "cheaper and more patients meeting the target (dominant)"
SHIPPED_COSTS = "estimate [E]: replace with local unit costs"


def cost_label(costs: dict[str, Any] | None) -> str:
    """How far to trust the unit costs: the shipped ones are estimates [E] (baseline.toml says
    so line by line); a scenario that sets its own says where they are (``[costs]``)."""
    from sim.scenario import baseline_path, load_scenario

    shipped = load_scenario(baseline_path()).costs.model_dump(mode="json")
    if not costs or costs == shipped:
        return SHIPPED_COSTS
    return (f"scenario unit costs ([costs], price year {costs.get('price_year', '?')}); "
            "estimates unless replaced with local figures")


def _cost_columns(d_cost: float, extra: float, significant: bool, paired: bool,
                  label: str) -> tuple[float, float, float, str]:
    """(incremental cost, extra patients, cost per extra patient, note), rounded for reading:
    GBP to the pound, patients to 0.1. A cost per extra patient is given only for a
    significant difference that helps; no change in costed capacity is "not costed", not 0."""
    extra = round(extra, 1) if np.isfinite(extra) else np.nan
    if d_cost == 0:
        return np.nan, extra, np.nan, NOT_COSTED
    cost = float(round(d_cost)) if np.isfinite(d_cost) else np.nan
    if not paired:
        return cost, np.nan, np.nan, UNPAIRED
    if not significant:
        return cost, extra, np.nan, f"{NOT_SIGNIFICANT}; {label}"
    if not np.isfinite(extra) or extra <= 0:
        return cost, extra, np.nan, f"{NO_EXTRA}; {label}"
    if d_cost < 0:  # a ratio of a saving to a gain reads as a price; say what it is
        return cost, extra, np.nan, f"{DOMINANT}; {label}"
    return cost, extra, float(round(d_cost / extra)), label


def difference(a_map: dict[int, float], b_map: dict[int, float], paired: bool
               ) -> tuple[float, float, float, float, float, int]:
    """(comparator mean, option mean, option - comparator, 95% CI low, high, n): paired over
    common replications (same seed: common random numbers), else Welch."""
    if paired:
        reps = sorted(set(a_map) & set(b_map))
        a = np.array([a_map[r] for r in reps], dtype=float)
        b = np.array([b_map[r] for r in reps], dtype=float)
        ok = np.isfinite(a) & np.isfinite(b)
        a, b = a[ok], b[ok]
        mean, _sd, lo, hi, n = mean_ci(b - a)
    else:
        a = np.array([v for v in a_map.values() if np.isfinite(v)], dtype=float)
        b = np.array([v for v in b_map.values() if np.isfinite(v)], dtype=float)
        mean, lo, hi, n = welch_ci(a, b)
    return (float(a.mean()) if a.size else np.nan, float(b.mean()) if b.size else np.nan,
            mean, lo, hi, n)


def comparison_rows(name: str, comparator: str, base: Values, other: Values,
                    base_verdicts: Verdicts, other_verdicts: Verdicts,
                    paired: bool = True, cost_source: str = SHIPPED_COSTS,
                    judged_on: dict[str, str] | None = None,
                    months: tuple[Monthly, Monthly] | None = None) -> list[tuple]:
    """Per KPI: mean difference (option - comparator) over the window with its 95% CI, and
    target verdicts; for targets on a per-patient share, the extra patients meeting it and the
    incremental cost per extra patient (only where the difference is significant; see
    _cost_columns). A target row also gives the difference on what its verdict is judged on
    (``judged_on``: its deadline month, from ``months``, else the window), so the difference
    read beside a March verdict is March's, with the window's beside it.

    Paired over common replications (same seed: common random numbers), else Welch."""
    judged_on = judged_on or {}
    rows = []
    other_v = {tid: v for tid, _k, v in other_verdicts}
    d_cost = _mean_paired(base, other, lambda a, b: b["cost_total_gbp"] - a["cost_total_gbp"])
    if not paired:
        d_cost = float(np.nanmean(list(other.get("cost_total_gbp", {}).values()))
                       - np.nanmean(list(base.get("cost_total_gbp", {}).values())))
    for k in KPIS:
        base_mean, other_mean, mean, lo, hi, n = difference(base.get(k, {}), other.get(k, {}),
                                                            paired)
        significant = bool(n >= 2 and (lo > 0 or hi < 0))
        targets = [(tid, v) for tid, kk, v in base_verdicts if kk == k] or [("", "")]
        extra = extra_meeting(k, base, other) if k in SHARE_OF and paired else np.nan
        cost, extra, per_extra, note = _cost_columns(d_cost, extra, significant, paired,
                                                     cost_source)
        if k not in SHARE_OF:
            note = NOT_COSTED if d_cost == 0 else cost_source
        for tid, vb in targets:
            vo = other_v.get(tid, "") if tid else ""
            on = judged_on.get(tid, "window") if tid else ""
            j = (mean, lo, hi) if tid else (np.nan, np.nan, np.nan)
            if on not in ("", "window"):
                j = (difference(months[0].get(on, {}).get(k, {}), months[1].get(on, {}).get(
                    k, {}), paired)[2:5] if months else (np.nan, np.nan, np.nan))
            rows.append((name, comparator, k, base_mean, other_mean, mean, lo, hi, n,
                         significant, tid, vb, vo, bool(tid) and vb != vo, cost,
                         extra if tid else np.nan, per_extra if tid else np.nan, note,
                         on, *j))
    return rows


def welch_ci(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float, int]:
    """Difference of means (b - a) with a Welch 95% interval, for runs with different seeds."""
    if a.size < 2 or b.size < 2:
        diff = float(b.mean() - a.mean()) if a.size and b.size else np.nan
        return diff, np.nan, np.nan, int(min(a.size, b.size))
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    diff = float(b.mean() - a.mean())
    se = float(np.sqrt(va + vb))
    if se == 0:
        return diff, diff, diff, int(min(a.size, b.size))
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = t_ppf(0.975, df) * se
    return diff, diff - half, diff + half, int(min(a.size, b.size))


COMPARISON_COLUMNS = ["scenario", "comparator", "kpi", "comparator_mean", "scenario_mean",
                      "mean_diff", "ci_low", "ci_high", "n", "significant", "target",
                      "comparator_verdict", "scenario_verdict", "verdict_changed",
                      "incremental_cost_gbp", "extra_patients_meeting",
                      "cost_per_extra_patient_gbp", "cost_note",
                      # a target's difference on what its verdict is judged on (its deadline
                      # month or "window"); mean_diff beside it is the window's
                      "judged_on", "judged_mean_diff", "judged_ci_low", "judged_ci_high"]

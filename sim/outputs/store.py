"""The on-disk format of a run: tables, targets, provenance, all written atomically.

``manifest.json`` is written first with ``"status": "running"`` and last with
``"status": "complete"``; every file goes to a temporary name and is renamed into place, so an
interrupted run never leaves a folder that looks complete.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.core.stats import mean_ci, t_ppf
from sim.model.replication import calendar_of
from sim.outputs.kpis import KPIS
from sim.outputs.result import ReplicationResult
from sim.outputs.targets import TargetResult, judge, judged_on
from sim.scenario import Scenario, scenario_hash


def replications_table(name: str, results: list[ReplicationResult]) -> pd.DataFrame:
    rows = [(name, r.replication, k, r.kpis[k]) for r in results for k in KPIS if k in r.kpis]
    return pd.DataFrame(rows, columns=["scenario", "replication", "kpi", "value"])


def monthly_table(name: str, results: list[ReplicationResult]) -> pd.DataFrame:
    rows = [(name, r.replication, month, k, vals[k])
            for r in results for month, vals in r.monthly.items() for k in KPIS if k in vals]
    return pd.DataFrame(rows, columns=["scenario", "replication", "month", "kpi", "value"])


def distributions_table(name: str, results: list[ReplicationResult]) -> pd.DataFrame:
    """Counts per bin, per replication: the report's distributions, rebuildable from disk."""
    from sim.outputs.histograms import HISTOGRAMS

    rows = []
    for h in HISTOGRAMS:
        for r in results:
            for i, count in enumerate(r.histograms.get(h.name, [])):
                high = h.edges[i + 1] if i + 2 < len(h.edges) else float("inf")
                rows.append((name, r.replication, h.name, h.edges[i], high, count))
    return pd.DataFrame(rows, columns=["scenario", "replication", "measure", "bin_low",
                                       "bin_high", "count"])


def summary_table(name: str, results: list[ReplicationResult]) -> pd.DataFrame:
    rows = []
    for k in KPIS:
        values = np.array([r.kpis.get(k, np.nan) for r in results], dtype=float)
        mean, sd, lo, hi, n = mean_ci(values)
        rows.append((name, k, mean, sd, lo, hi, n))
    return pd.DataFrame(rows, columns=["scenario", "kpi", "mean", "sd", "ci_low", "ci_high", "n"])


def judge_targets(scenario: Scenario, results: list[ReplicationResult]) -> list[TargetResult]:
    cal = calendar_of(scenario)
    out = []
    for t in scenario.targets:
        on = judged_on(t, cal)
        if on == "window":
            values = [r.kpis.get(t.kpi, np.nan) for r in results]
        else:
            values = [r.monthly.get(on, {}).get(t.kpi, np.nan) for r in results]
        out.append(judge(t, np.array(values, dtype=float), on))
    return out


def targets_table(name: str, judged: list[TargetResult]) -> pd.DataFrame:
    rows = [(name, j.target.id, j.target.kpi, j.target.op, j.target.threshold,
             j.target.deadline or "", j.judged_on, j.mean, j.ci_low, j.ci_high, j.p_met, j.verdict)
            for j in judged]
    return pd.DataFrame(rows, columns=["scenario", "target", "kpi", "op", "threshold", "deadline",
                                       "judged_on", "mean", "ci_low", "ci_high", "p_met",
                                       "verdict"])


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    _atomic_write(path, frame.to_csv(index=False, lineterminator="\n"))


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5, check=False)
        return out.stdout.strip() if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> dict[str, str]:
    import simpy

    return {"ics_sim": __version__, "python": platform.python_version(),
            "simpy": simpy.__version__, "numpy": np.__version__, "pandas": pd.__version__}


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def manifest_base() -> dict[str, Any]:
    """Provenance every results folder carries."""
    return {"versions": versions(), "git_commit": git_commit(), "command_line": sys.argv}


def manifest(scenario: Scenario, seed: int, replications: int, status: str,
             started: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "status": status,
        "kind": "run",
        "scenario_name": scenario.name,
        "scenario_sha256": scenario_hash(scenario),
        "seed": seed,
        "replications": replications,
        **manifest_base(),
        "started": started,
        **(extra or {}),
        "scenario": scenario.model_dump(mode="json"),
    }


def write_manifest(out: Path, data: dict[str, Any]) -> None:
    _atomic_write(out / "manifest.json", json.dumps(data, indent=2, default=str) + "\n")


def write_run(out: Path, scenario: Scenario,
              results: list[ReplicationResult]) -> list[TargetResult]:
    """Write the tables of a finished run (the caller writes the manifest around them)."""
    name = scenario.name
    write_csv(out / "replications.csv", replications_table(name, results))
    write_csv(out / "monthly.csv", monthly_table(name, results))
    write_csv(out / "distributions.csv", distributions_table(name, results))
    write_csv(out / "summary.csv", summary_table(name, results))
    judged = judge_targets(scenario, results)
    write_csv(out / "targets.csv", targets_table(name, judged))
    return judged


def flows_total(results: list[ReplicationResult]) -> dict[str, dict[str, dict[str, int]]]:
    """Per replication, per service: entered, finished, redirected, in_system."""
    return {str(r.replication): r.flows for r in results}


# -- batches ----------------------------------------------------------------------------------
TASKS = "tasks"


def task_path(out: Path, scenario: str, replication: int) -> Path:
    return out / TASKS / scenario / f"rep-{replication:05d}.json"


def store_task(out: Path, result: ReplicationResult) -> None:
    """One finished replication, on disk at once (atomically), so a batch can resume."""
    path = task_path(out, result.scenario, result.replication)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"scenario": result.scenario, "replication": result.replication,
            "kpis": result.kpis, "monthly": result.monthly, "flows": result.flows,
            "histograms": result.histograms, "queue_weeks": result.queue_weeks}
    _atomic_write(path, json.dumps(data))


def load_task(path: Path) -> ReplicationResult:
    d = json.loads(path.read_text())
    return ReplicationResult(d["scenario"], d["replication"], d["kpis"], d["monthly"], d["flows"],
                             d.get("histograms", {}), d.get("queue_weeks", {}))


def stored_tasks(out: Path) -> set[tuple[str, int]]:
    found = set()
    for path in (out / TASKS).glob("*/rep-*.json"):
        found.add((path.parent.name, int(path.stem.split("-")[1])))
    return found


Values = dict[str, dict[int, float]]  # kpi -> replication -> value
Verdicts = list[tuple[str, str, str]]  # (target id, kpi, verdict)


def kpi_values(results: list[ReplicationResult]) -> Values:
    return {k: {r.replication: r.kpis.get(k, np.nan) for r in results} for k in KPIS}


def verdicts_of(judged: list[TargetResult]) -> Verdicts:
    return [(j.target.id, j.target.kpi, j.verdict) for j in judged]


# A per-patient % KPI and the count it is a share of, for "cost per extra patient meeting it".
SHARE_OF = {"ed_4h_pct": "ed_attendances", "ed_12h_pct": "ed_attendances",
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
    sign = -1.0 if KPIS[kpi].better == "lower" else 1.0
    return _mean_paired(base, other, lambda a, b: sign * (b[kpi] * b[count]
                                                          - a[kpi] * a[count]) / 100)


def comparison_rows(name: str, comparator: str, base: Values, other: Values,
                    base_verdicts: Verdicts, other_verdicts: Verdicts,
                    paired: bool = True) -> list[tuple]:
    """Per KPI: mean difference (option - comparator) with its 95% CI, and target verdicts;
    for targets on a per-patient share, the extra patients meeting it and the incremental
    cost per extra patient.

    Paired over common replications (same seed: common random numbers), else Welch."""
    rows = []
    other_v = {tid: v for tid, _k, v in other_verdicts}
    d_cost = _mean_paired(base, other, lambda a, b: b["cost_total_gbp"] - a["cost_total_gbp"])
    if not paired:
        d_cost = float(np.nanmean(list(other.get("cost_total_gbp", {}).values()))
                       - np.nanmean(list(base.get("cost_total_gbp", {}).values())))
    for k in KPIS:
        a_map, b_map = base.get(k, {}), other.get(k, {})
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
        significant = bool(n >= 2 and (lo > 0 or hi < 0))
        base_mean = float(a.mean()) if a.size else np.nan
        other_mean = float(b.mean()) if b.size else np.nan
        targets = [(tid, v) for tid, kk, v in base_verdicts if kk == k] or [("", "")]
        extra = extra_meeting(k, base, other) if k in SHARE_OF and paired else np.nan
        per_extra = d_cost / extra if np.isfinite(extra) and extra > 0 else np.nan
        for tid, vb in targets:
            vo = other_v.get(tid, "") if tid else ""
            rows.append((name, comparator, k, base_mean, other_mean, mean, lo, hi, n,
                         significant, tid, vb, vo, bool(tid) and vb != vo, d_cost,
                         extra if tid else np.nan, per_extra if tid else np.nan))
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
                      "cost_per_extra_patient_gbp"]


def write_batch(out: Path, scenarios: dict[str, Scenario], comparator: str,
                results: dict[str, list[ReplicationResult]]) -> dict[str, list[TargetResult]]:
    """The batch's tables: every scenario's rows together, plus comparison.csv."""
    judged = {name: judge_targets(sc, results[name]) for name, sc in scenarios.items()}
    write_csv(out / "replications.csv", pd.concat(
        [replications_table(n, results[n]) for n in scenarios], ignore_index=True))
    write_csv(out / "monthly.csv", pd.concat(
        [monthly_table(n, results[n]) for n in scenarios], ignore_index=True))
    write_csv(out / "summary.csv", pd.concat(
        [summary_table(n, results[n]) for n in scenarios], ignore_index=True))
    write_csv(out / "distributions.csv", pd.concat(
        [distributions_table(n, results[n]) for n in scenarios], ignore_index=True))
    write_csv(out / "targets.csv", pd.concat(
        [targets_table(n, judged[n]) for n in scenarios], ignore_index=True))
    rows = []
    base = kpi_values(results[comparator])
    for name in scenarios:
        if name != comparator:
            rows += comparison_rows(name, comparator, base, kpi_values(results[name]),
                                    verdicts_of(judged[comparator]), verdicts_of(judged[name]))
    write_csv(out / "comparison.csv", pd.DataFrame(rows, columns=COMPARISON_COLUMNS))
    return judged

"""The tables of a results folder (replications, monthly, distributions, summary, targets and,
for a batch, comparison), each written atomically: to a temporary name, then renamed."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.stats import mean_ci
from sim.model.replication import calendar_of
from sim.outputs.kpis import KPIS
from sim.outputs.result import ReplicationResult
from sim.outputs.store.batch_stats import (
    COMPARISON_COLUMNS,
    comparison_rows,
    cost_label,
    judged_months,
    kpi_values,
    monthly_values,
    verdicts_of,
)
from sim.outputs.targets import WINDOW, TargetResult, judge, judged_on
from sim.scenario import Scenario


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
    """Every target judged on its month or the window, at the scenario's required confidence;
    a trajectory once per point, each in its month."""
    cal = calendar_of(scenario)
    required = scenario.judgement.required_confidence
    out = []
    for t in (p for target in scenario.targets for p in target.points()):
        on = judged_on(t, cal)
        window = np.array([r.kpis.get(t.kpi, np.nan) for r in results], dtype=float)
        values = window if on.on == WINDOW else np.array(
            [r.monthly.get(on.on, {}).get(t.kpi, np.nan) for r in results], dtype=float)
        out.append(judge(t, values, on, required, window,
                         exact=t.kpi in KPIS and KPIS[t.kpi].exact))
    return out


TARGET_COLUMNS = ["scenario", "target", "kpi", "op", "threshold", "deadline", "in_force_since",
                  "judged_on", "judged_label", "mean", "ci_low", "ci_high", "window_mean", "n",
                  "n_met", "p_met", "p_met_low", "p_met_high", "required_confidence", "verdict",
                  "reason"]


def targets_table(name: str, judged: list[TargetResult]) -> pd.DataFrame:
    """targets.csv: the verdict beside what it was judged on (``judged_label``) and the value
    judged (``mean``: that month's mean when judged on a month; ``window_mean`` the window's)."""
    rows = [(name, j.target.id, j.target.kpi, j.target.op, j.target.threshold,
             j.target.deadline or "", j.in_force_since, j.judged_on, j.judged_label, j.mean,
             j.ci_low, j.ci_high, j.window_mean, j.n, j.n_met, j.p_met, j.p_met_low,
             j.p_met_high, j.required_confidence, j.verdict, j.reason)
            for j in judged]
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    atomic_write(path, frame.to_csv(index=False, lineterminator="\n"))


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
    source = cost_label(scenarios[comparator].costs.model_dump(mode="json"))
    for name in scenarios:
        if name != comparator:
            rows += comparison_rows(name, comparator, base, kpi_values(results[name]),
                                    verdicts_of(judged[comparator]), verdicts_of(judged[name]),
                                    judged_on=judged_months(judged[comparator]),
                                    months=(monthly_values(results[comparator]),
                                            monthly_values(results[name])),
                                    cost_source=source)
    write_csv(out / "comparison.csv", pd.DataFrame(rows, columns=COMPARISON_COLUMNS))
    return judged

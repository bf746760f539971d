"""The on-disk format of a run: tables, targets, provenance, all written atomically.

``manifest.json`` is written first with ``"status": "running"`` and last with
``"status": "complete"``; every file goes to a temporary name and is renamed into place, so an
interrupted run never leaves a folder that looks complete.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.core.errors import InputError
from sim.core.stats import mean_ci, t_ppf
from sim.model.replication import calendar_of
from sim.outputs.kpis import KPIS
from sim.outputs.result import ReplicationResult
from sim.outputs.targets import WINDOW, TargetResult, judge, judged_on
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


# -- who is writing a folder, and whether it is still alive -----------------------------------
def _process_start(pid: int) -> str | None:
    """When a process started (Linux: clock ticks since boot, /proc/PID/stat field 22), so that
    a later process given the same pid is not taken for the writer; None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # the command name may hold spaces
    return fields[19] if len(fields) > 19 else None


def writer_marks() -> dict[str, Any]:
    """Recorded in a running manifest: which process on which machine is writing the folder."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "pid_started": _process_start(pid)}


def writer_alive(man: dict[str, Any]) -> bool | None:
    """Whether the process that wrote a manifest still runs: None when it cannot be told from
    here (another machine, or a manifest from before pids were recorded)."""
    pid, host = man.get("pid"), man.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but someone else's
        pass
    started = man.get("pid_started")
    return started is None or _process_start(pid) in (None, started)


@dataclass(frozen=True)
class FolderState:
    """What a results folder holds: ``status`` is "new" (no manifest), "complete", "running"
    (its writer is alive, or on another machine) or "interrupted" (stopped, or its writer
    died: kill -9, a crash, a power cut)."""

    path: Path
    status: str
    manifest: dict[str, Any]

    @property
    def what(self) -> str:
        """"a run of NAME" or "a batch NAME", for messages."""
        if self.manifest.get("kind") == "batch":
            return f"a batch {self.manifest.get('batch_name', '')}".rstrip()
        return f"a run of {self.manifest.get('scenario_name', 'a scenario')}"

    @property
    def writer(self) -> str:
        return f"pid {self.manifest.get('pid')} on {self.manifest.get('host')}"


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The folder's manifest, or None when there is none (or it is not readable JSON)."""
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def folder_state(out: Path) -> FolderState:
    """What ``out`` holds, reading a "running" manifest whose writer is gone as "interrupted"
    and saying so in the manifest too, so that whoever looks next sees the truth."""
    man = read_manifest(out)
    if man is None:
        return FolderState(out, "new", {})
    status = str(man.get("status", "interrupted"))
    if status != "running":
        return FolderState(out, status, man)
    alive = writer_alive(man)
    elsewhere = man.get("host") not in (None, socket.gethostname())
    if alive or (alive is None and elsewhere):  # another machine's run cannot be checked
        return FolderState(out, "running", man)
    man = {**man, "status": "interrupted", "interrupted_noticed": now_iso()}
    with contextlib.suppress(OSError):  # a read-only folder still reads as interrupted
        write_manifest(out, man)
    return FolderState(out, "interrupted", man)


def require_complete(out: Path) -> dict[str, Any]:
    """The manifest of a folder whose run finished; an input error naming its state if not."""
    state = folder_state(out)
    if state.status == "complete":
        return state.manifest
    reason = {"new": "no results here (no manifest.json)",
              "running": f"{state.what} is still running ({state.writer})",
              "interrupted": f"{state.what} was interrupted before it finished: finish it with "
                             "--resume, or start it again with --force"}[state.status]
    raise InputError.one(str(out), "manifest.json", reason)


# what run, batch and report write into a folder: --force clears these and nothing else
OUTPUT_FILES = ("manifest.json", "replications.csv", "monthly.csv", "distributions.csv",
                "summary.csv", "targets.csv", "comparison.csv", "report.html", "summary.xlsx")


def clear_outputs(out: Path) -> None:
    """Remove an earlier run's files (``--force``) so that none of them is mistaken for the new
    run's; other files in the folder are left alone."""
    for name in OUTPUT_FILES:
        (out / name).unlink(missing_ok=True)
    for chart in out.glob("chart_*.png"):
        chart.unlink()
    shutil.rmtree(out / TASKS, ignore_errors=True)


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


def comparison_rows(name: str, comparator: str, base: Values, other: Values,
                    base_verdicts: Verdicts, other_verdicts: Verdicts,
                    paired: bool = True, cost_source: str = SHIPPED_COSTS) -> list[tuple]:
    """Per KPI: mean difference (option - comparator) with its 95% CI, and target verdicts;
    for targets on a per-patient share, the extra patients meeting it and the incremental
    cost per extra patient (only where the difference is significant; see _cost_columns).

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
        cost, extra, per_extra, note = _cost_columns(d_cost, extra, significant, paired,
                                                     cost_source)
        if k not in SHARE_OF:
            note = NOT_COSTED if d_cost == 0 else cost_source
        for tid, vb in targets:
            vo = other_v.get(tid, "") if tid else ""
            rows.append((name, comparator, k, base_mean, other_mean, mean, lo, hi, n,
                         significant, tid, vb, vo, bool(tid) and vb != vo, cost,
                         extra if tid else np.nan, per_extra if tid else np.nan, note))
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
                      "cost_per_extra_patient_gbp", "cost_note"]


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
                                    cost_source=source)
    write_csv(out / "comparison.csv", pd.DataFrame(rows, columns=COMPARISON_COLUMNS))
    return judged

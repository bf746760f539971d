"""What the pages show, as plain tables read from results folders (no Streamlit here).

Every figure comes from the files a run writes (targets.csv, summary.csv, monthly.csv,
tasks/, manifest.json), the same ones report.html and summary.xlsx are built from, so the page
and the downloads cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.core.stats import mean_ci
from sim.experiment.jobs import JOB_FILE, read_json
from sim.outputs.comparison import compare_dirs, cost_lines
from sim.outputs.kpis import KPIS
from sim.outputs.report import SYMBOLS, TINTS
from sim.outputs.store import TASKS, folder_state, read_manifest
from sim.outputs.targets import rule_text

VERDICTS = ("not met", "met", "uncertain", "no data")  # "not met" first: it holds "met"


@dataclass(frozen=True)
class Folder:
    """A results folder the page may open: ``name`` is its path below the results root."""

    name: str
    path: Path
    kind: str  # "run", "batch" or "seek"
    status: str
    scenario: str
    started: str
    replications: int
    trial: str = ""  # "quick", "scaled x0.1", both, or "" for a full run (issue 24)

    @property
    def label(self) -> str:
        """The name as lists show it: a trial says so, so it is never taken for a run."""
        return f"{self.name} [{self.trial} trial]" if self.trial else self.name


def list_folders(root: Path, depth: int = 2) -> list[Folder]:
    """Runs, batches and seeks below the results root (newest first), from their files."""
    found: list[Folder] = []
    if not root.is_dir():
        return found
    candidates = [p for p in root.glob("*") if p.is_dir()]
    if depth > 1:
        candidates += [p for p in root.glob("*/*") if p.is_dir()]
    for path in candidates:
        name = path.relative_to(root).as_posix()
        if (path / "seek.json").exists() or (
                (read_json(path / JOB_FILE) or {}).get("spec", {}).get("kind") == "seek"):
            spec = (read_json(path / JOB_FILE) or {}).get("spec", {})
            done = "complete" if (path / "seek.json").exists() else "incomplete"
            found.append(Folder(name, path, "seek", done, str(spec.get("lever", "")),
                                _mtime(path), int(spec.get("replications", 0))))
            continue
        man = read_manifest(path)
        if man is None:  # a job not yet past its start: listed, so a reload can find it
            job = read_json(path / JOB_FILE) or {}
            spec = job.get("spec") or {}
            if spec:
                found.append(Folder(name, path, str(spec.get("kind", "run")), "starting",
                                    Path(str(spec.get("scenario_file", ""))).stem,
                                    _mtime(path), int(spec.get("replications", 0))))
            continue
        kind = str(man.get("kind", "run"))
        status = folder_state(path).status
        scenario = str(man.get("scenario_name") or man.get("batch_name") or "")
        trial = ", ".join((["quick"] if man.get("quick") else [])
                          + ([f"scaled x{man.get('scale')}"] if man.get("scaled") else []))
        found.append(Folder(name, path, kind, status, scenario, str(man.get("started", "")),
                            int(man.get("replications", 0)), trial))
    return sorted(found, key=lambda f: (f.started, f.name), reverse=True)


def _mtime(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(timespec="seconds")


def _fmt(x: Any, digits: int = 1) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not np.isfinite(v):
        return "-"
    return f"{v:,.{digits}f}"


def light(r: Any) -> str:
    """A target's light as text: the report's symbol and the verdict; a scaled trial's
    verdict is the one judged on the trial, said to be a trial's."""
    verdict = str(r.verdict)
    if verdict == "scaled":
        judged = str(getattr(r, "verdict_unscaled", "") or "no data")
        return f"{SYMBOLS.get(judged, '')} {judged} (scaled trial)"
    return f"{SYMBOLS.get(verdict, '')} {verdict}"


def verdict_in(cell: object) -> str | None:
    text = str(cell)
    return next((v for v in VERDICTS if v in text), None)


def tinted(frame: pd.DataFrame, columns: list[str]) -> Any:
    """The frame styled with the report's tints on the cells that hold a verdict."""
    def tint(cell: object) -> str:
        v = verdict_in(cell)
        return f"background-color: {TINTS[v]}" if v in TINTS else ""

    return frame.style.map(tint, subset=columns)


def target_lights(folder: Path, scenario: str | None = None) -> pd.DataFrame:
    """The target lights: each target's light and verdict, the rule, what it was judged on,
    the value judged with its 95% CI, P(met) with its Wilson interval, and why."""
    t = pd.read_csv(folder / "targets.csv", keep_default_na=False)
    if scenario is not None:
        t = t[t["scenario"] == scenario]
    rows = []
    for r in t.itertuples(index=False):
        rows.append({
            "target": r.target, "verdict": light(r),
            "rule": f"{r.kpi} {r.op} {float(r.threshold):g}", "judged on": r.judged_label,
            "value judged": _fmt(r.mean), "95% CI": f"{_fmt(r.ci_low)} .. {_fmt(r.ci_high)}",
            "P(met) [95% CI]": f"{_fmt(r.p_met, 2)} [{_fmt(r.p_met_low, 2)}-"
                               f"{_fmt(r.p_met_high, 2)}]",
            "why": r.reason})
    return pd.DataFrame(rows)


def rule(folder: Path) -> str:
    """The verdict rule in one sentence, for this folder's replications."""
    t = pd.read_csv(folder / "targets.csv", keep_default_na=False)
    man = read_manifest(folder) or {}
    required = float(t["required_confidence"].iloc[0]) if len(t) else 0.8
    return rule_text(required, int(man.get("replications", 0)))


def kpi_table(folder: Path, scenario: str | None = None) -> pd.DataFrame:
    """Every KPI's mean with its 95% CI over the replications, with its unit."""
    s = pd.read_csv(folder / "summary.csv")
    if scenario is not None:
        s = s[s["scenario"] == scenario]
    return pd.DataFrame({
        "kpi": s["kpi"], "unit": [KPIS[k].unit if k in KPIS else "" for k in s["kpi"]],
        "mean": s["mean"], "95% CI low": s["ci_low"], "95% CI high": s["ci_high"],
        "replications": s["n"]}).reset_index(drop=True)


def monthly_series(folder: Path, kpi: str, scenario: str | None = None) -> pd.DataFrame:
    """Month by month: the mean over replications with its 95% CI."""
    m = pd.read_csv(folder / "monthly.csv")
    m = m[m["kpi"] == kpi]
    if scenario is not None:
        m = m[m["scenario"] == scenario]
    rows = []
    for month, group in m.groupby("month", sort=True):
        mean, _sd, lo, hi, n = mean_ci(group["value"].to_numpy(dtype=float))
        rows.append({"month": str(month), "mean": mean, "ci_low": lo, "ci_high": hi, "n": n})
    return pd.DataFrame(rows, columns=["month", "mean", "ci_low", "ci_high", "n"])


def threshold(folder: Path, kpi: str) -> float | None:
    t = pd.read_csv(folder / "targets.csv", keep_default_na=False)
    hits = t[t["kpi"] == kpi]
    return float(hits["threshold"].iloc[0]) if len(hits) else None


def trajectories(folder: Path, scenario: str | None = None) -> pd.DataFrame:
    """Each queue's weekly mean over the measurement window, averaged over the replications:
    the trajectory that tells a settling queue from one that keeps growing."""
    rows = []
    for path in sorted((folder / TASKS).glob("*/rep-*.json")):
        data = json.loads(path.read_text())
        if scenario is not None and data.get("scenario") != scenario:
            continue
        for queue, weeks in (data.get("queue_weeks") or {}).items():
            rows += [(queue, i + 1, float(v)) for i, v in enumerate(weeks)]
    frame = pd.DataFrame(rows, columns=["queue", "week", "value"])
    return frame.groupby(["week", "queue"], as_index=False)["value"].mean().pivot(
        index="week", columns="queue", values="value") if len(frame) else frame


STAMPS = ("scaled", "quick")  # kinds that say the whole run is a trial


def warnings(folder: Path) -> tuple[list[str], list[str]]:
    """The run's warnings from its manifest: (trial stamps, the others)."""
    man = read_manifest(folder) or {}
    items = [w if isinstance(w, dict) else {"message": str(w)} for w in man.get("warnings", [])]
    stamps = [str(w.get("message", "")) for w in items if w.get("kind") in STAMPS]
    return stamps, [str(w.get("message", "")) for w in items if w.get("kind") not in STAMPS]


# -- comparison -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    verdicts: pd.DataFrame  # targets down, baseline and options across (light and value)
    differences: dict[str, pd.DataFrame]  # option -> paired differences with CIs
    notes: dict[str, str]  # option -> how it was paired, or why it was not compared
    costs: dict[str, list[str]]  # option -> the cost lines


_DIFF_COLUMNS = {"kpi": "kpi", "target": "target", "baseline mean": "comparator_mean",
                 "option mean": "scenario_mean", "judged on": "judged_on",
                 "difference (judged on)": "judged_mean_diff",
                 "judged 95% CI low": "judged_ci_low", "judged 95% CI high": "judged_ci_high",
                 "difference (window)": "mean_diff",
                 "95% CI low": "ci_low", "95% CI high": "ci_high", "significant": "significant",
                 "baseline verdict": "comparator_verdict", "option verdict": "scenario_verdict",
                 "verdict changed": "verdict_changed"}


def compare(baseline: Path, options: dict[str, Path]) -> Comparison:
    """The baseline against each option: verdicts side by side, and per option the paired
    differences with 95% CIs, verdict changes and costs (``compare``'s own table)."""
    columns = {"baseline": _verdict_column(baseline)}
    diffs, notes, costs = {}, {}, {}
    for label, path in options.items():
        columns[label] = _verdict_column(path)
        try:
            table, note = compare_dirs(baseline, path)
        except InputError as exc:  # unlike runs (window, quick, scale): said, not compared
            notes[label] = "Not compared: " + "; ".join(p.reason for p in exc.problems)
            costs[label], diffs[label] = [], pd.DataFrame(columns=list(_DIFF_COLUMNS))
            continue
        notes[label] = note
        costs[label] = cost_lines(table)
        diffs[label] = pd.DataFrame({shown: table[col] for shown, col in _DIFF_COLUMNS.items()})
    verdicts = pd.DataFrame(columns)
    verdicts.index.name = "target"
    return Comparison(verdicts.reset_index(), diffs, notes, costs)


def _verdict_column(folder: Path) -> pd.Series:
    t = pd.read_csv(folder / "targets.csv", keep_default_na=False)
    first = t["scenario"].iloc[0] if len(t) else ""
    t = t[t["scenario"] == first]
    return pd.Series({r.target: f"{light(r)}: {_fmt(r.mean)}"
                      for r in t.itertuples(index=False)})


def resolved_toml(man: dict[str, Any]) -> str:
    """The scenario a manifest records (a batch's first), as one self-contained TOML file."""
    from sim.app.editor import scenario_toml
    from sim.scenario.schema import scenario_model

    dump = man.get("scenario") or next(iter((man.get("scenarios") or {}).values()), None)
    return scenario_toml(scenario_model().model_validate(dump)) if dump else ""


# -- downloads -------------------------------------------------------------------------------------
def ensure_report(folder: Path) -> Path:
    """report.html (and summary.xlsx), built from the files if missing."""
    out = folder / "report.html"
    if not out.exists() or not (folder / "summary.xlsx").exists():
        from sim.outputs.report import build_report

        build_report(folder)
    return out


def zip_folder(folder: Path) -> bytes:
    """The whole results folder as a zip (paths relative to the folder)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                z.write(path, Path(folder.name) / path.relative_to(folder))
    return buf.getvalue()

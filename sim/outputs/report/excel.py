"""summary.xlsx: every table of the folder on its own sheet, with readable headers and
number formats (money to the pound, probabilities to 0.01)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.outputs.report.folder import Folder, costs_table
from sim.outputs.soundness import manifest_warnings

HEADERS = {"scenario": "Scenario", "replication": "Replication", "kpi": "KPI",
           "mean": "Mean", "sd": "SD", "ci_low": "95% CI low", "ci_high": "95% CI high",
           "n": "Replications", "target": "Target", "op": "Rule", "threshold": "Threshold",
           "deadline": "Deadline", "judged_on": "Judged on (month or window)",
           "judged_label": "Judged on", "in_force_since": "In force since",
           "value judged (mean)": "Value judged (mean)", "window_mean": "Window mean",
           "n_met": "Replications meeting", "p_met_low": "P(met) 95% CI low",
           "p_met_high": "P(met) 95% CI high", "required_confidence": "Required confidence",
           "reason": "Why", "cost_note": "Cost note", "probability met": "P(met)",
           "verdict": "Verdict", "month": "Month", "comparator": "Comparator",
           "comparator_mean": "Comparator mean", "scenario_mean": "Scenario mean",
           "mean_diff": "Mean difference (paired)", "significant": "Significant",
           "comparator_verdict": "Comparator verdict", "scenario_verdict": "Scenario verdict",
           "verdict_changed": "Verdict changed", "incremental_cost_gbp": "Incremental cost (GBP)",
           "extra_patients_meeting": "Extra patients meeting target",
           "cost_per_extra_patient_gbp": "Cost per extra patient (GBP)",
           "parameter": "Parameter", "value": "Value", "item": "Item",
           "verdict_unscaled": "Verdict judged on this scaled run", "kind": "Kind",
           "subject": "About", "scenarios": "Scenarios", "message": "Warning"}


def _excel_format(header: str) -> str:
    """Money to the pound, probabilities to 0.01, everything else to 0.1."""
    if "(GBP)" in header:
        return "#,##0"
    if header.startswith(("P(met)", "Required confidence")):
        return "0.00"
    return "#,##0.0"


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns read as text because of blanks (keep_default_na) back to numbers, so that the
    spreadsheet holds numbers with formats, not digits as text."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            continue
        filled = out[col].astype(str) != ""
        conv = pd.to_numeric(out[col].where(filled, np.nan), errors="coerce")
        if filled.any() and conv.notna().sum() == filled.sum():
            out[col] = conv
    return out


def warnings_table(folder: Folder) -> pd.DataFrame:
    """The Warnings sheet: the stamp first, then each warning (a row saying none if none)."""
    rows = [(w.kind, w.subject, ", ".join(w.scenarios), w.message)
            for w in manifest_warnings(folder.manifest)]
    return pd.DataFrame(rows or [("none", "", "", "no warnings: queues settle and every "
                                  "target is measured to its tolerance")],
                        columns=["kind", "subject", "scenarios", "message"])


def write_excel(folder: Folder) -> Path:
    """summary.xlsx: one sheet per table, readable headers and number formats."""
    from sim.scenario.fields import flatten

    man = folder.manifest
    inputs = man.get("scenario") or next(iter(man.get("scenarios", {}).values()), {})
    sheets = {
        "Warnings": warnings_table(folder),
        "Targets": _numeric(folder.targets).rename(columns={"p_met": "probability met",
                                                            "mean": "value judged (mean)"}),
        "KPIs": folder.summary,
        "Monthly": folder.monthly.groupby(["scenario", "month", "kpi"], as_index=False)[
            "value"].mean().rename(columns={"value": "mean over replications"}),
        "Comparison": (_numeric(folder.comparison) if folder.comparison is not None
                       else pd.DataFrame()),
        "Costs": costs_table(folder),
        "Inputs": pd.DataFrame(flatten(inputs), columns=["parameter", "value"]).astype(str),
        "Provenance": pd.DataFrame(
            [(k, json.dumps(v) if isinstance(v, dict | list) else v) for k, v in man.items()
             if k not in ("scenario", "scenarios")], columns=["item", "value"]).astype(str),
    }
    out = folder.path / "summary.xlsx"
    tmp = folder.path / "summary.xlsx.tmp"
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for name, frame in sheets.items():
            frame.rename(columns=HEADERS).to_excel(xl, sheet_name=name, index=False)
            ws = xl.sheets[name]
            for col in ws.columns:
                width = max((len(str(c.value)) for c in col if c.value is not None), default=8)
                ws.column_dimensions[col[0].column_letter].width = min(max(width, 8) + 2, 60)
                number_format = _excel_format(str(col[0].value))
                for cell in col[1:]:
                    if isinstance(cell.value, float):
                        cell.number_format = number_format
            ws.freeze_panes = "A2"
    tmp.replace(out)
    return out

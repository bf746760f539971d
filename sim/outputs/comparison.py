"""Compare two earlier results folders (``run`` or ``batch``) from their files alone.

Only like runs are compared (issue 24): a different measurement window, a quick trial beside a
full run or a scaled run beside a whole one measure different things, so the comparison is
refused with the reason. Runs with different seeds or code are compared unpaired (Welch),
never "by replication", and the note says why. Costs say the period they are summed over.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from sim.core.errors import InputError
from sim.outputs.store import (
    COMPARISON_COLUMNS,
    SHARE_OF,
    Monthly,
    Values,
    Verdicts,
    comparison_rows,
    cost_label,
    require_complete,
)


def _monthly(folder: Path, name: str) -> Monthly:
    """monthly.csv as month -> kpi -> replication -> value (empty when the file is missing:
    the target rows then say their month's difference is unknown)."""
    try:
        m = pd.read_csv(folder / "monthly.csv")
    except (OSError, ValueError):
        return {}
    out: Monthly = {}
    for row in m[m["scenario"] == name].itertuples(index=False):
        out.setdefault(str(row.month), {}).setdefault(row.kpi, {})[int(row.replication)] = \
            float(row.value)
    return out


def _judged_on(folder: Path, name: str) -> dict[str, str]:
    t = pd.read_csv(folder / "targets.csv", keep_default_na=False)
    if "judged_on" not in t.columns:
        return {}
    t = t[t["scenario"] == name]
    return dict(zip(t["target"].astype(str), t["judged_on"].astype(str), strict=True))


def _read(folder: Path) -> tuple[str, dict[str, Any], Values, Verdicts, dict]:
    """The folder's first scenario (a batch's comparator comes first): values, verdicts and
    its unit costs (from the manifest's resolved scenario)."""
    man = require_complete(folder)  # an interrupted or dead run is said to be one
    try:
        reps = pd.read_csv(folder / "replications.csv")
        targets = pd.read_csv(folder / "targets.csv", keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise InputError.one(str(folder), "(folder)", f"not a results folder: {exc}") from None
    if reps.empty:
        raise InputError.one(str(folder), "replications.csv", "no replications")
    name = str(reps["scenario"].iloc[0])
    reps = reps[reps["scenario"] == name]
    values: Values = {}
    for row in reps.itertuples(index=False):
        values.setdefault(row.kpi, {})[int(row.replication)] = float(row.value)
    t = targets[targets["scenario"] == name]
    verdicts = [(r.target, r.kpi, r.verdict) for r in t.itertuples(index=False)]
    resolved = man.get("scenario") or man.get("scenarios", {}).get(name, {})
    man = {**man, "run": resolved.get("run", {})}
    return name, man, values, verdicts, resolved.get("costs", {})


def window_of(man: dict[str, Any]) -> str:
    """The measured period of a run from its manifest, e.g. "365 days measured
    (2025-04-01 to 2026-03-31)"; "an unknown window" when the manifest does not say."""
    scenarios = man.get("scenarios") or {}
    first = next(iter(scenarios.values()), {}) if isinstance(scenarios, dict) else {}
    run = man.get("run") or (man.get("scenario") or {}).get("run") or first.get("run") or {}
    try:
        start = dt.date.fromisoformat(str(run["start_date"]))
        first = start + dt.timedelta(days=int(run["warmup_days"]))
        days = int(run["measurement_days"])
    except (KeyError, TypeError, ValueError):
        return "an unknown window"
    last = first + dt.timedelta(days=days - 1)
    return f"{days} days measured ({first} to {last})"


def _status(man: dict[str, Any]) -> str:
    """How a run was sized: "full", "quick", "scaled x0.05" or both."""
    parts = (["quick"] if man.get("quick") else []) + (
        [f"scaled x{man.get('scale')}"] if man.get("scaled") else [])
    return " and ".join(parts) or "full"


def comparability(a: dict[str, Any], b: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(reasons to refuse the comparison, reasons it cannot be paired) of two manifests.

    Refused: the measured windows differ or one is a quick or scaled trial and the other not
    (the KPIs and costs measure different periods or systems). Unpaired: different seeds (no
    common random numbers) or different code (the same seed draws different patients)."""
    refuse, unpair = [], []
    if window_of(a) != window_of(b):
        refuse.append(f"windows differ: {window_of(a)} against {window_of(b)}")
    if _status(a) != _status(b):
        refuse.append(f"one run is {_status(a)}, the other {_status(b)}")
    if a.get("seed") != b.get("seed"):
        unpair.append(f"different seeds ({a.get('seed')}, {b.get('seed')})")
    code_a, code_b = (m.get("git_commit") or m.get("versions") for m in (a, b))
    if code_a != code_b:
        unpair.append("different code versions"
                      + (f" ({str(code_a)[:7]}, {str(code_b)[:7]})"
                         if isinstance(code_a, str) and isinstance(code_b, str) else ""))
    return refuse, unpair


def compare_dirs(dir_a: Path, dir_b: Path) -> tuple[pd.DataFrame, str]:
    """Option (``dir_b``) minus comparator (``dir_a``), per KPI; raises InputError when the
    runs are not alike enough to compare at all (see :func:`comparability`)."""
    name_a, man_a, vals_a, verd_a, costs_a = _read(dir_a)
    name_b, man_b, vals_b, verd_b, _costs_b = _read(dir_b)
    refuse, unpair = comparability(man_a, man_b)
    if refuse:
        raise InputError.one(str(dir_b), "(folder)",
                             f"not comparable with {dir_a}: " + "; ".join(refuse)
                             + ". Run both the same way (same window, both full or both "
                             "quick, the same --scale) and compare again")
    paired = not unpair
    judged = _judged_on(dir_a, name_a)
    months = ((_monthly(dir_a, name_a), _monthly(dir_b, name_b))
              if any(on != "window" for on in judged.values()) else None)
    rows = comparison_rows(name_b, name_a, vals_a, vals_b, verd_a, verd_b, paired=paired,
                           cost_source=cost_label(costs_a), judged_on=judged, months=months)
    note = (f"{name_b} ({dir_b}) minus {name_a} ({dir_a}), over {window_of(man_a)}: "
            + ("paired by replication (same seed and code, common random numbers)" if paired
               else "; ".join(unpair) + ": unpaired Welch intervals, wider, and no cost per "
               "extra patient"))
    if _status(man_a) != "full":
        note += f"; both runs are {_status(man_a)} trials: not for decisions"
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    table.attrs["period"] = window_of(man_a)
    return table, note


def _pounds(x: float) -> str:
    return f"GBP {x:,.0f}"


def cost_lines(table: pd.DataFrame) -> list[str]:
    """The costs of a comparison for a finance reader, one line per per-patient target:
    incremental cost (or "not costed"), extra patients meeting it and the cost per extra
    patient only where the difference is significant, with the note saying why not. Each
    line says the period its cost is summed over (``table.attrs["period"]``)."""
    period = table.attrs.get("period", "the measured window")
    rows = table[(table["target"] != "") & table["kpi"].isin(SHARE_OF)]
    lines = []
    for r in rows.itertuples(index=False):
        if str(r.cost_note).startswith("not costed"):
            lines.append(f"{r.scenario} {r.target}: not costed (no costed capacity changed)")
            continue
        cost = "-" if r.incremental_cost_gbp != r.incremental_cost_gbp else _pounds(
            r.incremental_cost_gbp)
        per = ("-" if r.cost_per_extra_patient_gbp != r.cost_per_extra_patient_gbp
               else _pounds(r.cost_per_extra_patient_gbp))
        extra = ("-" if r.extra_patients_meeting != r.extra_patients_meeting
                 else f"{r.extra_patients_meeting:,.1f}")
        lines.append(f"{r.scenario} {r.target}: incremental cost {cost} over {period}; extra "
                     f"patients meeting {extra}; cost per extra patient {per} ({r.cost_note})")
    return lines

"""Compare two earlier results folders (``run`` or ``batch``) from their files alone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.core.errors import InputError
from sim.outputs.store import (
    COMPARISON_COLUMNS,
    SHARE_OF,
    Values,
    Verdicts,
    comparison_rows,
    cost_label,
    require_complete,
)


def _read(folder: Path) -> tuple[str, int, Values, Verdicts, dict]:
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
    return name, int(man.get("seed", -1)), values, verdicts, resolved.get("costs", {})


def compare_dirs(dir_a: Path, dir_b: Path) -> tuple[pd.DataFrame, str]:
    name_a, seed_a, vals_a, verd_a, costs_a = _read(dir_a)
    name_b, seed_b, vals_b, verd_b, _costs_b = _read(dir_b)
    paired = seed_a == seed_b
    rows = comparison_rows(name_b, name_a, vals_a, vals_b, verd_a, verd_b, paired=paired,
                           cost_source=cost_label(costs_a))
    note = (f"{name_b} ({dir_b}) minus {name_a} ({dir_a}): "
            + ("paired by replication (same seed, common random numbers)" if paired else
               f"different seeds ({seed_a}, {seed_b}): unpaired Welch intervals, wider"))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS), note


def _pounds(x: float) -> str:
    return f"GBP {x:,.0f}"


def cost_lines(table: pd.DataFrame) -> list[str]:
    """The costs of a comparison for a finance reader, one line per per-patient target:
    incremental cost (or "not costed"), extra patients meeting it and the cost per extra
    patient only where the difference is significant, with the note saying why not."""
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
        lines.append(f"{r.scenario} {r.target}: incremental cost {cost}; extra patients "
                     f"meeting {extra}; cost per extra patient {per} ({r.cost_note})")
    return lines

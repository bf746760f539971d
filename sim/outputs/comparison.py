"""Compare two earlier results folders (``run`` or ``batch``) from their files alone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.core.errors import InputError
from sim.outputs.store import (
    COMPARISON_COLUMNS,
    Values,
    Verdicts,
    comparison_rows,
    require_complete,
)


def _read(folder: Path) -> tuple[str, int, Values, Verdicts]:
    """The folder's first scenario (a batch's comparator comes first): values and verdicts."""
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
    return name, int(man.get("seed", -1)), values, verdicts


def compare_dirs(dir_a: Path, dir_b: Path) -> tuple[pd.DataFrame, str]:
    name_a, seed_a, vals_a, verd_a = _read(dir_a)
    name_b, seed_b, vals_b, verd_b = _read(dir_b)
    paired = seed_a == seed_b
    rows = comparison_rows(name_b, name_a, vals_a, vals_b, verd_a, verd_b, paired=paired)
    note = (f"{name_b} ({dir_b}) minus {name_a} ({dir_a}): "
            + ("paired by replication (same seed, common random numbers)" if paired else
               f"different seeds ({seed_a}, {seed_b}): unpaired Welch intervals, wider"))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS), note

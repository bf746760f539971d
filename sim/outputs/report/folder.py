"""A results folder's files read once (manifest, summary, targets, monthly, and the optional
distributions and comparison), and the cost table both the page and the workbook show."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.core.errors import InputError
from sim.outputs.comparison import window_of


class Folder:
    """The files of a results folder, read once."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.manifest = json.loads((path / "manifest.json").read_text())
            self.summary = pd.read_csv(path / "summary.csv")
            self.targets = pd.read_csv(path / "targets.csv", keep_default_na=False)
            self.monthly = pd.read_csv(path / "monthly.csv")
        except (OSError, ValueError) as exc:
            raise InputError.one(str(path), "(folder)", f"not a results folder: {exc}") from None
        self.distributions = _optional(path / "distributions.csv")
        self.comparison = _optional(path / "comparison.csv")
        self.scenarios = list(dict.fromkeys(self.summary["scenario"]))


def _optional(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path, keep_default_na=False) if path.exists() else None


def costs_table(folder: Folder) -> pd.DataFrame:
    """Mean cost of capacity over the window per scenario, rounded to the pound; the header
    says the period ("GBP over 365 days measured (2025-04-01 to 2026-03-31)")."""
    head = f"cost, GBP over {window_of(folder.manifest)}"
    s = folder.summary[folder.summary["kpi"].str.startswith("cost_")]
    if s.empty:  # a folder from before costs existed
        return pd.DataFrame({head: ["no cost KPIs in this folder"]})
    table = s.pivot(index="kpi", columns="scenario", values="mean")[folder.scenarios].round(0)
    table.index.name = head
    return table.reset_index()

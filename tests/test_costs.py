"""Costs a finance lead can read: a cost per extra patient only for a significant difference,
rounded, labelled as an estimate, and "not costed" rather than GBP 0."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.outputs.store import (
    COMPARISON_COLUMNS,
    NOT_COSTED,
    NOT_SIGNIFICANT,
    SHIPPED_COSTS,
    comparison_rows,
    cost_label,
)

REPS = range(10)


def values(ed_4h: list[float], cost: float, attendances: float = 500_000.0) -> dict:
    """kpi -> replication -> value, the shape comparison_rows reads."""
    return {"ed_4h_pct": dict(zip(REPS, ed_4h, strict=True)),
            "ed_attendances": {r: attendances for r in REPS},
            "cost_total_gbp": {r: cost for r in REPS}}


def ed_row(base: dict, other: dict) -> pd.Series:
    rows = comparison_rows("option", "base", base, other, [("ed_4h", "ed_4h_pct", "uncertain")],
                           [("ed_4h", "ed_4h_pct", "uncertain")])
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    return table[table.target == "ed_4h"].iloc[0]


BASE_4H = [75.0, 76.2, 74.1, 75.5, 75.9, 74.8, 76.0, 75.1, 74.4, 75.7]


def test_a_significant_gain_has_a_rounded_cost_per_extra_patient() -> None:
    other = [x + 1.0 + 0.01 * i for i, x in enumerate(BASE_4H)]
    row = ed_row(values(BASE_4H, 10_000_000.0), values(other, 12_345_678.9))
    assert row.significant
    assert row.incremental_cost_gbp == 2_345_679.0  # to the pound
    extra = 500_000 * (1.0 + 0.045) / 100  # mean paired gain x attendances
    assert row.extra_patients_meeting == pytest.approx(round(extra, 1))
    assert row.cost_per_extra_patient_gbp == round(2_345_678.9 / extra)
    assert row.cost_note == SHIPPED_COSTS and "[E]" in row.cost_note


def test_a_non_significant_difference_gets_no_cost_per_patient() -> None:
    """The issue's case: a +0.01 point change costed at GBP 224,580,418 a patient."""
    noise = [0.3, -0.3, 0.2, -0.2, 0.25, -0.25, 0.1, -0.1, 0.05, -0.04]
    other = [x + d for x, d in zip(BASE_4H, noise, strict=True)]
    row = ed_row(values(BASE_4H, 10_000_000.0), values(other, 21_000_000.0))
    assert not row.significant and math.isnan(row.cost_per_extra_patient_gbp)
    assert row.incremental_cost_gbp == 11_000_000.0
    assert row.cost_note.startswith(NOT_SIGNIFICANT)


def test_a_process_change_is_not_costed_rather_than_zero() -> None:
    other = [x + 2.0 for x in BASE_4H]
    row = ed_row(values(BASE_4H, 10_000_000.0), values(other, 10_000_000.0))
    assert row.significant and row.cost_note == NOT_COSTED
    assert math.isnan(row.incremental_cost_gbp) and math.isnan(row.cost_per_extra_patient_gbp)
    assert row.extra_patients_meeting == pytest.approx(10_000.0)


def test_a_worse_option_has_no_cost_per_extra_patient() -> None:
    other = [x - 2.0 for x in BASE_4H]
    row = ed_row(values(BASE_4H, 10_000_000.0), values(other, 11_000_000.0))
    assert row.significant and math.isnan(row.cost_per_extra_patient_gbp)
    assert row.cost_note.startswith("no extra patients meeting")


def test_cost_label_says_estimate_for_the_shipped_unit_costs() -> None:
    from sim.scenario import baseline_path, load_scenario

    shipped = load_scenario(baseline_path()).costs.model_dump(mode="json")
    assert cost_label(shipped) == SHIPPED_COSTS == "estimate [E]: replace with local unit costs"
    local = {**shipped, "acute_bed_day_gbp": 510.0, "price_year": "2025/26"}
    assert "scenario unit costs" in cost_label(local) and "2025/26" in cost_label(local)


def test_the_unit_costs_in_the_baseline_are_tagged_estimates(root) -> None:
    lines = (root / "scenarios" / "baseline.toml").read_text().splitlines()
    start = lines.index("[costs]")
    costed = [line for line in lines[start + 1:] if line.split("#")[0].strip().endswith(
        tuple("0123456789")) and "_gbp" in line]
    assert costed and all("[E]" in line for line in costed)


def test_welch_costs_are_not_paired(root) -> None:
    rows = comparison_rows("option", "base", values(BASE_4H, 1.0), values(
        [x + 2 for x in BASE_4H], 3.0), [("ed_4h", "ed_4h_pct", "")], [], paired=False)
    row = pd.DataFrame(rows, columns=COMPARISON_COLUMNS).query("target == 'ed_4h'").iloc[0]
    assert np.isnan(row.cost_per_extra_patient_gbp) and row.cost_note.startswith("unpaired")


def _folder(path, ed_4h: list[float], cost: float, costs: dict) -> None:
    """A minimal complete results folder that compare_dirs can read."""
    import json

    path.mkdir()
    (path / "manifest.json").write_text(json.dumps(
        {"status": "complete", "seed": 7, "scenario": {"costs": costs}}))
    rows = [("s", r, k, v[r]) for k, v in values(ed_4h, cost).items() for r in REPS]
    pd.DataFrame(rows, columns=["scenario", "replication", "kpi", "value"]).to_csv(
        path / "replications.csv", index=False)
    pd.DataFrame([("s", "ed_4h", "ed_4h_pct", "uncertain")],
                 columns=["scenario", "target", "kpi", "verdict"]).to_csv(
        path / "targets.csv", index=False)


def test_compare_labels_the_folders_unit_costs_and_prints_rounded_costs(tmp_path) -> None:
    from sim.outputs.comparison import compare_dirs, cost_lines

    local = {"currency": "GBP", "price_year": "2025/26", "acute_bed_day_gbp": 510.0}
    _folder(tmp_path / "a", BASE_4H, 10_000_000.0, local)
    _folder(tmp_path / "b", [x + 1.5 for x in BASE_4H], 11_234_567.4, local)
    table, note = compare_dirs(tmp_path / "a", tmp_path / "b")
    assert "paired" in note
    row = table[table.target == "ed_4h"].iloc[0]
    assert row.incremental_cost_gbp == 1_234_567.0
    assert row.cost_note.startswith("scenario unit costs ([costs], price year 2025/26)")
    [line] = cost_lines(table)
    assert "incremental cost GBP 1,234,567" in line and "extra patients meeting 7,500.0" in line
    assert f"cost per extra patient GBP {round(1_234_567.4 / 7500):,}" in line


def test_compare_prints_not_costed_for_a_process_change(tmp_path) -> None:
    from sim.outputs.comparison import compare_dirs, cost_lines

    _folder(tmp_path / "a", BASE_4H, 10_000_000.0, {})
    _folder(tmp_path / "b", [x + 1.5 for x in BASE_4H], 10_000_000.0, {})
    table, _ = compare_dirs(tmp_path / "a", tmp_path / "b")
    assert cost_lines(table) == ["s ed_4h: not costed (no costed capacity changed)"]
    assert table[table.kpi == "ed_4h_pct"].cost_note.iloc[0] == NOT_COSTED


def test_a_cheaper_and_better_option_is_called_dominant_not_given_a_negative_price() -> None:
    other = [x + 2.0 for x in BASE_4H]
    row = ed_row(values(BASE_4H, 10_000_000.0), values(other, 9_000_000.0))
    assert row.incremental_cost_gbp == -1_000_000.0
    assert math.isnan(row.cost_per_extra_patient_gbp) and "dominant" in row.cost_note
